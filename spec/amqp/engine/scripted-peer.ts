/**
 * A scripted peer for byte-level engine tests: it feeds encoded frames to a Connection and decodes
 * exactly what the engine wrote back. No sockets, no timers: time is a number.
 */
import { expect } from 'chai';
import { Connection, type ConnectionOptions } from '../../../src/amqp/engine/connection.js';
import type { EngineEvent } from '../../../src/amqp/engine/events.js';
import type { ReceiverLink, SenderLink } from '../../../src/amqp/engine/link.js';
import { FrameParser, encodeFrame, protocolHeaderBytes } from '../../../src/amqp/frames/index.js';
import type { ParserEvent } from '../../../src/amqp/frames/index.js';
import type { Performative } from '../../../src/amqp/frames/definitions.generated.js';
import { string } from '../../../src/amqp/codec/index.js';

/** A scripted peer: what it sends, and a parser over what the engine writes. */
export class Peer {
  readonly conn: Connection;
  readonly events: EngineEvent[] = [];
  private readonly parser = new FrameParser();
  now = 1_000;

  constructor(options: Partial<ConnectionOptions> = {}) {
    this.conn = new Connection({ containerId: 'engine-under-test', sasl: false, idleTimeout: 0, ...options });
  }

  start(): ParserEvent[] {
    this.conn.start(this.now);
    return this.output();
  }

  /** Bytes from the peer. */
  send(...chunks: Uint8Array[]): EngineEvent[] {
    const out: EngineEvent[] = [];
    for (const c of chunks) out.push(...this.conn.receive(c, this.now));
    this.events.push(...out);
    return out;
  }

  frame(p: Performative, channel = 0, payload?: Uint8Array): EngineEvent[] {
    return this.send(encodeFrame(channel, p, payload));
  }

  /** Everything the engine wrote since the last call, parsed. */
  output(): ParserEvent[] {
    return this.parser.feed(this.conn.takeOutput(this.now));
  }

  performatives(): Performative[] {
    return this.output().flatMap((e) => (e.type === 'amqp' ? [e.performative] : []));
  }

  /** Header + open exchange, then begin on channel 0 answered by the peer. */
  openSession(peerOpen: Partial<Performative & { kind: 'open' }> = {}): ReturnType<Connection['session']> {
    this.start();
    this.send(protocolHeaderBytes('amqp'));
    this.frame({ kind: 'open', containerId: 'peer', ...peerOpen } as Performative);
    const s = this.conn.session();
    this.output();
    this.frame({ kind: 'begin', remoteChannel: 0, nextOutgoingId: 0, incomingWindow: 100, outgoingWindow: 100 });
    return s;
  }

  attachReceiver(): ReceiverLink {
    const s = this.openSession();
    const link = s.attachReceiver({ name: 'r', source: { kind: 'source', address: string('q') }, maxMessageSize: 1000 });
    this.output();
    this.frame({ kind: 'attach', name: 'r', handle: 7, role: 'sender', initialDeliveryCount: 0 });
    return link;
  }

  attachSender(peerOpen: Partial<Performative & { kind: 'open' }> = {}): SenderLink {
    const s = this.openSession(peerOpen);
    const link = s.attachSender({ name: 's', target: { kind: 'target', address: string('q') } });
    this.output();
    this.frame({ kind: 'attach', name: 's', handle: 3, role: 'receiver' });
    return link;
  }
}

export const kinds = (ps: Performative[]): string[] => ps.map((p) => p.kind);
export const only = <K extends Performative['kind']>(ps: Performative[], kind: K): Extract<Performative, { kind: K }> => {
  const found = ps.filter((p) => p.kind === kind);
  expect(found, `exactly one ${kind} in ${kinds(ps).join(',')}`).to.have.length(1);
  return found[0] as Extract<Performative, { kind: K }>;
};
export const errorOf = (events: EngineEvent[]): Error => {
  const e = events.find((x) => x.type === 'connection-error');
  expect(e, 'a connection-error event').to.not.equal(undefined);
  return (e as { error: Error }).error;
};
