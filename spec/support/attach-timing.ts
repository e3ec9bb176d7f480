/**
 * How long the embedded broker takes to answer N links attached on one session and to detach
 * them again (issue 26: attach and detach must be O(1) in the number of links). Raw frames from
 * one socket: the header, open, begin, N attaches in one write, then N detaches in one write.
 */
import net from 'node:net';
import { string } from '../../src/amqp/codec/index.js';
import { encodeFrame, FrameParser, protocolHeaderBytes, type Performative } from '../../src/amqp/frames/index.js';

export interface AttachTiming {
  readonly links: number;
  readonly attachMs: number;
  readonly detachMs: number;
}

/**
 * Attach `n` links (alternately consumers and producers, `addresses` distinct addresses shared
 * round-robin) and detach them, timing each half from the write to the last answer.
 */
export async function timeAttachDetach(port: number, n: number, addresses = n): Promise<AttachTiming> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const parser = new FrameParser({ maxFrameSize: 0xffffffff });
  let attaches = 0;
  let detaches = 0;
  let wake: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    for (const e of parser.feed(new Uint8Array(d))) {
      if (e.type !== 'amqp') continue;
      if (e.performative.kind === 'attach') attaches++;
      else if (e.performative.kind === 'detach') detaches++;
    }
    wake?.();
  });
  const until = (cond: () => boolean): Promise<void> => new Promise((resolve) => {
    const check = (): void => { if (cond()) { wake = undefined; resolve(); } };
    wake = check;
    check();
  });
  const frames: Uint8Array[] = [
    protocolHeaderBytes('amqp'),
    encodeFrame(0, { kind: 'open', containerId: 'attach-timing', maxFrameSize: 1 << 20 } as Performative),
    encodeFrame(0, { kind: 'begin', nextOutgoingId: 0, incomingWindow: 0xffff, outgoingWindow: 0xffff, handleMax: 0xffffffff } as Performative),
  ];
  socket.write(Buffer.concat(frames));
  const attachAll: Uint8Array[] = [];
  for (let h = 0; h < n; h++) {
    const role = h % 2 === 0 ? 'receiver' : 'sender';
    const address = string(`timing-${h % addresses}`);
    attachAll.push(encodeFrame(0, {
      kind: 'attach', name: `timing-${h}`, handle: h, role, initialDeliveryCount: role === 'sender' ? 0 : undefined,
      source: { kind: 'source', address }, target: { kind: 'target', address },
    } as Performative));
  }
  const t0 = performance.now();
  socket.write(Buffer.concat(attachAll));
  await until(() => attaches >= n);
  const t1 = performance.now();
  socket.write(Buffer.concat(Array.from({ length: n }, (_, h) => encodeFrame(0, { kind: 'detach', handle: h, closed: true } as Performative))));
  await until(() => detaches >= n);
  const t2 = performance.now();
  socket.destroy();
  return { links: n, attachMs: Math.round(t1 - t0), detachMs: Math.round(t2 - t1) };
}
