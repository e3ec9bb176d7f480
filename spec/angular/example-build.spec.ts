/**
 * examples/angular builds (hermetic: esbuild only, no browser): both bundles, from the repository's
 * sources through rx-mq/angular's browser entry, with nothing of Node's in them. The app itself
 * runs in headless Chromium in the interop tier (spec/interop/angular/).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { buildExample } from '../../examples/angular/build.js';

describe('angular: the example app builds', function () {
  this.timeout(60_000);
  const outdir = mkdtempSync(join(os.tmpdir(), 'rx-mq-ng-example-'));
  after(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles main.js and main.zone.js from the browser entry, without Node modules', async () => {
    const built = await buildExample({ appDir: join(import.meta.dirname, '..', '..', 'examples', 'angular'), outdir, rxmq: 'sources' });
    const inputs = Object.keys(built.metafile.inputs);
    expect(inputs.some((f) => f.endsWith('src/angular/index.browser.ts'))).to.equal(true);
    expect(inputs.filter((f) => f.startsWith('node:') || /node_modules\/ws\//.test(f) || f.includes('src/transport/node') || f.includes('src/broker/'))).to.deep.equal([]);
    // zone.js only in the zone.js bundle; the JIT compiler in both.
    const entry = (name: string): string[] => Object.keys(Object.entries(built.metafile.outputs).find(([f]) => f.endsWith(name))?.[1].inputs ?? {});
    expect(entry('main.js').some((f) => f.includes('node_modules/zone.js/'))).to.equal(false);
    expect(entry('main.zone.js').some((f) => f.includes('node_modules/zone.js/'))).to.equal(true);
    expect(entry('main.js').some((f) => f.includes('node_modules/@angular/compiler/'))).to.equal(true);
    expect(built.rxmqBytes).to.be.greaterThan(50_000);
    expect(built.main.bytes).to.be.greaterThan(built.rxmqBytes);
  });
});
