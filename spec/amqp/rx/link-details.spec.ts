/**
 * Link and connection details on the wire, read by rhea (an independent AMQP 1.0 implementation
 * in the server role): connection properties and desired capabilities on connect() and the
 * peer's own readable; link properties and capabilities, source and target capabilities, the
 * peer's answering terminus (the filters it applied) on handles; the message-format field on
 * send and on received messages; and a sender to a dynamic node on the embedded broker.
 */
import { expect } from 'chai';
import { filter, firstValueFrom, from, lastValueFrom, switchMap, take, toArray, type Observable } from 'rxjs';
import type rhea from 'rhea';
import { connect, described, map, string, symbol, type AmqpConnection } from '../../../src/amqp/index.js';
import { startBroker } from '../../../src/broker/index.js';
import { startRheaServer, type RheaServer } from './rhea-server.js';

const BATCH_FORMAT = 0x80013700;

describe('link and connection details', function () {
  this.timeout(20_000);
  let server: RheaServer;
  const opened: { attach: Record<string, unknown>; role: string }[] = [];
  const formats: number[] = [];
  before(async () => {
    server = await startRheaServer('rhea-details', {
      desired_capabilities: ['x-peer-wants'],
      offered_capabilities: ['x-peer-offers'],
    });
    server.container.on('sender_open', (ctx: rhea.EventContext) => {
      const s = ctx.sender as rhea.Sender & { remote: { attach: Record<string, unknown> }; local: { attach: Record<string, unknown> } };
      opened.push({ attach: s.remote.attach, role: 'sender' });
      const src = s.remote.attach.source as { address?: string; filter?: Record<string, unknown> } | undefined;
      // Apply only the 'color' filter of those asked for, and say so in the answer.
      const applied = src?.filter?.color === undefined ? undefined : { color: src.filter.color };
      s.set_source({ address: src?.address ?? '', filter: applied, capabilities: ['queue'] } as never);
      s.local.attach.properties = { 'x-link-answer': 7 };
      s.local.attach.offered_capabilities = ['x-link-offered'];
    });
    server.container.on('receiver_open', (ctx: rhea.EventContext) => {
      const r = ctx.receiver as rhea.Receiver & { remote: { attach: Record<string, unknown> } };
      opened.push({ attach: r.remote.attach, role: 'receiver' });
      const t = r.remote.attach.target as { address?: string; dynamic?: boolean } | undefined;
      r.set_target({ address: t?.dynamic ? 'made-for-you' : t?.address, dynamic: t?.dynamic } as never);
    });
    server.container.on('sendable', (ctx: rhea.EventContext) => {
      const s = ctx.sender as rhea.Sender & { sent?: boolean };
      if (s.sent) return;
      s.sent = true;
      // A message in a vendor format: rhea sends the bytes as given with that format.
      const bytes = (server.container as unknown as { message: { encode(m: object): Buffer } }).message.encode({ body: 'batch-ish' });
      (s as unknown as { send(b: Buffer, tag: undefined, format: number): void }).send(bytes, undefined, BATCH_FORMAT);
    });
    server.container.on('message', (ctx: rhea.EventContext) => {
      formats.push((ctx.delivery as unknown as { format: number }).format);
    });
  });
  after(() => server.close());

  function withConnection<T>(f: (c: AmqpConnection) => Observable<T> | Promise<T>, extra: object = {}): Promise<T> {
    return firstValueFrom(connect({ url: server.url, sasl: false, ...extra }).pipe(switchMap((c) => from(f(c))), take(1)));
  }

  it('connect(): our properties and desired capabilities reach the peer; its offered and desired ones are readable', async () => {
    const id = `details-${Math.random().toString(36).slice(2, 8)}`;
    const got = await withConnection((c) => Promise.resolve({ offered: c.remoteOfferedCapabilities, desired: c.remoteDesiredCapabilities, containerId: c.containerId }),
      { containerId: id, properties: { product: 'details-test', 'x-n': 3 }, desiredCapabilities: ['x-we-want'] });
    expect(got).to.deep.equal({ offered: ['x-peer-offers'], desired: ['x-peer-wants'], containerId: id });
    const peer = server.connections.find((c) => (c as unknown as { container_id: string }).container_id === id) as unknown as { remote: { open: { properties: unknown; desired_capabilities: unknown } } };
    expect(peer.remote.open.properties).to.deep.equal({ product: 'details-test', 'x-n': 3 });
    expect(peer.remote.open.desired_capabilities).to.deep.equal(['x-we-want']);
  });

  it('receiver: link properties, capabilities and source capabilities go out; the answering source tells the filters applied', async () => {
    opened.length = 0;
    const filter = map([
      [symbol('color'), described(symbol('apache.org:selector-filter:string'), string("color = 'red'"))],
      [symbol('x-unknown'), described(symbol('x:unknown-filter'), string('?'))],
    ]);
    const h = await withConnection((c) => c.attachReceiver({ address: 'q-details', filter, capabilities: ['queue'] }, {
      properties: { 'x-link': 'mine' }, desiredCapabilities: ['x-link-desired'], offeredCapabilities: ['x-link-offers'],
    }).pipe(take(1), switchMap((handle) => Promise.resolve({
      filterNames: Object.keys(handle.remoteSource?.filter ?? {}),
      capabilities: handle.remoteSource?.capabilities,
      address: handle.remoteSource?.address,
      properties: handle.remoteProperties,
      offered: handle.remoteOfferedCapabilities,
    }))));
    expect(h).to.deep.equal({ filterNames: ['color'], capabilities: ['queue'], address: 'q-details', properties: { 'x-link-answer': 7 }, offered: ['x-link-offered'] });
    const a = opened[0].attach as { properties: unknown; desired_capabilities: unknown; offered_capabilities: unknown; source: { capabilities: unknown } };
    expect(a.properties).to.deep.equal({ 'x-link': 'mine' });
    expect(a.desired_capabilities).to.deep.equal(['x-link-desired']);
    expect(a.offered_capabilities).to.deep.equal(['x-link-offers']);
    expect(a.source.capabilities).to.deep.equal(['queue']);
  });

  it('sender: a dynamic target gets the address the peer made; target capabilities and messageFormat go out', async () => {
    opened.length = 0;
    formats.length = 0;
    const address = await withConnection((c) => c.attachSender({ dynamic: true, capabilities: ['temporary-queue'] }).pipe(switchMap(async (h) => {
      if (!h.sendable) await firstValueFrom(h.credit$.pipe(filter((n) => n > 0)));
      await h.send({ body: 'x' }, { messageFormat: BATCH_FORMAT });
      return h.remoteTarget?.address;
    }), take(1)));
    expect(address).to.equal('made-for-you');
    const t = opened[0].attach.target as { dynamic: boolean; capabilities: unknown };
    expect(t.dynamic).to.equal(true);
    expect(t.capabilities).to.deep.equal(['temporary-queue']);
    // The send operator's messageFormat and targetCapabilities.
    await withConnection((c) => lastValueFrom(from([{ body: 1 }, { body: 2 }]).pipe(c.send('q-fmt', { messageFormat: BATCH_FORMAT, targetCapabilities: ['queue'] }), toArray())));
    expect(formats).to.deep.equal([BATCH_FORMAT, BATCH_FORMAT, BATCH_FORMAT]);
    expect((opened[1].attach.target as { capabilities: unknown }).capabilities).to.deep.equal(['queue']);
  });

  it('a received message tells its transfer message-format', async () => {
    const m = await withConnection((c) => c.receive<string>('q-batch').pipe(take(1)));
    expect(m.messageFormat).to.equal(BATCH_FORMAT);
    expect(m.body).to.equal('batch-ish');
  });

  it('the embedded broker: a sender to a dynamic node, whose address a receiver then uses', async () => {
    const broker = await startBroker({ stompPort: false });
    try {
      // The handle's subscription holds the link (and with it the dynamic node) until the end.
      const got = await firstValueFrom(connect(broker.amqpUrl).pipe(switchMap((c) => c.attachSender({ dynamic: true }).pipe(switchMap(async (h) => {
        const address = h.remoteTarget?.address as string;
        if (!h.sendable) await firstValueFrom(h.credit$.pipe(filter((n) => n > 0)));
        await h.send({ body: 'to-the-dynamic-node' });
        const m = await firstValueFrom(c.receive<string>(address).pipe(take(1)));
        return { address, body: m.body, dynamic: h.remoteTarget?.dynamic };
      }))), take(1)));
      expect(got.address).to.match(/^tmp\//);
      expect(got).to.include({ body: 'to-the-dynamic-node', dynamic: true });
    } finally {
      await broker.close();
    }
  });
});
