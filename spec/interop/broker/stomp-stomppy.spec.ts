/**
 * The broker's STOMP side with stomp.py (Debian's python3-stomp) as the independent client: bytes
 * and escaped headers both ways, client-individual ACK with NACK redelivery, transactions with
 * commit and abort, wrong credentials, and heart-beats that keep a connection alive.
 */
import { expect } from 'chai';
import { lastValueFrom, of, toArray } from 'rxjs';
import { startBroker, type BrokerOptions, type EmbeddedBroker } from '../../../src/broker/index.js';
import { collect, withSession } from '../../support/stomp-session.js';
import { sleep, until } from '../../broker/helpers.js';
import { PEERS, requirePeers } from '../../support/peers.js';
import { stomppy, stopStomppy } from './stomppy.js';

const te = new TextEncoder();
const hex = (b: Uint8Array | string): string => Buffer.from(typeof b === 'string' ? te.encode(b) : b).toString('hex');

describe('broker: STOMP with stomp.py', function () {
  this.timeout(30_000);
  requirePeers(PEERS.stomppy);
  let broker: EmbeddedBroker;
  const start = async (opts: BrokerOptions = {}): Promise<void> => {
    await broker?.close();
    broker = await startBroker(opts);
  };
  beforeEach(() => start());
  afterEach(async () => {
    stopStomppy();
    await broker.close();
  });
  const port = (): number => broker.stompPort as number;

  it('stores what stomp.py sends: text, binary, NUL bytes, escaped headers (read by rx-mq)', async () => {
    const py = stomppy('send', port(), '/queue/from-py');
    expect(await py.exit).to.equal(0);
    expect(broker.queue('from-py')?.depth).to.equal(3);
    const msgs = await withSession(broker.stompUrl as string, (s) => collect(s, '/queue/from-py', 3));
    expect(msgs.map((m) => m.headers['x-kind'])).to.deep.equal(['text', 'binary', 'nul']);
    expect(msgs[0].text).to.equal('py-text-é');
    expect(msgs[1].body).to.deep.equal(new Uint8Array(256).map((_, i) => i));
    expect([...msgs[2].body]).to.deep.equal([0, 1, 0]);
    expect(msgs[0].headers['x-odd']).to.equal('a:b\\c\nd');
    expect(msgs[0].headers['content-type']).to.equal('text/plain;charset=utf-8');
    expect(msgs[0].headers['correlation-id']).to.equal('corr-text');
    expect(msgs[0].headers['reply-to']).to.equal('/queue/replies');
    expect(msgs[0].headers.persistent).to.equal('true');
    expect(msgs[0].headers.priority).to.equal('7');
  });

  it('delivers to stomp.py what rx-mq sends (bytes equal, escaped headers intact)', async () => {
    const py = stomppy('recv', port(), '/queue/to-py', '3', 'auto');
    await py.line((l) => l.includes('ready'));
    await sleep(100);
    const bin = new Uint8Array(300).map((_, i) => (i * 7) % 256);
    await withSession(broker.stompUrl as string, (s) => lastValueFrom(of('hello é', bin, { body: new Uint8Array([0, 0]), headers: { 'x-odd': 'k:v\nw\\' } })
      .pipe(s.send('/queue/to-py', { receipt: true }), toArray())));
    expect(await py.exit).to.equal(0);
    const msgs = py.messages();
    expect(msgs.map((m) => m.hex)).to.deep.equal([hex('hello é'), hex(bin), '0000']);
    expect(msgs[2].headers['x-odd']).to.equal('k:v\nw\\');
    expect(msgs[0].headers.destination).to.equal('/queue/to-py');
    expect(msgs[0].headers.subscription).to.equal('py-1');
  });

  it('redelivers what stomp.py NACKs (redelivered:true) and removes what it ACKs', async () => {
    await withSession(broker.stompUrl as string, (s) => lastValueFrom(of('one', 'two', 'three').pipe(s.send('/queue/nack', { receipt: true }), toArray())));
    const py = stomppy('recv', port(), '/queue/nack', '4', 'nack-first');
    expect(await py.exit).to.equal(0);
    const msgs = py.messages();
    expect(msgs.map((m) => Buffer.from(m.hex, 'hex').toString()).sort()).to.deep.equal(['one', 'one', 'three', 'two']);
    const again = msgs.filter((m) => m.headers.redelivered === 'true');
    expect(again.length).to.equal(1);
    expect(Buffer.from(again[0].hex, 'hex').toString()).to.equal('one');
    expect(new Set(msgs.map((m) => m.headers['message-id'])).size).to.equal(4);
    await until(() => broker.queue('nack')?.depth === 0, 3000, 'queue emptied by the ACKs');
  });

  it('commits a stomp.py transaction and drops an aborted one', async () => {
    const py = stomppy('tx', port(), '/queue/py-tx');
    expect(await py.exit).to.equal(0);
    expect(broker.queue('py-tx')?.depth).to.equal(2);
    const msgs = await withSession(broker.stompUrl as string, (s) => collect(s, '/queue/py-tx', 2));
    expect(msgs.map((m) => m.text)).to.deep.equal(['tx-1', 'tx-2']);
  });

  it('answers a wrong login with ERROR (message header) and lets the right one in', async () => {
    await start({ users: { ann: 'pw' } });
    const bad = stomppy('login', port(), 'ann', 'wrong');
    expect(await bad.exit).to.equal(0);
    expect(bad.lines[0]).to.match(/^ERROR access refused/);
    expect(bad.lines[1]).to.equal('CONNECTED-AFTER False');
    const good = stomppy('login', port(), 'ann', 'pw');
    expect(await good.exit).to.equal(0);
    expect(good.lines).to.deep.equal(['CONNECTED']);
  });

  it('keeps a heart-beating stomp.py connected past many intervals', async () => {
    await start({ stompHeartbeat: [100, 100] });
    const py = stomppy('heartbeat', port(), '/queue/hb');
    expect(await py.exit).to.equal(0);
    expect(JSON.parse(py.lines[0])).to.deep.equal({ alive: true, receipt: true });
  });

  it('gives back what a vanished stomp.py held unacknowledged, as redelivered', async () => {
    await withSession(broker.stompUrl as string, (s) => lastValueFrom(of('a', 'b').pipe(s.send('/queue/held', { receipt: true }), toArray())));
    const py = stomppy('hold', port(), '/queue/held');
    await until(() => py.messages().length === 2, 10_000, 'stomp.py got both');
    expect(broker.queue('held')?.depth).to.equal(2);
    expect(broker.queue('held')?.ready).to.equal(0);
    py.child.kill('SIGKILL');
    await py.exit;
    const msgs = await withSession(broker.stompUrl as string, (s) => collect(s, '/queue/held', 2));
    expect(msgs.map((m) => m.text)).to.deep.equal(['a', 'b']);
    expect(msgs.map((m) => m.headers.redelivered)).to.deep.equal(['true', 'true']);
  });

  it('selects with the selector header: only matching messages, the rest stay; a bad selector gets ERROR', async () => {
    await withSession(broker.stompUrl as string, (s) => lastValueFrom(of(
      { body: 'eu-1', headers: { region: 'eu-west', tier: 'gold' } },
      { body: 'us-1', headers: { region: 'us-east', tier: 'gold' } },
      { body: 'eu-2', headers: { region: 'eu-north', tier: 'silver' } },
    ).pipe(s.send('/queue/py-sel', { receipt: true }), toArray())));
    const py = stomppy('select', port(), '/queue/py-sel', "region LIKE 'eu-%' AND tier <> 'bronze'", '2');
    expect(await py.exit).to.equal(0);
    expect(py.messages().map((m) => Buffer.from(m.hex, 'hex').toString())).to.deep.equal(['eu-1', 'eu-2']);
    expect(broker.queue('py-sel')?.depth).to.equal(1);
    const bad = stomppy('select', port(), '/queue/py-sel', 'region LIKE', '1');
    expect(await bad.exit).to.equal(0);
    expect(bad.lines.find((l) => l.startsWith('ERROR '))).to.match(/^ERROR invalid selector: LIKE needs a string pattern/);
  });
});
