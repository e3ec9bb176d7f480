/**
 * The STOMP server engine, byte for byte: version negotiation, login, heart-beats, subscriptions
 * and MESSAGE headers per version, ACK/NACK resolution per ack mode, transactions, receipts,
 * DISCONNECT, and ERROR-then-close for every protocol error.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { unescapeHeader } from '../../../src/stomp/codec/index.js';
import { StompServerEngine, type StompServerOptions } from '../../../src/stomp/engine/server.js';
import type { StompServerEvent } from '../../../src/stomp/engine/server-events.js';
import { bytes, show } from '../helpers.js';

const server = (opts: StompServerOptions = {}): StompServerEngine => new StompServerEngine({ session: 's1', heartbeat: [0, 0], ...opts }, 0);
const out = (e: StompServerEngine): string => show(e.takeOutput());
const feed = (e: StompServerEngine, text: string, now = 0): StompServerEvent[] => e.receive(bytes(text), now);

/** A server engine after CONNECT in `version`, output taken. */
function connected(version: '1.0' | '1.1' | '1.2' = '1.2', opts: StompServerOptions = {}): StompServerEngine {
  const e = server(opts);
  const accept = version === '1.0' ? '' : `accept-version:${version}\nhost:/\n`;
  const [ev] = feed(e, `CONNECT\n${accept}\n\0`);
  expect(ev.type).to.equal('connected');
  e.takeOutput();
  return e;
}

/** The ERROR frame's message header, and that the engine closed. */
function expectError(e: StompServerEngine, events: StompServerEvent[], message: RegExp): string {
  const text = out(e);
  expect(text).to.match(/^ERROR\n/);
  const m = /\nmessage:([^\n]*)\n/.exec(text);
  expect(unescapeHeader(m?.[1] ?? '', '1.2', true)).to.match(message);
  expect(events[events.length - 1].type).to.equal('closed');
  expect(e.state.phase).to.equal('closed');
  return text;
}

describe('stomp server engine', () => {
  describe('CONNECT', () => {
    const cases: readonly { offer: string | undefined; version: string }[] = [
      { offer: undefined, version: '1.0' },
      { offer: '1.0', version: '1.0' },
      { offer: '1.0,1.1', version: '1.1' },
      { offer: '1.1,1.2', version: '1.2' },
      { offer: '1.2, 1.0', version: '1.2' },
    ];
    for (const c of cases) {
      it(`negotiates ${c.version} from accept-version ${c.offer ?? '(absent)'}`, () => {
        const e = server();
        const head = c.offer === undefined ? '' : `accept-version:${c.offer}\n`;
        const [ev] = feed(e, `CONNECT\n${head}host:/\n\n\0`);
        expect(ev).to.deep.include({ type: 'connected', version: c.version, host: '/', session: 's1' });
        const hb = c.version === '1.0' ? '' : 'heart-beat:0,0\n';
        expect(out(e)).to.equal(`CONNECTED\nversion:${c.version}\nsession:s1\nserver:rx-mq-broker\n${hb}\n^@`);
        expect(e.version).to.equal(c.version);
      });
    }

    it('accepts the STOMP command and reports login and host', () => {
      const e = server();
      const [ev] = feed(e, 'STOMP\naccept-version:1.2\nhost:vh\nlogin:ann\npasscode:pw\n\n\0');
      expect(ev).to.deep.include({ type: 'connected', version: '1.2', login: 'ann', host: 'vh' });
    });

    it('refuses a version it does not speak with ERROR and closes', () => {
      const e = server();
      const ev = feed(e, 'CONNECT\naccept-version:2.0\nhost:/\n\n\0');
      expectError(e, ev, /unsupported protocol version/);
    });

    it('checks login and passcode; a wrong one gets ERROR and the connection closes', () => {
      const auth = (l: string | undefined, p: string | undefined): boolean => l === 'ann' && p === 'pw';
      const bad = server({ authenticate: auth });
      const ev = feed(bad, 'CONNECT\naccept-version:1.2\nhost:/\nlogin:ann\npasscode:nope\n\n\0SEND\ndestination:/queue/a\n\n\0');
      expect(ev.map((x) => x.type)).to.deep.equal(['closed']);
      const text = expectError(bad, ev, /access refused/);
      expect(text).not.to.include('nope');
      const good = server({ authenticate: auth });
      expect(feed(good, 'CONNECT\naccept-version:1.2\nhost:/\nlogin:ann\npasscode:pw\n\n\0')[0].type).to.equal('connected');
    });

    it('wants CONNECT first, and only once', () => {
      const e = server();
      expectError(e, feed(e, 'SEND\ndestination:/queue/a\n\n\0'), /expected CONNECT, got SEND/);
      const twice = connected();
      expectError(twice, feed(twice, 'CONNECT\naccept-version:1.2\nhost:/\n\n\0'), /already connected/);
    });

    it('drops a connection that never sends CONNECT', () => {
      const e = new StompServerEngine({ connectTimeoutMs: 500 }, 1000);
      expect(e.nextDeadline()).to.equal(1500);
      expect(e.tick(1400)).to.deep.equal([]);
      const ev = e.tick(1500);
      expectError(e, ev, /no CONNECT within 500 ms/);
    });
  });

  describe('heart-beats', () => {
    it('negotiates both directions, sends EOLs in time and drops a silent client', () => {
      const e = new StompServerEngine({ heartbeat: [50, 200], heartbeatGraceMs: 0 }, 0);
      const [ev] = feed(e, 'CONNECT\naccept-version:1.2\nhost:/\nheart-beat:100,100\n\n\0', 0);
      // We send every max(50, 100) ms; the client every max(100, 200) ms.
      expect(ev).to.deep.include({ heartbeat: { send: 100, receive: 200 } });
      expect(out(e)).to.include('heart-beat:50,200\n');
      expect(e.nextDeadline()).to.equal(100);
      expect(e.tick(99)).to.deep.equal([]);
      expect(e.takeOutput().length).to.equal(0);
      e.tick(100);
      expect(out(e)).to.equal('\n');
      feed(e, '\n', 350); // the client's heart-beat keeps it alive
      expect(e.tick(700)).to.deep.equal([]);
      e.takeOutput();
      const dead = e.tick(751);
      expectError(e, dead, /no heart-beat from the client/);
    });

    it('does without heart-beats when either side offers 0, and always in 1.0', () => {
      const off = server({ heartbeat: [1000, 1000] });
      expect(feed(off, 'CONNECT\naccept-version:1.2\nhost:/\nheart-beat:0,0\n\n\0')[0]).to.deep.include({ heartbeat: { send: 0, receive: 0 } });
      expect(off.nextDeadline()).to.equal(undefined);
      const old = server({ heartbeat: [1000, 1000] });
      expect(feed(old, 'CONNECT\nheart-beat:100,100\n\n\0')[0]).to.deep.include({ version: '1.0', heartbeat: { send: 0, receive: 0 } });
    });

    it('refuses a malformed heart-beat header', () => {
      const e = server();
      expectError(e, feed(e, 'CONNECT\naccept-version:1.2\nhost:/\nheart-beat:soon\n\n\0'), /malformed heart-beat/);
    });
  });

  describe('SUBSCRIBE and MESSAGE', () => {
    it('writes MESSAGE with destination, message-id, subscription and (1.2, client modes) ack', () => {
      const e = connected('1.2');
      const [sub] = feed(e, 'SUBSCRIBE\nid:7\ndestination:/queue/a\nack:client\nreceipt:r1\n\n\0');
      expect(sub).to.deep.include({ type: 'subscribe', id: '7', destination: '/queue/a', ack: 'client', receipt: 'r1' });
      expect(out(e)).to.equal('');
      e.receipt('r1', 0);
      expect(out(e)).to.equal('RECEIPT\nreceipt-id:r1\n\n^@');
      const id = e.message('7', [['content-type', 'text/plain'], ['message-id', 'ignored']], bytes('hi\0'), 0);
      expect(id).to.equal('s1-1');
      expect(out(e)).to.equal('MESSAGE\ndestination:/queue/a\nmessage-id:s1-1\nsubscription:7\nack:s1-1\ncontent-type:text/plain\ncontent-length:3\n\nhi^@^@');
    });

    it('leaves out the ack header in auto mode and before 1.2', () => {
      const e12 = connected('1.2');
      feed(e12, 'SUBSCRIBE\nid:a\ndestination:/topic/t\n\n\0');
      e12.message('a', [], new Uint8Array(0), 0);
      expect(out(e12)).to.equal('MESSAGE\ndestination:/topic/t\nmessage-id:s1-1\nsubscription:a\n\n^@');
      const e11 = connected('1.1');
      feed(e11, 'SUBSCRIBE\nid:a\ndestination:/queue/q\nack:client-individual\n\n\0');
      e11.message('a', [], new Uint8Array(0), 0);
      expect(out(e11)).not.to.include('ack:');
    });

    it('uses the destination as the subscription id in STOMP 1.0 without an id', () => {
      const e = connected('1.0');
      const [sub] = feed(e, 'SUBSCRIBE\ndestination:/queue/old\n\n\0');
      expect(sub).to.deep.include({ id: '/queue/old', ack: 'auto' });
      e.message('/queue/old', [], bytes('x'), 0);
      expect(out(e)).to.include('subscription:/queue/old\n');
      const [un] = feed(e, 'UNSUBSCRIBE\ndestination:/queue/old\n\n\0');
      expect(un).to.deep.include({ type: 'unsubscribe', id: '/queue/old' });
    });

    const escapes: readonly { version: '1.0' | '1.1' | '1.2'; value: string; wire: string | undefined }[] = [
      { version: '1.2', value: 'a:b\nc\\d\re', wire: 'x:a\\cb\\nc\\\\d\\re' },
      { version: '1.1', value: 'a:b\nc\\d', wire: 'x:a\\cb\\nc\\\\d' },
      { version: '1.1', value: 'cr\r', wire: undefined },
      { version: '1.0', value: 'a:b\\c', wire: 'x:a:b\\c' },
      { version: '1.0', value: 'line\nbreak', wire: undefined },
    ];
    for (const c of escapes) {
      it(`escapes MESSAGE headers per ${c.version} (${JSON.stringify(c.value)}${c.wire === undefined ? ' is left out' : ''})`, () => {
        const e = connected(c.version);
        feed(e, 'SUBSCRIBE\nid:s\ndestination:/queue/a\n\n\0');
        e.message('s', [['x', c.value], ['y', 'kept']], new Uint8Array(0), 0);
        const text = out(e);
        expect(text).to.include('\ny:kept\n');
        if (c.wire === undefined) expect(text).not.to.match(/\nx:/);
        else expect(text).to.include(`\n${c.wire}\n`);
      });
    }

    it('reads SEND headers unescaped per version and keeps NUL bytes of a content-length body', () => {
      const e12 = connected('1.2');
      const [s12] = feed(e12, 'SEND\ndestination:/queue/a\nx:a\\cb\\nc\\\\d\ncontent-length:3\n\n\0z\0\0');
      expect(s12.type === 'send' && s12.headers).to.deep.include(['x', 'a:b\nc\\d']);
      expect(s12.type === 'send' && [...s12.body]).to.deep.equal([0, 0x7a, 0]);
      const e10 = connected('1.0');
      const [s10] = feed(e10, 'SEND\ndestination:/queue/a\nx:a\\cb\n\n\0');
      expect(s10.type === 'send' && s10.headers).to.deep.include(['x', 'a\\cb']);
    });

    it('refuses a second subscription with the same id, unknown ack modes and unknown subscriptions', () => {
      const dup = connected();
      feed(dup, 'SUBSCRIBE\nid:1\ndestination:/queue/a\n\n\0');
      expectError(dup, feed(dup, 'SUBSCRIBE\nid:1\ndestination:/queue/b\n\n\0'), /already in use/);
      const mode = connected();
      expectError(mode, feed(mode, 'SUBSCRIBE\nid:1\ndestination:/queue/a\nack:sometimes\n\n\0'), /unknown ack mode/);
      const un = connected();
      expectError(un, feed(un, 'UNSUBSCRIBE\nid:9\nreceipt:r\n\n\0'), /unknown subscription "9"/);
    });

    it('reports UNSUBSCRIBE with the messages it still held unacknowledged', () => {
      const e = connected();
      feed(e, 'SUBSCRIBE\nid:1\ndestination:/queue/a\nack:client-individual\n\n\0');
      const a = e.message('1', [], new Uint8Array(0), 0);
      const b = e.message('1', [], new Uint8Array(0), 0);
      feed(e, `ACK\nid:${a}\n\n\0`);
      expect(feed(e, 'UNSUBSCRIBE\nid:1\n\n\0')[0]).to.deep.include({ type: 'unsubscribe', id: '1', unacked: [b] });
      expect(e.hasSubscription('1')).to.equal(false);
    });
  });

  describe('ACK and NACK', () => {
    const deliver = (e: StompServerEngine, mode: string, n: number): string[] => {
      feed(e, `SUBSCRIBE\nid:1\ndestination:/queue/a\nack:${mode}\n\n\0`);
      const ids = Array.from({ length: n }, () => e.message('1', [], new Uint8Array(0), 0));
      e.takeOutput();
      return ids;
    };

    it('client mode acknowledges cumulatively, client-individual one message', () => {
      const c = connected();
      const ids = deliver(c, 'client', 4);
      expect(feed(c, `ACK\nid:${ids[2]}\n\n\0`)[0]).to.deep.include({ type: 'ack', subscription: '1', messageIds: ids.slice(0, 3) });
      expect(feed(c, `NACK\nid:${ids[3]}\n\n\0`)[0]).to.deep.include({ type: 'nack', messageIds: [ids[3]] });
      const i = connected();
      const ids2 = deliver(i, 'client-individual', 3);
      expect(feed(i, `ACK\nid:${ids2[1]}\nreceipt:r\n\n\0`)[0]).to.deep.include({ type: 'ack', messageIds: [ids2[1]], receipt: 'r' });
      expect(feed(i, `ACK\nid:${ids2[0]}\n\n\0`)[0]).to.deep.include({ messageIds: [ids2[0]] });
    });

    it('names messages by message-id (and subscription) in 1.0 and 1.1', () => {
      const e10 = connected('1.0');
      const ids10 = deliver(e10, 'client', 1);
      expect(feed(e10, `ACK\nmessage-id:${ids10[0]}\n\n\0`)[0]).to.deep.include({ messageIds: ids10 });
      const e11 = connected('1.1');
      const ids11 = deliver(e11, 'client', 2);
      expect(feed(e11, `ACK\nmessage-id:${ids11[0]}\nsubscription:1\n\n\0`)[0]).to.deep.include({ messageIds: [ids11[0]] });
      expectError(e11, feed(e11, `ACK\nmessage-id:${ids11[1]}\nsubscription:2\n\n\0`), /was not delivered on subscription "2"/);
    });

    it('refuses ACK of an unknown or already acknowledged message, with the receipt-id', () => {
      const e = connected();
      const ids = deliver(e, 'client-individual', 1);
      feed(e, `ACK\nid:${ids[0]}\n\n\0`);
      const text = expectError(e, feed(e, `ACK\nid:${ids[0]}\nreceipt:r9\n\n\0`), /unknown or already acknowledged/);
      expect(text).to.include('\nreceipt-id:r9\n');
    });

    it('has no NACK in STOMP 1.0', () => {
      const e = connected('1.0');
      expectError(e, feed(e, 'NACK\nmessage-id:x\n\n\0'), /NACK does not exist in STOMP 1.0/);
    });
  });

  describe('transactions', () => {
    it('buffers SEND and ACK until COMMIT, receipting each frame', () => {
      const e = connected();
      feed(e, 'SUBSCRIBE\nid:1\ndestination:/queue/a\nack:client\n\n\0');
      const m = e.message('1', [], new Uint8Array(0), 0);
      e.takeOutput();
      expect(feed(e, 'BEGIN\ntransaction:t\nreceipt:b\n\n\0')).to.deep.equal([]);
      expect(feed(e, 'SEND\ndestination:/queue/x\ntransaction:t\nreceipt:s\n\nbody\0')).to.deep.equal([]);
      expect(feed(e, `ACK\nid:${m}\ntransaction:t\n\n\0`)).to.deep.equal([]);
      expect(out(e)).to.equal('RECEIPT\nreceipt-id:b\n\n^@RECEIPT\nreceipt-id:s\n\n^@');
      const ev = feed(e, 'COMMIT\ntransaction:t\nreceipt:c\n\n\0');
      expect(ev.map((x) => x.type)).to.deep.equal(['send', 'ack', 'commit']);
      expect(ev[0]).to.deep.include({ destination: '/queue/x', receipt: undefined });
      expect(ev[1]).to.deep.include({ messageIds: [m] });
      expect(ev[2]).to.deep.include({ transaction: 't', receipt: 'c' });
    });

    it('ABORT drops the sends and the ACKs: the messages stay unacknowledged', () => {
      const e = connected();
      feed(e, 'SUBSCRIBE\nid:1\ndestination:/queue/a\nack:client-individual\n\n\0');
      const m = e.message('1', [], new Uint8Array(0), 0);
      e.takeOutput();
      feed(e, 'BEGIN\ntransaction:t\n\n\0');
      feed(e, 'SEND\ndestination:/queue/x\ntransaction:t\n\nlost\0');
      feed(e, `ACK\nid:${m}\ntransaction:t\n\n\0`);
      expect(feed(e, 'ABORT\ntransaction:t\nreceipt:a\n\n\0')).to.deep.equal([]);
      expect(out(e)).to.equal('RECEIPT\nreceipt-id:a\n\n^@');
      expect(feed(e, `ACK\nid:${m}\n\n\0`)[0]).to.deep.include({ type: 'ack', messageIds: [m] });
    });

    it('refuses unknown and duplicate transactions, and bounds what one buffers', () => {
      const unknown = connected();
      expectError(unknown, feed(unknown, 'SEND\ndestination:/queue/a\ntransaction:nope\n\n\0'), /unknown transaction "nope"/);
      const commit = connected();
      expectError(commit, feed(commit, 'COMMIT\ntransaction:nope\n\n\0'), /unknown transaction/);
      const dup = connected();
      feed(dup, 'BEGIN\ntransaction:t\n\n\0');
      expectError(dup, feed(dup, 'BEGIN\ntransaction:t\n\n\0'), /already open/);
      const big = connected('1.2', { maxTransactionFrames: 2 });
      feed(big, 'BEGIN\ntransaction:t\n\n\0');
      expectError(big, feed(big, 'SEND\ndestination:/q\ntransaction:t\n\n\0'.repeat(3)), /holds more than 2 frames/);
    });
  });

  describe('DISCONNECT and errors', () => {
    it('reports DISCONNECT with the unacknowledged messages and reads nothing after it', () => {
      const e = connected();
      feed(e, 'SUBSCRIBE\nid:1\ndestination:/queue/a\nack:client\n\n\0');
      const m = e.message('1', [], new Uint8Array(0), 0);
      e.takeOutput();
      const ev = feed(e, 'DISCONNECT\nreceipt:bye\n\n\0SEND\ndestination:/queue/a\n\n\0');
      expect(ev).to.deep.equal([{ type: 'disconnect', unacked: [m], receipt: 'bye' }]);
      e.receipt('bye', 0);
      expect(out(e)).to.equal('RECEIPT\nreceipt-id:bye\n\n^@');
      expect(feed(e, 'SEND\ndestination:/queue/a\n\n\0')).to.deep.equal([]);
    });

    const errors: readonly { name: string; input: string; message: RegExp }[] = [
      { name: 'an unknown command', input: 'PUBLISH\ndestination:/queue/a\n\n\0', message: /malformed frame: unknown command "PUBLISH"/ },
      { name: 'SEND without destination', input: 'SEND\nx:y\n\nbody\0', message: /missing the required "destination" header/ },
      { name: 'SEND with an empty destination', input: 'SEND\ndestination:\n\n\0', message: /empty "destination"/ },
      { name: 'SUBSCRIBE without id in 1.2', input: 'SUBSCRIBE\ndestination:/queue/a\n\n\0', message: /missing the required "id" header/ },
      { name: 'a server frame', input: 'MESSAGE\ndestination:/a\nmessage-id:1\nsubscription:1\n\n\0', message: /MESSAGE is not a client frame/ },
      { name: 'an undefined escape', input: 'SEND\ndestination:/queue/a\nx:\\t\n\n\0', message: /malformed frame: undefined escape/ },
      { name: 'a bad content-length', input: 'SEND\ndestination:/queue/a\ncontent-length:x\n\n\0', message: /invalid content-length/ },
      { name: 'a frame over the size limit', input: `SEND\ndestination:/queue/a\n\n${'x'.repeat(300)}\0`, message: /frame too large/ },
    ];
    for (const c of errors) {
      it(`answers ${c.name} with ERROR and closes`, () => {
        const e = connected('1.2', { limits: { maxFrameSize: 256 } });
        const ev = feed(e, c.input);
        expectError(e, ev, c.message);
        expect(feed(e, 'SEND\ndestination:/queue/a\n\n\0')).to.deep.equal([]);
        expect(e.takeOutput().length).to.equal(0);
      });
    }

    it('never fails to write a frame for odd client input (a raw CR in a 1.1 receipt or destination)', () => {
      const e = connected('1.1');
      const [ev] = feed(e, 'SUBSCRIBE\nid:a\rb\ndestination:/queue/x\ry\nreceipt:r\r1\n\n\0');
      expect(ev).to.deep.include({ id: 'a\rb', destination: '/queue/x\ry', receipt: 'r\r1' });
      e.receipt('r\r1', 0);
      e.message('a\rb', [], new Uint8Array(0), 0);
      expect(out(e)).to.equal('RECEIPT\nreceipt-id:r1\n\n^@MESSAGE\ndestination:/queue/xy\nmessage-id:s1-1\nsubscription:ab\n\n^@');
      const bad = feed(e, 'COMMIT\ntransaction:t\nreceipt:x\ry\n\n\0');
      expect(expectError(e, bad, /unknown transaction/)).to.include('\nreceipt-id:xy\n');
    });

    it('reports the unacknowledged messages when it fails, and on error() from the broker', () => {
      const e = connected();
      feed(e, 'SUBSCRIBE\nid:1\ndestination:/queue/a\nack:client\n\n\0');
      const m = e.message('1', [], new Uint8Array(0), 0);
      e.takeOutput();
      expect(e.error('shutting down', 0)).to.deep.equal({ type: 'closed', reason: 'shutting down', unacked: [m] });
      expect(out(e)).to.equal('ERROR\nmessage:shutting down\ncontent-type:text/plain\ncontent-length:13\n\nshutting down^@');
    });

    it('turns any bytes into events or one ERROR, never a throw', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (junk, first) => {
        const e = first ? server() : connected();
        const ev = e.receive(junk, 0);
        const closed = ev.filter((x) => x.type === 'closed').length;
        expect(closed).to.be.at.most(1);
        if (closed === 1) expect(show(e.takeOutput())).to.match(/ERROR\n/);
      }), { numRuns: 300 });
    });
  });
});
