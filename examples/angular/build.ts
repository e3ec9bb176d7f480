/**
 * Builds the example app with one esbuild call: TypeScript with legacy decorators
 * (`experimentalDecorators`, which Angular's JIT decorators expect), bundled for the browser
 * (the `browser` export condition picks rx-mq's native-WebSocket entries), minified. The
 * components are compiled in the browser by @angular/compiler (JIT): no Angular CLI and no
 * ahead-of-time compiler to install. See docs/ANGULAR.md for what a CLI build changes.
 *
 * Where `rx-mq/angular` comes from is a choice:
 * - 'sources': this repository's src/ (npm run example:angular, nothing built first);
 * - 'package': whatever `rx-mq` the build's working directory has installed (the interop test
 *   copies the app into a project with the packed tarball installed);
 * - 'none': a stand-in with no messaging at all, to measure what rx-mq adds to the bundle.
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export type RxMqSource = 'sources' | 'package' | 'none';

export interface ExampleBuildOptions {
  /** The folder holding main.ts, main.zone.ts and app/ (examples/angular, or a copy of it). */
  readonly appDir: string;
  /** Where main.js and main.zone.js are written. */
  readonly outdir: string;
  readonly rxmq: RxMqSource;
}

export interface BundleSize {
  /** Minified bytes. */
  readonly bytes: number;
  readonly gzipBytes: number;
}

export interface ExampleBuild {
  /** The zoneless bundle (main.js) and the zone.js one (main.zone.js). */
  readonly main: BundleSize;
  readonly zone: BundleSize;
  /** Bytes of main.js that come from rx-mq's own modules (esbuild's attribution). */
  readonly rxmqBytes: number;
  readonly metafile: Metafile;
}

const REPO = join(import.meta.dirname, '..', '..');

/** Sends `rx-mq/angular` to the repository's browser entry, or to the stand-in. */
function redirect(to: string): Plugin {
  return {
    name: 'rx-mq-redirect',
    setup(b) {
      b.onResolve({ filter: /^rx-mq\/angular$/ }, () => ({ path: to }));
    },
  };
}

const sizeOf = (file: string): BundleSize => {
  const code = readFileSync(file);
  return { bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
};

export async function buildExample(o: ExampleBuildOptions): Promise<ExampleBuild> {
  const plugins = o.rxmq === 'sources' ? [redirect(join(REPO, 'src', 'angular', 'index.browser.ts'))]
    : o.rxmq === 'none' ? [redirect(join(o.appDir, 'no-rxmq.ts'))]
    : [];
  const out = await build({
    absWorkingDir: o.appDir,
    entryPoints: ['main.ts', 'main.zone.ts'],
    outdir: o.outdir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    // Angular's production-mode globals, as `ng build` sets them for the browser: development
    // checks left out, no server rendering, no hot reload, no Closure i18n (Angular reads these
    // globals and only defines them itself in development mode).
    define: { ngDevMode: 'false', ngServerMode: 'false', ngHmrMode: 'false', ngI18nClosureMode: 'false' },
    metafile: true,
    logLevel: 'silent',
    // Angular's JIT decorators are the legacy ones; class fields keep TypeScript's order of
    // initialisation, which `inject()` in field initialisers relies on.
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
    plugins,
  });
  const mainOutput = Object.entries(out.metafile.outputs).find(([f]) => f.endsWith('main.js'));
  const rxmqBytes = mainOutput === undefined ? 0 : Object.entries(mainOutput[1].inputs)
    .filter(([f]) => f.includes('node_modules/rx-mq/') || /(^|\/)src\//.test(f))
    .reduce((n, [, i]) => n + i.bytesInOutput, 0);
  return { main: sizeOf(join(o.outdir, 'main.js')), zone: sizeOf(join(o.outdir, 'main.zone.js')), rxmqBytes, metafile: out.metafile };
}
