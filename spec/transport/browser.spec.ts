/**
 * The browser WebSocket transport, driven by a WHATWG-style WebSocket (the `ws` package implements
 * that API in Node), carrying our AMQP engine to rhea's WebSocket listener.
 */
import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import rhea from 'rhea';
import WebSocket, { WebSocketServer } from 'ws';
import { Connection } from '../../src/amqp/engine/connection.js';
import type { EngineEvent } from '../../src/amqp/engine/events.js';
import { openBrowserWebSocket, type WebSocketConstructor } from '../../src/transport/browser.js';
import { TransportError } from '../../src/transport/types.js';

describe('transport: browser WebSocket', function () {
  this.timeout(20_000);
  let wss: WebSocketServer;
  let port: number;

  beforeEach(async () => {
    const container = rhea.create_container({ id: 'rhea-browser' });
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (ps) => (ps.has('amqp') ? 'amqp' : false) });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const accept = (container as unknown as { websocket_accept(ws: unknown): void }).websocket_accept.bind(container);
    wss.on('connection', (ws) => accept(ws));
    port = (wss.address() as AddressInfo).port;
  });
  afterEach(() => { wss.close(); });

  it('opens an AMQP connection through a WHATWG WebSocket', async () => {
    const conn = new Connection({ containerId: 'browser', sasl: false, idleTimeout: 0 });
    const events: EngineEvent[] = [];
    let resolveOpen: () => void = () => {};
    const opened = new Promise<void>((r) => { resolveOpen = r; });
    const t = await openBrowserWebSocket(`ws://127.0.0.1:${port}/`, ['amqp'], {
      onData: (c) => {
        events.push(...conn.receive(c, Date.now()));
        const out = conn.takeOutput(Date.now());
        if (out.length > 0) t.write(out);
        if (events.some((e) => e.type === 'connection-open')) resolveOpen();
      },
      onClose: () => {},
    }, WebSocket as unknown as WebSocketConstructor);
    expect(t.info.protocol).to.equal('amqp');
    conn.start(Date.now());
    t.write(conn.takeOutput(Date.now()));
    await opened;
    expect(conn.remote?.containerId).to.equal('rhea-browser');
    t.end();
  });

  it('rejects with a TransportError when nothing listens', async () => {
    const err = await openBrowserWebSocket('ws://127.0.0.1:1/', ['amqp'], { onData: () => {}, onClose: () => {} }, WebSocket as unknown as WebSocketConstructor)
      .then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
  });

  it('fails clearly on a platform without WebSocket', async () => {
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    delete g.WebSocket;
    try {
      const err = await openBrowserWebSocket('ws://127.0.0.1:1/', [], { onData: () => {}, onClose: () => {} })
        .then(() => undefined, (e: unknown) => e);
      expect((err as Error).message).to.match(/no WebSocket/);
    } finally {
      if (saved !== undefined) g.WebSocket = saved;
    }
  });
});
