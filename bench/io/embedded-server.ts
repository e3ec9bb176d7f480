/**
 * The embedded broker (`rx-mq/broker`) in a process of its own, for scenarios that measure a
 * client against it: the client process then holds only the client, so its CPU and memory are the
 * client's. Prints `{"amqpPort":N,"stompPort":M}` once listening; exits when its stdin closes.
 * Usage: node --import tsx bench/io/embedded-server.ts
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../../src/broker/index.js';
import type { Peer } from './common.js';

/** Ports of a running embedded broker. */
export interface EmbeddedPorts { readonly amqpPort: number; readonly stompPort: number }

const SELF = fileURLToPath(import.meta.url);

/** Starts this file as a child process; resolves with its AMQP and STOMP peers and a stop function. */
export async function startEmbeddedServer(): Promise<{ amqp: Peer; stomp: Peer; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise<EmbeddedPorts>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]) as EmbeddedPorts);
    });
    child.once('exit', (code) => reject(new Error(`embedded broker exited with ${String(code)}`)));
  });
  const base = { host: '127.0.0.1', vhost: 'localhost' };
  return {
    amqp: { ...base, name: 'rx-mq embedded broker (AMQP)', port: ports.amqpPort, address: (q) => q },
    stomp: { ...base, name: 'rx-mq embedded broker (STOMP)', port: ports.stompPort, address: (q) => `/queue/${q}` },
    stop: () => { child.stdin.end(); child.kill(); },
  };
}

async function main(): Promise<void> {
  // Heart-beats and idle time-outs off: a measuring client may be busy for seconds at a time.
  const broker = await startBroker({ idleTimeout: 0, stompHeartbeat: [0, 0], producerCredit: 1000 });
  process.stdout.write(`${JSON.stringify({ amqpPort: broker.amqpPort, stompPort: broker.stompPort })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => { void broker.close().then(() => process.exit(0)); });
}

if (process.argv[1] === SELF) void main();
