/**
 * The one driver (src/transport/driver.ts) with a scripted engine, a recording transport and
 * injected timers: output once per turn, the lazily re-armed deadline timer, read holds, and the
 * end of the transport. Then the four engines' `takeWrites` byte for byte.
 */
import { expect } from 'chai';
import type { DrivenEngine } from '../../src/driven-engine.js';
import { EngineDriver, HOLD_QUIET_MS, KEEP_HOLDING_PER_MS, type DriverOwner, type DriverTimers } from '../../src/transport/driver.js';
import { TransportError, type Transport, type TransportInfo } from '../../src/transport/types.js';
import { Connection } from '../../src/amqp/engine/connection.js';
import { ServerConnection } from '../../src/amqp/engine/server-connection.js';
import { StompEngine } from '../../src/stomp/engine/engine.js';
import { StompServerEngine } from '../../src/stomp/engine/server.js';

type Events = string[];

/** An engine whose output, events and deadline the test sets. */
class ScriptedEngine implements DrivenEngine<Events> {
  out: Uint8Array[] = [];
  deadline: number | undefined;
  ticks: number[] = [];
  received: Uint8Array[] = [];
  /** What the next receive returns. */
  events: Events = [];
  /** The `messages` flag of the last takeWrites. */
  messages: boolean | undefined;

  receive(bytes: Uint8Array): Events {
    this.received.push(bytes);
    return this.events;
  }

  tick(now: number): Events {
    this.ticks.push(now);
    return ['tick'];
  }

  nextDeadline(): number | undefined {
    return this.deadline;
  }

  takeWrites(_now: number, messages: boolean): readonly Uint8Array[] {
    this.messages = messages;
    const o = this.out;
    this.out = [];
    return o;
  }

  queue(...bytes: number[][]): void {
    for (const b of bytes) this.out.push(Uint8Array.from(b));
  }
}

/** A transport that records every call. */
function recordingTransport(info: TransportInfo = { kind: 'tcp' }, gather = true) {
  const calls: { op: string; bytes?: number[][]; ms?: number }[] = [];
  const t: Transport = {
    write: (b) => { calls.push({ op: 'write', bytes: [[...b]] }); return true; },
    ...(gather ? { writev: (parts: readonly Uint8Array[]) => { calls.push({ op: 'writev', bytes: parts.map((p) => [...p]) }); return true; } } : {}),
    end: () => { calls.push({ op: 'end' }); },
    destroy: () => { calls.push({ op: 'destroy' }); },
    bufferedAmount: 0,
    holdReads: (ms) => { calls.push({ op: 'hold', ms }); },
    info,
  };
  return { t, calls, writes: () => calls.filter((c) => c.op === 'write' || c.op === 'writev') };
}

/** Timers the test fires by hand, counting every set and clear. */
class ManualTimers implements DriverTimers {
  sets: { fn: () => void; ms: number; id: number }[] = [];
  cleared: number[] = [];
  private next = 1;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.sets.push({ fn, ms, id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.cleared.push(handle as number);
  }

  /** The timers set and not cleared (nor fired). */
  live(): { fn: () => void; ms: number; id: number }[] {
    return this.sets.filter((s) => !this.cleared.includes(s.id));
  }

  fireLast(): void {
    const s = this.sets[this.sets.length - 1];
    this.cleared.push(s.id);
    s.fn();
  }
}

const microtask = (): Promise<void> => new Promise((r) => queueMicrotask(r));

function setup(owner: Partial<DriverOwner<Events>> = {}, info?: TransportInfo, gather?: boolean) {
  const engine = new ScriptedEngine();
  const timers = new ManualTimers();
  let clock = 1000;
  const seen: Events[] = [];
  const ends: (TransportError | undefined)[] = [];
  const driver = new EngineDriver<Events, ScriptedEngine>(engine, {
    onEvents: (e) => seen.push(e),
    onEnd: (e) => ends.push(e),
    now: () => clock,
    timers,
    ...owner,
  });
  const rec = recordingTransport(info, gather);
  driver.attach(rec.t);
  return { engine, timers, driver, seen, ends, rec, setClock: (t: number) => { clock = t; } };
}

describe('transport: the engine driver', () => {
  describe('output once per turn', () => {
    it('many flushSoon calls in one turn cost one microtask and one gathered write', async () => {
      const { engine, driver, rec } = setup();
      engine.queue([1]);
      driver.flushSoon();
      engine.queue([2, 3]);
      driver.flushSoon();
      engine.queue([4]);
      driver.flushSoon();
      expect(rec.writes()).to.have.length(0);
      await microtask();
      expect(rec.writes()).to.deep.equal([{ op: 'writev', bytes: [[1], [2, 3], [4]] }]);
      await microtask();
      expect(rec.writes()).to.have.length(1);
    });

    it('one array is a plain write; without writev each array is written in order', async () => {
      const a = setup();
      a.engine.queue([9, 9]);
      a.driver.flush();
      expect(a.rec.writes()).to.deep.equal([{ op: 'write', bytes: [[9, 9]] }]);
      const b = setup({}, { kind: 'tcp' }, false);
      b.engine.queue([1], [2]);
      b.driver.flush();
      expect(b.rec.writes()).to.deep.equal([{ op: 'write', bytes: [[1]] }, { op: 'write', bytes: [[2]] }]);
    });

    it('on a message transport (WebSocket) asks the engine for messages and writes each array alone', () => {
      const { engine, driver, rec } = setup({}, { kind: 'websocket', protocol: 'v12.stomp' });
      engine.queue([1], [2]);
      driver.flush();
      expect(engine.messages).to.equal(true);
      expect(rec.writes()).to.deep.equal([{ op: 'write', bytes: [[1]] }, { op: 'write', bytes: [[2]] }]);
    });

    it('a synchronous flush makes the queued one a no-op', async () => {
      const { engine, driver, rec } = setup();
      engine.queue([1]);
      driver.flushSoon();
      driver.flush();
      engine.queue([2]);
      await microtask();
      expect(rec.writes()).to.deep.equal([{ op: 'write', bytes: [[1]] }]);
    });

    it('events of a read are handled first, then written in one write (flushSoon meanwhile schedules nothing)', async () => {
      const { engine, driver, rec } = setup({
        onEvents: () => {
          engine.queue([7]);
          driver.flushSoon();
          engine.queue([8]);
          driver.flushSoon();
        },
      });
      engine.events = ['delivery'];
      driver.onData(Uint8Array.of(0));
      expect(rec.writes()).to.deep.equal([{ op: 'writev', bytes: [[7], [8]] }]);
      await microtask();
      expect(rec.writes()).to.have.length(1);
    });

    it('keeps output until a transport is attached', () => {
      const engine = new ScriptedEngine();
      const driver = new EngineDriver<Events, ScriptedEngine>(engine, { onEvents: () => undefined, timers: new ManualTimers() });
      engine.queue([5]);
      driver.flush();
      const rec = recordingTransport();
      driver.attach(rec.t);
      driver.flush();
      expect(rec.writes()).to.deep.equal([{ op: 'write', bytes: [[5]] }]);
    });
  });

  describe('the deadline timer', () => {
    it('is set once while the deadline only moves later, however many flushes', () => {
      const { engine, driver, timers, setClock } = setup();
      engine.deadline = 2000;
      driver.flush();
      expect(timers.sets.map((s) => s.ms)).to.deep.equal([1000]);
      for (let i = 1; i <= 50; i++) {
        setClock(1000 + i);
        engine.deadline = 2000 + i;
        engine.queue([i]);
        driver.flush();
      }
      expect(timers.sets).to.have.length(1);
      expect(timers.cleared).to.have.length(0);
    });

    it('is re-armed when the deadline moves earlier', () => {
      const { engine, driver, timers } = setup();
      engine.deadline = 5000;
      driver.flush();
      engine.deadline = 1500;
      driver.flush();
      expect(timers.sets.map((s) => s.ms)).to.deep.equal([4000, 500]);
      expect(timers.live().map((s) => s.ms)).to.deep.equal([500]);
    });

    it('fires early harmlessly: ticks the engine, hands its events out, arms for the later deadline', () => {
      const { engine, driver, timers, seen, setClock } = setup();
      engine.deadline = 2000;
      driver.flush();
      engine.deadline = 3000; // traffic moved it later; the timer stays
      driver.flush();
      setClock(2000);
      timers.fireLast();
      expect(engine.ticks).to.deep.equal([2000]);
      expect(seen).to.deep.equal([['tick']]);
      expect(timers.sets.map((s) => s.ms)).to.deep.equal([1000, 1000]);
    });

    it('is cleared when there is no deadline, and on the end', () => {
      const a = setup();
      a.engine.deadline = 2000;
      a.driver.flush();
      a.engine.deadline = undefined;
      a.driver.flush();
      expect(a.timers.live()).to.have.length(0);
      const b = setup();
      b.engine.deadline = 2000;
      b.driver.flush();
      b.driver.onTransportClose(undefined);
      expect(b.timers.live()).to.have.length(0);
    });
  });

  describe('read holds', () => {
    it('holds reads when the protocol sees a stream in full flow, after handling the events', () => {
      const order: string[] = [];
      const { engine, driver, rec } = setup({
        onEvents: () => { order.push('handled'); },
        readHold: { ms: 2, inFullFlow: (events, bytes) => { order.push(`asked ${bytes}`); return events.length >= 2; } },
      });
      engine.events = ['m', 'm'];
      driver.onData(new Uint8Array(100));
      engine.events = ['m'];
      driver.onData(new Uint8Array(50));
      expect(order).to.deep.equal(['handled', 'asked 100', 'handled', 'asked 50']);
      expect(rec.calls.filter((c) => c.op === 'hold')).to.deep.equal([{ op: 'hold', ms: 2 }]);
    });

    it('adaptive: a held read keeps holding only when it brought enough stream events per ms held, then stays quiet for a while', () => {
      let now = 1000;
      const { engine, driver, rec } = setup({
        holdClock: () => now,
        readHold: { ms: 2, inFullFlow: (events) => events.length >= 2, streamEvents: (events) => events.length },
      });
      const holds = (): number => rec.calls.filter((c) => c.op === 'hold').length;
      const read = (n: number): void => { engine.events = new Array<string>(n).fill('m'); driver.onData(new Uint8Array(10 * n)); };
      read(1);
      now += 0.1;
      read(2); // an unheld read of two, 0.1 ms after the last (20 a ms): a hold starts
      expect(holds()).to.equal(1);
      read(2 * KEEP_HOLDING_PER_MS); // the hold gathered 16 a ms: it paid, hold again
      expect(holds()).to.equal(2);
      read(3); // a paced stream: the hold gathered little, so no hold...
      expect(holds()).to.equal(2);
      now += HOLD_QUIET_MS - 1;
      read(5); // ...and none starts while quiet
      expect(holds()).to.equal(2);
      now += 1;
      read(2); // quiet over, but 2 in the 1 ms since the last read is a paced stream: no hold
      expect(holds()).to.equal(2);
      now += 0.05;
      read(2); // 2 in 0.05 ms (40 a ms): in full flow, a hold starts
      expect(holds()).to.equal(3);
    });

    it('adaptive: a paced stream catching up (several messages in one read after a busy millisecond) starts no hold', () => {
      let now = 1000;
      const { engine, driver, rec } = setup({
        holdClock: () => now,
        readHold: { ms: 2, inFullFlow: (events) => events.length >= 2, streamEvents: (events) => events.length },
      });
      const read = (n: number): void => { engine.events = new Array<string>(n).fill('m'); driver.onData(new Uint8Array(10 * n)); };
      // 1,000 a second, one read a message, and now and then two in one read after a 2 ms gap.
      for (let i = 0; i < 100; i++) {
        now += i % 10 === 9 ? 2 : 1;
        read(i % 10 === 9 ? 2 : 1);
      }
      expect(rec.calls.filter((c) => c.op === 'hold')).to.have.length(0);
      // The same two-message reads 50 us apart (40,000 a second) hold.
      now += 0.05;
      read(2);
      expect(rec.calls.filter((c) => c.op === 'hold')).to.have.length(1);
    });

    it('never holds with 0 ms', () => {
      const { engine, driver, rec } = setup({ readHold: { ms: 0, inFullFlow: () => true } });
      engine.events = ['m', 'm'];
      driver.onData(new Uint8Array(10));
      expect(rec.calls.filter((c) => c.op === 'hold')).to.have.length(0);
    });
  });

  describe('the end', () => {
    it('a transport close ends the driver once and tells the owner the error', () => {
      const { engine, driver, ends, rec } = setup();
      const err = new TransportError('reset', 'ECONNRESET');
      driver.onTransportClose(err);
      driver.onTransportClose(undefined);
      expect(ends).to.deep.equal([err]);
      expect(driver.ended).to.equal(true);
      engine.queue([1]);
      driver.flush();
      driver.onData(Uint8Array.of(1));
      expect(rec.writes()).to.have.length(0);
      expect(engine.received).to.have.length(0);
    });

    it('end() writes what is queued, then ends the transport; its close is not reported back', () => {
      const { engine, driver, ends, rec } = setup();
      engine.queue([3]);
      driver.end();
      driver.onTransportClose(undefined);
      expect(rec.calls.map((c) => c.op)).to.deep.equal(['write', 'end']);
      expect(ends).to.have.length(0);
    });

    it('destroy() drops what is queued', () => {
      const { engine, driver, rec } = setup();
      engine.queue([3]);
      driver.destroy();
      driver.flush();
      expect(rec.calls.map((c) => c.op)).to.deep.equal(['destroy']);
    });
  });

  describe('the engines as driven engines', () => {
    it('AMQP (client and server): parts on a stream, one array per call on a message transport', () => {
      const client = new Connection({ containerId: 'c', hostname: 'h', sasl: false });
      client.start(0);
      const twin = new Connection({ containerId: 'c', hostname: 'h', sasl: false });
      twin.start(0);
      const stream = client.takeWrites(1, false);
      const message = twin.takeWrites(1, true);
      expect(Array.isArray(stream)).to.equal(true);
      expect(message).to.be.instanceOf(Uint8Array);
      const joined = Buffer.concat(stream as Uint8Array[]);
      expect([...joined]).to.deep.equal([...(message as Uint8Array)]);
      const server = new ServerConnection({ containerId: 's', allowNoSasl: true, sasl: false });
      server.start(0);
      server.receive(joined.subarray(0, 8), 1); // the AMQP protocol header
      expect([...(server.takeWrites(2, true) as Uint8Array).subarray(0, 4)]).to.deep.equal([0x41, 0x4d, 0x51, 0x50]);
    });

    it('STOMP client: one array per frame over WebSocket, all frames in one array on a stream', () => {
      const opts = { host: 'h', versions: ['1.2'] as const };
      const a = new StompEngine(opts);
      a.connect(0);
      const b = new StompEngine(opts);
      b.connect(0);
      const one = a.takeWrites(0, false) as Uint8Array;
      const frames = b.takeWrites(0, true) as Uint8Array[];
      expect(frames).to.have.length(1);
      expect([...frames[0]]).to.deep.equal([...one]);
      expect(new TextDecoder().decode(one.subarray(0, 8))).to.equal('CONNECT\n');
    });

    it('STOMP server: one array per flush, over WebSocket too', () => {
      const s = new StompServerEngine({}, 0);
      s.receive(new TextEncoder().encode('CONNECT\naccept-version:1.2\nhost:h\n\n\0'), 1);
      const out = s.takeWrites();
      expect(out).to.be.instanceOf(Uint8Array);
      expect(new TextDecoder().decode(out.subarray(0, 10))).to.equal('CONNECTED\n');
    });
  });
});
