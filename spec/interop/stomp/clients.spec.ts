/**
 * Interop on RabbitMQ and ActiveMQ with two independent STOMP clients as the other party: stomp.py (Debian's
 * python3-stomp, bodies compared as bytes) and @stomp/stompjs over TCP (@stomp/tcp-wrapper).
 */
import { Client, type IMessage } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, of, toArray } from 'rxjs';
import { fresh, gather, withSession } from '../../support/stomp-session.js';
import { PEERS, PYTHON, requirePeers } from '../../support/peers.js';
import { BROKERS } from './targets.js';

const PEER = fileURLToPath(new URL('./stomppy_peer.py', import.meta.url));
const te = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function python(args: string[]): { child: ChildProcess; lines: Promise<string[]>; exit: Promise<number | null>; onLine(fn: (l: string) => void): void } {
  const child = spawn(PYTHON, [PEER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  let err = '';
  const all: string[] = [];
  const listeners: ((l: string) => void)[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      all.push(line);
      for (const l of listeners) l(line);
    }
  });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => { if (code !== 0) process.stderr.write(err); r(code); }));
  return { child, lines: exit.then(() => all), exit, onLine: (fn) => listeners.push(fn) };
}

const TARGETS = [{ name: 'RabbitMQ', url: BROKERS[0].url, peer: PEERS.rabbitStomp }, { name: 'ActiveMQ', url: BROKERS[2].url, peer: PEERS.activemqStomp }];

for (const t of TARGETS) describe(`stomp interop on ${t.name}`, function () {
  this.timeout(30_000);
  requirePeers(t.peer, PEERS.stomppy);
  const children: ChildProcess[] = [];
  afterEach(() => { for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL'); });

  it('receives what stomp.py sends (bytes equal, escaped headers intact)', () => withSession(t.url, async (s) => {
    const q = fresh('py-to-us');
    const got = gather(s, q, 3);
    await sleep(200);
    const py = python(['send', `${t.peer.host}:${t.peer.port}`, q]);
    children.push(py.child);
    expect(await py.exit).to.equal(0);
    const { msgs, sub } = await got;
    sub.unsubscribe();
    expect(msgs.map((m) => m.headers['x-kind'])).to.deep.equal(['text', 'binary', 'nul']);
    expect(msgs[0].body).to.deep.equal(te.encode('py-text-é'));
    expect(msgs[1].body).to.deep.equal(new Uint8Array(256).map((_, i) => i));
    expect([...msgs[2].body]).to.deep.equal([0, 1, 0]);
    expect(msgs[0].headers['x-odd']).to.equal('a:b\\c');
  }));

  it('sends what stomp.py receives (bytes equal)', () => withSession(t.url, async (s) => {
    const q = fresh('us-to-py');
    const py = python(['recv', `${t.peer.host}:${t.peer.port}`, q, '3']);
    children.push(py.child);
    await new Promise<void>((r) => py.onLine((l) => { if (l.includes('ready')) r(); }));
    await sleep(200);
    const bin = new Uint8Array(300).map((_, i) => (i * 7) % 256);
    await lastValueFrom(of('hello é', bin, { body: new Uint8Array([0, 0]), headers: { 'x-odd': 'k:v\nw\\' } }).pipe(s.send(q, { receipt: true }), toArray()));
    expect(await py.exit).to.equal(0);
    const msgs = (await py.lines).map((l) => JSON.parse(l) as { hex?: string; headers?: Record<string, string> }).filter((m) => m.hex !== undefined);
    expect(msgs.map((m) => m.hex)).to.deep.equal([Buffer.from('hello é').toString('hex'), Buffer.from(bin).toString('hex'), '0000']);
    expect(msgs[2].headers?.['x-odd']).to.equal('k:v\nw\\');
  }));

  it('exchanges text and binary messages with @stomp/stompjs both ways', () => withSession(t.url, async (s) => {
    const toUs = fresh('js-to-us');
    const toJs = fresh('us-to-js');
    const js = new Client({
      webSocketFactory: () => new TCPWrapper(t.peer.host, t.peer.port),
      connectHeaders: { login: 'guest', passcode: 'guest', host: '/' },
      heartbeatIncoming: 0, heartbeatOutgoing: 0, reconnectDelay: 0,
    });
    const jsGot: IMessage[] = [];
    await new Promise<void>((resolve) => { js.onConnect = () => resolve(); js.activate(); });
    try {
      js.subscribe(toJs, (m) => jsGot.push(m));
      const ours = gather(s, toUs, 2);
      await sleep(200);
      js.publish({ destination: toUs, body: 'from stompjs ✓', headers: { 'x-odd': 'a:b' } });
      js.publish({ destination: toUs, binaryBody: new Uint8Array([9, 0, 9]) });
      const { msgs, sub } = await ours;
      sub.unsubscribe();
      expect(msgs[0].text).to.equal('from stompjs ✓');
      expect(msgs[0].headers['x-odd']).to.equal('a:b');
      expect([...msgs[1].body]).to.deep.equal([9, 0, 9]);
      await lastValueFrom(of('to stompjs', new Uint8Array([0, 255, 0])).pipe(s.send(toJs, { receipt: true }), toArray()));
      for (let i = 0; i < 60 && jsGot.length < 2; i++) await sleep(50);
      expect(jsGot[0].body).to.equal('to stompjs');
      expect([...jsGot[1].binaryBody]).to.deep.equal([0, 255, 0]);
    } finally {
      await js.deactivate();
    }
  }));
});
