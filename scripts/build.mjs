// `npm run build` (and `prepare`, so that an install from git builds): the ESM build into dist/
// (with the CLI), the CommonJS build of the library entries into dist/cjs/, and the package.json
// that tells Node the files under dist/cjs/ are CommonJS. dist/ is emptied first, so nothing of an
// earlier layout is packed.
//
// Also one folder per subpath entry at the package root (amqp/, stomp/, broker/, nest/, angular/, not committed)
// with a package.json that points at the CommonJS build: for tools that do not read the exports
// map, above all TypeScript with moduleResolution node10 (a common setup of CommonJS apps), which
// otherwise cannot find `rx-mq/amqp`. Everything that reads the exports map ignores them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// typescript's exports map hides bin/, so the compiler is found beside its package.json.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const config of ['tsconfig.build.json', 'tsconfig.build.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', config], { cwd: root, stdio: 'inherit' });
}
mkdirSync(join(root, 'dist', 'cjs'), { recursive: true });
writeFileSync(join(root, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
for (const entry of ['amqp', 'stomp', 'broker', 'nest', 'angular']) {
  mkdirSync(join(root, entry), { recursive: true });
  writeFileSync(join(root, entry, 'package.json'), `${JSON.stringify({
    main: `../dist/cjs/${entry}/index.js`, types: `../dist/cjs/${entry}/index.d.ts`,
  }, null, 2)}\n`);
}
