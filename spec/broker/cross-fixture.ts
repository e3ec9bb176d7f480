/**
 * The fixture of the cross-protocol tests: a fresh embedded broker per test, rhea clients that are
 * closed afterwards, and helpers that read what rhea received.
 */
import { expect } from 'chai';
import rhea from 'rhea';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { rheaConnect, type RheaClient } from './helpers.js';

export const text = (hex: string): string => Buffer.from(hex, 'hex').toString('utf8');

/** rhea hands a data-section body over as a section object holding the bytes. */
export const dataBytes = (body: unknown): Uint8Array => {
  const b = body as { typecode?: number; content?: Buffer } | Buffer;
  if (Buffer.isBuffer(b)) return new Uint8Array(b);
  expect(b.typecode).to.equal(0x75);
  return new Uint8Array(b.content as Buffer);
};

export interface CrossFixture {
  broker(): EmbeddedBroker;
  rheaClient(): Promise<RheaClient>;
  /** A rhea receiver with manual acceptance; collects message contexts. */
  rheaReceive(c: RheaClient, source: string | rhea.ReceiverOptions): Promise<rhea.EventContext[]>;
}

/** Inside a describe block: a broker per test and rhea clients, all closed after it (`more` runs first). */
export function crossFixture(more: () => void = () => {}): CrossFixture {
  let broker: EmbeddedBroker;
  const rheas: RheaClient[] = [];
  beforeEach(async () => { broker = await startBroker(); });
  afterEach(async () => {
    more();
    await Promise.all(rheas.splice(0).map((c) => c.close()));
    await broker.close();
  });
  return {
    broker: () => broker,
    rheaClient: async () => {
      const c = await rheaConnect(broker.amqpPort);
      rheas.push(c);
      return c;
    },
    rheaReceive: async (c, source) => {
      const got: rhea.EventContext[] = [];
      const r = c.connection.open_receiver(typeof source === 'string' ? { source, autoaccept: true } : { autoaccept: true, ...source });
      r.on('message', (ctx: rhea.EventContext) => { got.push(ctx); });
      await new Promise<void>((res) => r.once('receiver_open', () => res()));
      return got;
    },
  };
}
