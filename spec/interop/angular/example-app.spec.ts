/**
 * examples/angular in headless Chromium: the example app, copied into a scratch project where the
 * packed rx-mq tarball and Angular are installed with npm (what a user's app has), is bundled
 * with esbuild (examples/angular/build.ts) and served with the embedded broker's WebSocket URLs.
 * Node publishes over AMQP and STOMP; the test reads the rendered messages from the page's DOM,
 * submits the send form and reads each message's outcome, in the zoneless build (Angular's
 * default) and in the zone.js build; then the broker goes away and comes back, and the page shows
 * `reconnecting` with its cause, keeps a message sent meanwhile and resumes both feeds.
 * Screenshots and the bundle sizes (with and without rx-mq) are kept in
 * spec/interop/angular/artifacts/ (not committed).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { from, lastValueFrom, of } from 'rxjs';
import { amqpClient, type AmqpClient } from '../../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { stompClient, type StompClient } from '../../../src/stomp/index.js';
import { buildExample, type ExampleBuild } from '../../../examples/angular/build.js';
import { serveExample, type ExampleServer } from '../../../examples/angular/server.js';
import { PEERS, requirePeers } from '../../support/peers.js';
import { installedVersion, packedProject, ROOT } from '../support/packed.js';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** What an Angular app's TypeScript writes against rx-mq/angular (no decorators: this is about the types). */
const TYPED = `import { createEnvironmentInjector, inject, Injector, type EnvironmentInjector } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { AMQP_CLIENT, provideRxMq, STOMP_CLIENT, type AmqpClient, type ClientState, type StompClient } from 'rx-mq/angular';

const providers = provideRxMq({
  amqp: { urls: ['amqp+wss://broker.example/amqp'], reconnect: { maxAttempts: 3 } },
  stomp: () => ({ url: 'wss://broker.example/ws', heartbeat: [0, 0] as const }),
});
const injector = createEnvironmentInjector([providers], Injector.NULL as EnvironmentInjector);
const amqp: AmqpClient = injector.get(AMQP_CLIENT);
const stomp: StompClient | null = injector.get(STOMP_CLIENT, null, { optional: true });
injector.runInContext(() => {
  const state = toSignal(inject(STOMP_CLIENT).state$, { requireSync: true });
  const now: ClientState = state();
  void now;
});
// @ts-expect-error a number is no client configuration
provideRxMq({ amqp: 42 });
void [amqp, stomp];
`;
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', 'angular');
const ANGULAR = ['@angular/core', '@angular/common', '@angular/compiler', '@angular/platform-browser', 'zone.js'];

/** The texts of a list's items (`selector` names the <li> elements' text nodes to read). */
const texts = (page: Page, selector: string): Promise<string[]> =>
  page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').trim()));

/** Waits until the list under `selector` reads `expected` (as a whole), or fails showing what it read. */
async function expectList(page: Page, selector: string, expected: readonly string[], ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  let got: string[] = [];
  while (Date.now() < deadline) {
    got = await texts(page, selector);
    if (JSON.stringify(got) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(got, selector).to.deep.equal(expected);
}

describe('angular: the example app in headless Chromium (packed package, embedded broker)', function () {
  this.timeout(300_000);
  requirePeers(PEERS.chromium);
  let broker: EmbeddedBroker;
  let browser: Browser;
  let appDir: string;
  let withRxMq: ExampleBuild;
  let withoutRxMq: ExampleBuild;
  let amqp: AmqpClient;
  let stomp: StompClient;

  before(async () => {
    const project = await packedProject();
    // The app's framework, at this checkout's versions (npm takes them from its cache).
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock',
      ...ANGULAR.map((p) => `${p}@${installedVersion(p)}`)], { cwd: project.dir, maxBuffer: 64 * 1024 * 1024 });
    appDir = join(project.dir, 'angular-app');
    cpSync(EXAMPLE, appDir, { recursive: true, filter: (f) => !/(serve|server|build)\.ts$/.test(f) });
    withRxMq = await buildExample({ appDir, outdir: join(appDir, 'dist'), rxmq: 'package' });
    withoutRxMq = await buildExample({ appDir, outdir: join(appDir, 'dist-none'), rxmq: 'none' });
    broker = await startBroker({ amqpPort: 0, stompPort: 0, wsPort: 0 });
    // As root (CI), Chromium's sandbox cannot start: the page is our own.
    browser = await chromium.launch({ executablePath: PEERS.chromium.path, args: ['--no-sandbox'] });
    amqp = amqpClient(broker.amqpUrl);
    stomp = stompClient(broker.stompUrl as string);
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await Promise.all([amqp?.close(), stomp?.close()]);
    await browser?.close();
    await broker?.close();
  });

  it('bundles from the package\'s browser entry, and reports its size with and without rx-mq', () => {
    const inputs = Object.keys(withRxMq.metafile.inputs);
    expect(inputs.some((f) => f.endsWith('rx-mq/dist/angular/index.browser.js'))).to.equal(true);
    expect(inputs.filter((f) => f.startsWith('node:') || /node_modules\/ws\//.test(f) || f.includes('rx-mq/dist/transport/node'))).to.deep.equal([]);
    expect(Object.keys(withoutRxMq.metafile.inputs).filter((f) => f.includes('rx-mq/'))).to.deep.equal([]);
    const sizes = {
      withRxMq: withRxMq.main, withoutRxMq: withoutRxMq.main, rxmqModulesBytes: withRxMq.rxmqBytes,
      added: { bytes: withRxMq.main.bytes - withoutRxMq.main.bytes, gzipBytes: withRxMq.main.gzipBytes - withoutRxMq.main.gzipBytes },
      zoneJs: { withRxMq: withRxMq.zone, withoutRxMq: withoutRxMq.zone },
    };
    writeFileSync(join(ARTIFACTS, 'bundle-sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
    console.log(`      bundle (minified, JIT): ${withRxMq.main.bytes} B with rx-mq, ${withoutRxMq.main.bytes} B without; gzip ${withRxMq.main.gzipBytes} / ${withoutRxMq.main.gzipBytes} B`);
    expect(sizes.added.bytes).to.be.greaterThan(0);
    // What the app gains is rx-mq's own code (and the rxjs operators only it uses), nothing more.
    expect(sizes.added.bytes).to.be.within(withRxMq.rxmqBytes * 0.8, withRxMq.rxmqBytes * 1.5);
  });

  it('type-checks an Angular app\'s use of the types (bundler resolution, browser condition, strict, exactOptionalPropertyTypes, no skipLibCheck)', async () => {
    writeFileSync(join(appDir, 'typed.ts'), TYPED);
    writeFileSync(join(appDir, 'tsconfig.typed.json'), JSON.stringify({
      compilerOptions: {
        module: 'preserve', moduleResolution: 'bundler', customConditions: ['browser'], target: 'ES2022', lib: ['ES2022', 'DOM'],
        strict: true, exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true, types: [],
      },
      files: ['typed.ts'],
    }));
    await run(process.execPath, [TSC, '-p', 'tsconfig.typed.json'], { cwd: appDir }).catch((e: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${e.stdout ?? ''}`);
    });
  });

  for (const mode of ['zoneless', 'zone.js'] as const) {
    describe(`${mode} change detection`, () => {
      let page: Page;
      let site: ExampleServer;
      const errors: string[] = [];
      const tag = mode === 'zoneless' ? 'zl' : 'zj';
      // A queue and a topic of each mode's own, so that one page's leftovers cannot reach the other.
      const queue = `ng-orders-${tag}-${Date.now()}`;
      const topic = `ng-prices-${tag}-${Date.now()}`;

      before(async () => {
        site = await serveExample(join(appDir, 'dist'), { amqpUrl: broker.amqpWsUrl as string, stompUrl: broker.stompWsUrl as string, queue, topic });
        page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
        await page.goto(mode === 'zoneless' ? site.url : `${site.url}?zone`);
        await page.waitForFunction(() => document.querySelectorAll('app-connection-state [data-state="open"]').length === 2, undefined, { timeout: 15_000 })
          .catch(() => { throw new Error(`the app did not connect: ${errors.join('; ')}`); });
      });
      after(async () => {
        await page?.close();
        await site?.close();
      });

      it('shows both connections open, with their URLs', async () => {
        expect(await texts(page, 'app-connection-state')).to.deep.equal([`AMQP: open: ${broker.amqpWsUrl}`, `STOMP: open: ${broker.stompWsUrl}`]);
        expect(await page.evaluate(() => typeof (globalThis as { Zone?: unknown }).Zone)).to.equal(mode === 'zone.js' ? 'function' : 'undefined');
      });

      it('sends from the form over AMQP and STOMP, shows each outcome, and receives its own messages', async () => {
        for (const [text, via] of [[`${tag}-form-a`, 'amqp'], [`${tag}-form-s`, 'stomp'], [`${tag}-form-a2`, 'amqp']] as const) {
          await page.fill('#send-form input[name=text]', text);
          await page.selectOption('#send-form select[name=via]', via);
          await page.click('#send-form button');
        }
        await expectList(page, '#sent li', [`${tag}-form-a via amqp: accepted`, `${tag}-form-s via stomp: receipted`, `${tag}-form-a2 via amqp: accepted`]);
        await expectList(page, '#queue-feed li .body', [`${tag}-form-a`, `${tag}-form-a2`]);
        await expectList(page, '#topic-feed li .body', [`${tag}-form-s`]);
        // The form was cleared after each send.
        expect(await page.inputValue('#send-form input[name=text]')).to.equal('');
      });

      it('renders what Node publishes over AMQP (queue) and STOMP (topic), in order, across protocols', async () => {
        await lastValueFrom(from([{ body: `${tag}-n1`, subject: 'node' }, { body: `${tag}-n2` }]).pipe(amqp.send(queue)));
        // STOMP /queue/X is the AMQP queue X: the browser's AMQP receiver gets it too.
        await lastValueFrom(of(`${tag}-n3`).pipe(stomp.send(`/queue/${queue}`)));
        await lastValueFrom(of(`${tag}-t1`, `${tag}-t2`).pipe(stomp.send(`/topic/${topic}`)));
        // An AMQP sender to topic/X reaches the browser's STOMP subscription to /topic/X.
        await lastValueFrom(of({ body: `${tag}-t3` }).pipe(amqp.send(`topic/${topic}`)));
        await expectList(page, '#queue-feed li .body', [`${tag}-form-a`, `${tag}-form-a2`, `${tag}-n1`, `${tag}-n2`, `${tag}-n3`]);
        await expectList(page, '#topic-feed li .body', [`${tag}-form-s`, `${tag}-t1`, `${tag}-t2`, `${tag}-t3`]);
        expect(await texts(page, '#queue-feed li small')).to.include(`AMQP from queue ${queue} · node`);
        const shot = join(ARTIFACTS, `example-app-${mode}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).to.be.greaterThan(10_000);
        expect(errors).to.deep.equal([]);
      });
    });
  }

  describe('reconnect: the broker goes away and comes back on the same ports', () => {
    let page: Page;
    let site: ExampleServer;
    const errors: string[] = [];
    const queue = `ng-orders-rc-${Date.now()}`;
    const topic = `ng-prices-rc-${Date.now()}`;

    before(async () => {
      site = await serveExample(join(appDir, 'dist'), { amqpUrl: broker.amqpWsUrl as string, stompUrl: broker.stompWsUrl as string, queue, topic });
      page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(site.url);
      await page.waitForFunction(() => document.querySelectorAll('app-connection-state [data-state="open"]').length === 2, undefined, { timeout: 15_000 });
    });
    after(async () => {
      await page?.close();
      await site?.close();
    });

    it('shows reconnecting with its cause, keeps a message sent meanwhile, and resumes both feeds', async () => {
      const ports = { amqpPort: broker.amqpPort, stompPort: broker.stompPort as number, wsPort: broker.wsPort as number };
      await broker.close();
      await page.waitForFunction(() => [...document.querySelectorAll('app-connection-state [data-state]')].every((e) => e.getAttribute('data-state') === 'reconnecting'),
        undefined, { timeout: 10_000 });
      expect(await texts(page, 'app-connection-state')).to.satisfy((t: string[]) => t.every((x) => /: reconnecting in \d+ ms \(attempt \d+\): ./.test(x)));
      // Sent during the outage: no outcome yet, and not lost.
      await page.fill('#send-form input[name=text]', 'rc-during-outage');
      await page.click('#send-form button');
      await expectList(page, '#sent li', ['rc-during-outage via amqp: sending']);
      await page.screenshot({ path: join(ARTIFACTS, 'example-app-reconnecting.png'), fullPage: true });

      broker = await startBroker(ports);
      await page.waitForFunction(() => document.querySelectorAll('app-connection-state [data-state="open"]').length === 2, undefined, { timeout: 15_000 });
      await expectList(page, '#sent li', ['rc-during-outage via amqp: accepted']);
      // The receiver re-attached and the subscription was made again: Node's messages arrive.
      await lastValueFrom(of({ body: 'rc-n1' }).pipe(amqp.send(queue)));
      await lastValueFrom(of('rc-t1').pipe(stomp.send(`/topic/${topic}`)));
      await expectList(page, '#queue-feed li .body', ['rc-during-outage', 'rc-n1']);
      await expectList(page, '#topic-feed li .body', ['rc-t1']);
      await page.screenshot({ path: join(ARTIFACTS, 'example-app-after-reconnect.png'), fullPage: true });
      expect(errors).to.deep.equal([]);
    });
  });
});
