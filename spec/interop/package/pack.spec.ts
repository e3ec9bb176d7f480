/**
 * The packed tarball, installed into a scratch project with npm, loads and works from every kind
 * of module a user writes: `.mjs` (import), `.cjs` (require) and TypeScript with `module: nodenext`
 * and `module: commonjs` (TypeScript 7, and TypeScript 5 with node10 resolution), type-checked
 * strictly (exactOptionalPropertyTypes, no skipLibCheck).
 * Each program runs a real round trip, AMQP and STOMP, through the package's own embedded broker.
 * rxjs is a peer dependency: the app's copy is the one the package uses.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inProject, packedProject, ROOT, type PackedProject } from '../support/packed.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The same program in both module systems: `load` is how it gets the three entries. */
const program = (load: string): string => `${load}
const { firstValueFrom, from, switchMap, take, tap, toArray, Observable } = rxjs;
(async () => {
  const broker = await brokerEntry.startBroker({ amqpPort: 0, stompPort: 0 });
  try {
    const amqp$ = amqpEntry.connect(broker.amqpUrl);
    const outcomes = await firstValueFrom(amqp$.pipe(switchMap((c) => from([{ body: 'a' }, { body: 'b' }]).pipe(c.send('q'), toArray()))));
    // Credit 1 with manual settlement: the second message comes only after the first is accepted.
    const bodies = await firstValueFrom(amqp$.pipe(switchMap((c) => c.receive('q', { settle: 'manual', credit: 1 }).pipe(tap((m) => m.accept()), take(2), toArray()))));
    const stomp$ = stompEntry.connect(broker.stompUrl);
    const sent = await firstValueFrom(stomp$.pipe(switchMap((s) => from(['x']).pipe(s.send('/queue/s', { receipt: true }), toArray()))));
    const got = await firstValueFrom(stomp$.pipe(switchMap((s) => s.subscribe('/queue/s').pipe(take(1), toArray()))));
    console.log(JSON.stringify({
      outcomes: outcomes.map((o) => o.state),
      bodies: bodies.map((m) => m.body),
      stomp: [sent.length, got[0].text],
      // One copy of each: the root entry's namespaces are the subpath entries, and the
      // Observables are the app's rxjs Observables (rxjs is a peer dependency).
      sameModule: root.amqp.connect === amqpEntry.connect && root.amqp.AmqpError === amqpEntry.AmqpError && root.stomp.connect === stompEntry.connect,
      oneRxjs: amqp$ instanceof Observable,
    }));
  } finally {
    await broker.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
`;

const EXPECTED = { outcomes: ['accepted', 'accepted'], bodies: ['a', 'b'], stomp: [1, 'x'], sameModule: true, oneRxjs: true };

/** A typed program: what a TypeScript user writes, checked strictly. */
const TYPED = `import { connect, type Message, type Outcome } from 'rx-mq/amqp';
import { connect as stomp, type StompMessage } from 'rx-mq/stomp';
import { startBroker, type EmbeddedBroker } from 'rx-mq/broker';
import { amqp } from 'rx-mq';
import { from, switchMap, toArray, type Observable } from 'rxjs';

export async function main(): Promise<void> {
  const broker: EmbeddedBroker = await startBroker({ amqpPort: 0 });
  const messages: Message[] = [{ body: 'a', subject: 's', applicationProperties: { n: 1 } }];
  const outcomes: Observable<Outcome[]> = connect({ url: broker.amqpUrl, idleTimeout: 0 }).pipe(switchMap((c) => from(messages).pipe(c.send('q'), toArray())));
  const texts: Observable<string> = stomp(broker.stompUrl ?? '').pipe(switchMap((s) => s.subscribe('/queue/q')), switchMap((m: StompMessage) => [m.text]));
  const same: typeof connect = amqp.connect;
  void [outcomes, texts, same];
  await broker.close();
}
`;

const tsconfig = (module: 'nodenext' | 'commonjs', files: readonly string[], moduleResolution?: 'node10'): string => JSON.stringify({
  compilerOptions: {
    module, ...(moduleResolution === undefined ? {} : { moduleResolution }), target: 'ES2022', lib: ['ES2022', 'DOM'],
    strict: true, exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true, types: ['node'],
  },
  files,
});

describe('package: the packed tarball in a scratch project', function () {
  this.timeout(180_000);
  let p: PackedProject;
  before(async () => { p = await packedProject(); });

  it('ships the ESM and CommonJS builds and their types, and no sources or tests', () => {
    for (const f of ['dist/amqp/index.js', 'dist/amqp/index.browser.js', 'dist/amqp/index.d.ts', 'dist/cjs/amqp/index.js',
      'dist/cjs/amqp/index.d.ts', 'dist/cjs/package.json', 'dist/index.js', 'dist/cjs/index.js', 'dist/cli/main.js', 'package.json',
      'amqp/package.json', 'stomp/package.json', 'broker/package.json', 'angular/package.json', 'dist/angular/index.js',
      'dist/angular/index.browser.js', 'dist/angular/index.d.ts', 'dist/cjs/angular/index.js']) {
      expect(p.files, f).to.include(f);
    }
    expect(p.files.filter((f) => f.startsWith('src/') || f.startsWith('spec/'))).to.deep.equal([]);
  });

  it('works from an ES module (.mjs, import)', async () => {
    writeFileSync(join(p.dir, 'app.mjs'), program(`import * as amqpEntry from 'rx-mq/amqp';
import * as stompEntry from 'rx-mq/stomp';
import * as brokerEntry from 'rx-mq/broker';
import * as root from 'rx-mq';
import * as rxjs from 'rxjs';`));
    expect(JSON.parse(await inProject(p, process.execPath, ['app.mjs']))).to.deep.equal(EXPECTED);
  });

  it('works from CommonJS (.cjs, require)', async () => {
    writeFileSync(join(p.dir, 'app.cjs'), program(`const amqpEntry = require('rx-mq/amqp');
const stompEntry = require('rx-mq/stomp');
const brokerEntry = require('rx-mq/broker');
const root = require('rx-mq');
const rxjs = require('rxjs');`));
    expect(JSON.parse(await inProject(p, process.execPath, ['app.cjs']))).to.deep.equal(EXPECTED);
  });

  it('rx-mq/nest works from CommonJS: a Nest microservice on RxMqServer answers RxMqClient over AMQP and STOMP', async () => {
    // Plain JavaScript, as a CommonJS Nest app compiles to: the handlers are registered the way
    // Nest's scanner registers @MessagePattern and @EventPattern methods.
    writeFileSync(join(p.dir, 'nest.cjs'), `require('reflect-metadata');
const { RxMqServer, RxMqClient } = require('rx-mq/nest');
const { startBroker } = require('rx-mq/broker');
const { firstValueFrom, lastValueFrom } = require('rxjs');
(async () => {
  const broker = await startBroker({ amqpPort: 0, stompPort: 0 });
  const result = {};
  try {
    for (const url of [broker.amqpUrl, broker.stompUrl]) {
      const events = [];
      const server = new RxMqServer({ url, concurrency: 2 });
      server.addHandler('sum', async (xs) => xs.reduce((a, b) => a + b, 0), false);
      server.addHandler('seen', async (e) => { events.push(e.id); }, true);
      await new Promise((resolve, reject) => server.listen((err) => (err ? reject(err) : resolve())));
      const client = new RxMqClient({ url, timeout: 5000 });
      const sum = await firstValueFrom(client.send('sum', [1, 2, 3]));
      await lastValueFrom(client.emit('seen', { id: 'e1' }), { defaultValue: undefined });
      for (let i = 0; i < 100 && events.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
      result[url.split(':')[0]] = { sum, events };
      await client.close();
      await server.close();
    }
  } finally {
    await broker.close();
  }
  console.log(JSON.stringify(result));
})().catch((e) => { console.error(e); process.exit(1); });
`);
    expect(JSON.parse(await inProject(p, process.execPath, ['nest.cjs']))).to.deep.equal({
      amqp: { sum: 6, events: ['e1'] }, stomp: { sum: 6, events: ['e1'] },
    });
  });

  for (const module of ['nodenext', 'commonjs'] as const) {
    it(`type-checks a TypeScript app with module ${module}, strict and exactOptionalPropertyTypes, without skipLibCheck`, async () => {
      const file = module === 'nodenext' ? 'typed.mts' : 'typed.ts';
      writeFileSync(join(p.dir, file), TYPED);
      writeFileSync(join(p.dir, `tsconfig.${module}.json`), tsconfig(module, [file]));
      await inProject(p, process.execPath, [TSC, '-p', `tsconfig.${module}.json`]);
    });
  }

  it('type-checks with TypeScript 5, module commonjs and moduleResolution node10 (subpaths through the amqp/, stomp/, broker/ folders)', async () => {
    writeFileSync(join(p.dir, 'typed.ts'), TYPED);
    writeFileSync(join(p.dir, 'tsconfig.ts5.json'), tsconfig('commonjs', ['typed.ts'], 'node10'));
    await inProject(p, process.execPath, [join(p.dir, 'node_modules', 'typescript5', 'bin', 'tsc'), '-p', 'tsconfig.ts5.json']);
  });
});
