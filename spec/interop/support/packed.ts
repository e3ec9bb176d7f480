/**
 * The package as a user gets it: `npm pack` of this checkout (which builds it through `prepare`),
 * installed with npm into a scratch project together with the peer dependency rxjs, as a user's
 * app would. Made once per test run and shared by the specs that need it (the package and browser
 * specs); removed when the process exits. npm takes the packages from its cache when it can.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface PackedProject {
  /** The scratch project, with rx-mq installed from the tarball. */
  readonly dir: string;
  /** The tarball `npm pack` made. */
  readonly tarball: string;
  /** The files the tarball holds (paths inside the package). */
  readonly files: readonly string[];
}

/** The version of a dev dependency this checkout has installed. */
export const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

let made: Promise<PackedProject> | undefined;

async function make(): Promise<PackedProject> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'rx-mq-packed-'));
  process.once('exit', () => rmSync(tmp, { recursive: true, force: true }));
  const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const dir = join(tmp, 'app');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'rx-mq-scratch-app', private: true, version: '1.0.0' }, null, 2)}\n`);
  const tarball = join(tmp, info.filename);
  // The same rxjs and Node types this checkout uses, so that npm can take them from its cache; and
  // TypeScript 5 under another name, the compiler many apps (Nest's default setup) still use.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball,
    `rxjs@${installedVersion('rxjs')}`, `@types/node@${installedVersion('@types/node')}`, 'typescript5@npm:typescript@5',
    // Nest, for rx-mq/nest from a CommonJS app (Nest's default setup).
    ...['@nestjs/common', '@nestjs/core', '@nestjs/microservices', 'reflect-metadata'].map((n) => `${n}@${installedVersion(n)}`)],
  { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  return { dir, tarball, files: info.files.map((f) => f.path) };
}

/** The packed and installed project (made on first use). */
export function packedProject(): Promise<PackedProject> {
  made ??= make();
  return made;
}

/** Run `node` (or another command) in the scratch project; resolves with stdout, rejects with stderr. */
export async function inProject(p: PackedProject, command: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  try {
    // A program that hangs fails after a minute (execFile kills it) instead of stalling the suite.
    const r = await run(command, [...args], { cwd: p.dir, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
    return r.stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}
