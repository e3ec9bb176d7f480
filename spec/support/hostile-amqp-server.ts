/**
 * A scripted AMQP 1.0 server of our own for the hostile-server suite: it speaks just enough of the
 * protocol (SASL ANONYMOUS/PLAIN, open, begin) to get a client to the point a test cares about,
 * and from there writes whatever raw bytes the test script says, in chunks the test chooses (an
 * attach answer and a detach in one write, transfers beyond credit, garbage, nothing at all).
 * Every frame the client writes is parsed and recorded, so tests can wait for a given one.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { encodeFrame, FrameParser, protocolHeaderBytes } from '../../src/amqp/frames/index.js';
import type { Attach, Performative, SaslFrameBody } from '../../src/amqp/frames/definitions.generated.js';
import { encodeSections, type MessageSections } from '../../src/amqp/frames/sections.js';
import { symbol } from '../../src/amqp/codec/index.js';

/** What the server does before the script takes over. */
export type Handshake =
  /** Answers every step (SASL header and mechanisms, outcome ok, AMQP header, open, begin). */
  | 'normal'
  /** Accepts the TCP connection and never writes a byte. */
  | 'silent'
  /** Answers the SASL header with its mechanisms, and never the client's sasl-init. */
  | 'sasl-stall'
  /** Completes SASL, then writes its AMQP header and open one byte at a time, `trickleMs` apart. */
  | 'trickle-open';

/** One client connection, as the script sees it. */
export interface ScriptedConnection {
  readonly socket: net.Socket;
  /** Every AMQP performative the client wrote, in order (with its channel, and a transfer's payload). */
  readonly received: { readonly channel: number; readonly performative: Performative; readonly payload?: Uint8Array }[];
  /** Bytes the client wrote in all (heart-beats and headers included). */
  bytesIn: number;
  /** Write raw bytes now (one socket write). */
  write(bytes: Uint8Array): void;
  /** Stop answering anything, but keep the socket open (the script decides everything). */
  mute(): void;
  /** Resolves with the first received performative of `kind` (from now or earlier). */
  waitFor<K extends Performative['kind']>(kind: K, ms?: number): Promise<Extract<Performative, { kind: K }>>;
}

/** Called for each performative the client writes after the handshake; return true when handled. */
export type Script = (p: Performative, channel: number, conn: ScriptedConnection) => boolean | void;

export interface ScriptedServerOptions {
  readonly handshake?: Handshake;
  /** Delay between the bytes of a trickled open (ms; default 500). */
  readonly trickleMs?: number;
  /** Our open's idle-time-out (ms); with it the server sends heart-beats at half the client's. */
  readonly idleTimeOut?: number;
  /** Send an empty frame (a heart-beat) this often once open, whatever happens (ms; 0 = never). */
  readonly heartbeatEveryMs?: number;
  /** Open properties (e.g. a product name the client's quirks look at). */
  readonly properties?: Readonly<Record<string, string>>;
  /** After open, what to do with the client's frames. Default: answer begins, ignore the rest. */
  readonly script?: Script;
}

export interface ScriptedAmqpServer {
  readonly url: string;
  readonly connections: ScriptedConnection[];
  /** Resolves with the n-th connection (0-based) once it is accepted. */
  connection(n?: number, ms?: number): Promise<ScriptedConnection>;
  close(): Promise<void>;
}

/** Frames, encoded one after the other into one array: what one `write` of a script sends. */
export function frames(...parts: readonly (readonly [number, Performative | SaslFrameBody, Uint8Array?])[]): Uint8Array {
  return concat(parts.map(([ch, p, payload]) => encodeFrame(ch, p, payload)));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** The attach answering the client's `a`: the opposite role, its termini echoed unless overridden. */
export function answerAttach(a: Attach, handle: number, over: Partial<Attach> = {}): Attach {
  return {
    kind: 'attach', name: a.name, handle, role: a.role === 'receiver' ? 'sender' : 'receiver',
    source: a.source, target: a.target,
    initialDeliveryCount: a.role === 'receiver' ? 0 : undefined,
    ...over,
  };
}

/** An encoded message payload (a string amqp-value unless sections are given). */
export function payloadOf(m: MessageSections | string): Uint8Array {
  return encodeSections(typeof m === 'string' ? { body: { kind: 'value', value: { type: 'string', value: m } } } : m);
}

/** One-frame transfers `first..first+n-1` on `handle`, each carrying `payload`, unsettled. */
export function transfers(channel: number, handle: number, first: number, n: number, payload: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const id = first + i;
    out.push(encodeFrame(channel, {
      kind: 'transfer', handle, deliveryId: id, deliveryTag: new Uint8Array([id >>> 24, id >>> 16, id >>> 8, id]),
      messageFormat: 0, settled: false,
    }, payload));
  }
  return concat(out);
}

const SASL_MECHANISMS = frames([0, { kind: 'sasl-mechanisms', saslServerMechanisms: ['ANONYMOUS', 'PLAIN'] }]);
const SASL_OK = frames([0, { kind: 'sasl-outcome', code: 'ok' }]);

export async function scriptedAmqpServer(options: ScriptedServerOptions = {}): Promise<ScriptedAmqpServer> {
  const handshake = options.handshake ?? 'normal';
  const connections: ScriptedConnection[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const waiters: (() => void)[] = [];
  const later = (fn: () => void, ms: number): void => {
    const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
    timers.add(t);
  };

  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let muted = false;
    let opened = false;
    const parser = new FrameParser();
    const frameWaiters: { kind: string; resolve: (p: Performative) => void }[] = [];
    const conn: ScriptedConnection = {
      socket, received: [], bytesIn: 0,
      write: (b) => { if (!socket.destroyed) socket.write(b); },
      mute: () => { muted = true; },
      waitFor: <K extends Performative['kind']>(kind: K, ms = 10_000) => new Promise<Extract<Performative, { kind: K }>>((resolve, reject) => {
        const seen = conn.received.find((r) => r.performative.kind === kind);
        if (seen !== undefined) return resolve(seen.performative as Extract<Performative, { kind: K }>);
        const t = setTimeout(() => reject(new Error(`the client sent no ${kind} within ${ms} ms`)), ms);
        frameWaiters.push({ kind, resolve: (p) => { clearTimeout(t); resolve(p as Extract<Performative, { kind: K }>); } });
      }),
    };
    connections.push(conn);
    for (const w of waiters.splice(0)) w();

    const trickle = (bytes: Uint8Array): void => {
      let i = 0;
      const step = (): void => {
        if (socket.destroyed || i >= bytes.length) return;
        socket.write(bytes.subarray(i, ++i));
        later(step, options.trickleMs ?? 500);
      };
      step();
    };
    const ourOpen = (): Uint8Array => frames([0, {
      kind: 'open', containerId: 'scripted-server', maxFrameSize: 65536, channelMax: 255,
      idleTimeOut: options.idleTimeOut,
      properties: options.properties === undefined ? undefined
        : { type: 'map', value: Object.entries(options.properties).map(([k, v]) => [symbol(k), { type: 'string', value: v }] as const) },
    } as Performative]);
    const startHeartbeats = (): void => {
      const every = options.heartbeatEveryMs ?? 0;
      if (every <= 0) return;
      const beat = (): void => {
        if (socket.destroyed) return;
        socket.write(new Uint8Array([0, 0, 0, 8, 2, 0, 0, 0]));
        later(beat, every);
      };
      later(beat, every);
    };

    socket.on('data', (chunk: Buffer) => {
      conn.bytesIn += chunk.length;
      let events;
      try {
        events = parser.feed(new Uint8Array(chunk));
      } catch {
        socket.destroy();
        return;
      }
      for (const e of events) {
        if (handshake === 'silent') continue;
        if (e.type === 'header') {
          if (muted) continue;
          if (e.protocol === 'sasl') { socket.write(concat([protocolHeaderBytes('sasl'), SASL_MECHANISMS])); continue; }
          const answer = concat([protocolHeaderBytes('amqp'), ourOpen()]);
          if (handshake === 'trickle-open') trickle(answer);
          else { socket.write(answer); opened = true; startHeartbeats(); }
          continue;
        }
        if (e.type === 'sasl') {
          if (e.performative.kind === 'sasl-init' && handshake !== 'sasl-stall' && !muted) {
            socket.write(SASL_OK);
            parser.expectProtocolHeader();
          }
          continue;
        }
        if (e.type !== 'amqp') continue;
        const p = e.performative;
        conn.received.push(p.kind === 'transfer' ? { channel: e.channel, performative: p, payload: e.payload.slice() } : { channel: e.channel, performative: p });
        for (let i = frameWaiters.length - 1; i >= 0; i--) {
          if (frameWaiters[i].kind === p.kind) { frameWaiters[i].resolve(p); frameWaiters.splice(i, 1); }
        }
        if (muted || !opened) continue;
        if (options.script?.(p, e.channel, conn) === true) continue;
        if (p.kind === 'begin') {
          socket.write(frames([e.channel, { kind: 'begin', remoteChannel: e.channel, nextOutgoingId: 0, incomingWindow: 65536, outgoingWindow: 65536 }]));
        } else if (p.kind === 'close') {
          socket.write(frames([0, { kind: 'close' }]));
          socket.end();
        }
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `amqp://127.0.0.1:${port}`,
    connections,
    connection: (n = 0, ms = 10_000) => new Promise<ScriptedConnection>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no connection ${n} within ${ms} ms`)), ms);
      const check = (): void => {
        if (connections.length > n) { clearTimeout(t); resolve(connections[n]); } else waiters.push(check);
      };
      check();
    }),
    close: () => new Promise<void>((r) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    }),
  };
}

/**
 * A script that serves links honestly: answers attaches (echoing termini, handle = the client's),
 * gives senders `credit`, accepts every transfer, and grants receivers nothing of its own accord
 * (a receiver's flow is answered with a flow stating `available: 0`, as brokers do).
 */
export function honestLinks(credit = 100): Script {
  return (p, ch, conn) => {
    if (p.kind === 'attach') {
      const out: [number, Performative][] = [[ch, answerAttach(p, p.handle)]];
      if (p.role === 'sender') {
        out.push([ch, { kind: 'flow', nextIncomingId: 0, incomingWindow: 65536, nextOutgoingId: 0, outgoingWindow: 65536, handle: p.handle, deliveryCount: 0, linkCredit: credit }]);
      }
      conn.write(frames(...out));
      return true;
    }
    if (p.kind === 'transfer' && p.settled !== true && p.deliveryId !== undefined) {
      conn.write(frames([ch, { kind: 'disposition', role: 'receiver', first: p.deliveryId, settled: true, state: { kind: 'accepted' } }]));
      return true;
    }
    if (p.kind === 'flow' && p.handle !== undefined) {
      conn.write(frames([ch, { kind: 'flow', nextIncomingId: 0, incomingWindow: 65536, nextOutgoingId: 0, outgoingWindow: 65536, handle: p.handle, deliveryCount: p.deliveryCount ?? 0, linkCredit: p.linkCredit ?? 0, available: 0 }]));
      return true;
    }
    if (p.kind === 'detach') {
      conn.write(frames([ch, { kind: 'detach', handle: p.handle, closed: p.closed }]));
      return true;
    }
    return false;
  };
}
