/**
 * Test support: rhea (an independent AMQP 1.0 implementation) as an in-process store-and-forward
 * server. Messages sent to an address are kept as rhea decoded them and sent on, re-encoded by
 * rhea, to receivers of that address as their credit allows. Hooks let a test look at (or change)
 * what rhea saw: the attach of a link, the SASL init, the message.
 */
import type { AddressInfo, Server } from 'node:net';
import rhea from 'rhea';
import { EngineDriver } from './engine-driver.js';

export interface RheaStore {
  readonly container: rhea.Container;
  readonly server: Server;
  readonly port: number;
  /** Messages as rhea decoded them, by address, in arrival order (also those already sent on). */
  readonly seen: Map<string, rhea.Message[]>;
  close(): void;
}

/** rhea's listen() takes connection options its typings do not list. */
type Listen = (o: object) => Server;

export async function startRheaStore(listenOptions: object = {}, id = 'rhea-store'): Promise<RheaStore> {
  const container = rhea.create_container({ id });
  const queues = new Map<string, rhea.Message[]>();
  const seen = new Map<string, rhea.Message[]>();
  const consumers = new Map<string, rhea.Sender[]>();
  const queue = (a: string): rhea.Message[] => { let q = queues.get(a); if (q === undefined) queues.set(a, q = []); return q; };
  const dispatch = (address: string): void => {
    const q = queue(address);
    for (const s of consumers.get(address) ?? []) while (q.length > 0 && s.sendable()) s.send(q.shift() as rhea.Message);
  };
  container.on('message', (ctx: rhea.EventContext) => {
    const address = String(ctx.receiver?.target?.address ?? ctx.message?.to ?? '');
    const m = ctx.message as rhea.Message;
    queue(address).push(m);
    let s = seen.get(address);
    if (s === undefined) seen.set(address, s = []);
    s.push(m);
    dispatch(address);
  });
  container.on('sender_open', (ctx: rhea.EventContext) => {
    const s = ctx.sender as rhea.Sender;
    const address = String(s.source?.address ?? '');
    // Name the node in our answer, as a broker would (rhea answers with an empty source otherwise).
    s.set_source({ address });
    consumers.set(address, [...(consumers.get(address) ?? []), s]);
  });
  // Clients here often end by dropping the socket; handled, rhea does not log each one.
  container.on('disconnected', () => {});
  container.on('sendable', (ctx: rhea.EventContext) => dispatch(String(ctx.sender?.source?.address ?? '')));
  container.on('sender_close', (ctx: rhea.EventContext) => {
    for (const [a, list] of consumers) consumers.set(a, list.filter((x) => x !== ctx.sender));
  });
  const server = (container.listen.bind(container) as unknown as Listen)({ port: 0, host: '127.0.0.1', ...listenOptions });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  return { container, server, port: (server.address() as AddressInfo).port, seen, close: () => server.close() };
}

/**
 * Mocha fixture shared by the specs that drive our engine against a fresh rhea store per test:
 * `open()` connects an EngineDriver (no SASL) and waits for the open; both are closed after
 * each test.
 */
export function useRheaStoreWithEngine(containerId: string): { readonly peer: () => RheaStore; open(): Promise<EngineDriver> } {
  let peer: RheaStore | undefined;
  let driver: EngineDriver | undefined;
  beforeEach(async () => { peer = await startRheaStore(); });
  afterEach(() => {
    driver?.close();
    driver = undefined;
    peer?.close();
  });
  return {
    peer: () => {
      if (peer === undefined) throw new Error('the rhea store starts in beforeEach');
      return peer;
    },
    async open() {
      driver = new EngineDriver(this.peer().port, { containerId, sasl: false });
      await driver.next('connection-open');
      return driver;
    },
  };
}
