/**
 * A fault-injecting TCP proxy of our own, in-process, between a client under test and a real
 * broker (the interop fault suite) or an in-process server (its own hermetic tests). It forwards
 * bytes both ways and, on command, breaks the connections that are open at that moment:
 *
 * - `cut`: destroy both sockets (a crashed peer, a reset);
 * - `cutInFrame`: in one direction, forward the first `afterBytes` bytes of the next frame that is
 *   longer than that, then destroy both sockets (the peer sees a torn frame);
 * - `stall`: stop forwarding both ways with every socket left open (a frozen peer or a
 *   partition): what arrives is held, up to `maxHeldBytes` per direction, beyond which reading
 *   stops and TCP's own flow control holds the rest; with `forMs` it ends and what was held
 *   flows on. (Reading goes on below the bound so that a client closing its side is seen.);
 * - `blackhole`: in one direction, read and drop everything (a one-way partition: the other
 *   direction still works, so a peer may keep sending heart-beats to a client whose own writes
 *   go nowhere);
 * - `drip`: in one direction, forward one byte every `intervalMs` (a slow link; the rest waits,
 *   bounded: reading stops while more than `maxHeldBytes` wait);
 * - `corrupt`: in one direction, flip (XOR 0xff) `count` bytes starting `offset` bytes into the
 *   next frame that long (with framing `raw`: `offset` bytes after the fault is applied).
 *
 * A fault applies to the connections open when it is applied (`inject`), or to every new
 * connection until cleared (`setAcceptFault`); a connection accepted later is healthy. Faults are
 * scheduled by time (`after({ ms })`) or by the bytes that have flowed in a direction
 * (`after({ bytes, direction })`, exact to the byte: the fault applies between two bytes of one
 * read). Every byte and fault is counted (`counters`) and every fault applied is logged (`log`).
 *
 * Closes: when the client closes its side, the proxy closes the server's too (so no broker
 * connection outlives its test). When the server closes its side, the client's side is closed
 * too unless the server-to-client direction is stalled or blackholed: then nothing the server does
 * reaches the client, as across a real partition, and only the client's own detection can end
 * its connection.
 */
import net from 'node:net';
import { FrameTracker, type Framing } from './stream-frames.js';

export type { Framing } from './stream-frames.js';

/** A direction of the proxied stream. */
export type Direction = 'toServer' | 'toClient';

export const DIRECTIONS: readonly Direction[] = ['toServer', 'toClient'];

/** A fault, as tests script it. `forMs` ends a lasting fault (the bytes held then flow on). */
export type Fault =
  | { readonly kind: 'cut' }
  | { readonly kind: 'cutInFrame'; readonly direction: Direction; readonly afterBytes: number }
  | { readonly kind: 'stall'; readonly forMs?: number }
  | { readonly kind: 'blackhole'; readonly direction: Direction; readonly forMs?: number }
  | { readonly kind: 'drip'; readonly direction: Direction; readonly intervalMs: number; readonly forMs?: number }
  | { readonly kind: 'corrupt'; readonly direction: Direction; readonly offset: number; readonly count?: number };

export type FaultKind = Fault['kind'];

export const FAULT_KINDS: readonly FaultKind[] = ['cut', 'cutInFrame', 'stall', 'blackhole', 'drip', 'corrupt'];

/** When a scheduled fault applies: `ms` from now, or once `bytes` more have flowed in `direction`. */
export type Trigger =
  | { readonly ms: number }
  | { readonly bytes: number; readonly direction: Direction };

/** One fault applied, for the test's report. */
export interface FaultRecord {
  readonly fault: Fault;
  /** ms since the proxy started listening. */
  readonly at: number;
  /** Ids of the connections it applied to (empty: none was open). */
  readonly connections: readonly number[];
}

/** A torn frame: where a `cutInFrame` cut. */
export interface CutRecord {
  readonly connection: number;
  readonly direction: Direction;
  /** Bytes of the frame forwarded before the cut. */
  readonly frameOffset: number;
  /** The frame's first bytes (up to 16), hex: for AMQP the performative's descriptor is in there. */
  readonly head: string;
}

export interface DirectionCounters { toServer: number; toClient: number }

/** What the proxy has done so far. Live values: read them, do not write them. */
export interface FaultProxyCounters {
  /** Connections accepted; open now; ended by the client, by the server, by a fault or close(). */
  accepted: number;
  open: number;
  closedByClient: number;
  closedByServer: number;
  closedByFault: number;
  /** Bytes written to the other side / read and dropped (blackhole, or held when cut). */
  readonly forwarded: DirectionCounters;
  readonly dropped: DirectionCounters;
  /** Frames begun (framings `amqp` and `stomp`). */
  readonly frames: DirectionCounters;
  /** Bytes flipped by `corrupt`. */
  corrupted: number;
  /** When (epoch ms) a `cutInFrame` or `corrupt` last struck (0: never): they wait for a frame. */
  lastStrikeAt: number;
  /** Faults applied (to at least one connection), by kind. */
  readonly faults: Record<FaultKind, number>;
}

export interface FaultProxyOptions {
  readonly targetPort: number;
  readonly targetHost?: string;
  /** How frames are found, for `cutInFrame` and `corrupt` (default `raw`). */
  readonly framing?: Framing;
  /** Most bytes held per direction (drip, stall) before reading from its source stops (default 1 MiB). */
  readonly maxHeldBytes?: number;
}

export interface FaultProxy {
  readonly port: number;
  readonly counters: FaultProxyCounters;
  /** Every fault applied, in order. */
  readonly log: readonly FaultRecord[];
  /** Every torn frame, in order. */
  readonly cuts: readonly CutRecord[];
  /** Apply `fault` to every open connection now; returns how many it applied to. */
  inject(fault: Fault): number;
  /** Apply `fault` when `trigger` fires; resolves with the number of connections it applied to. */
  after(trigger: Trigger, fault: Fault): Promise<number>;
  /** Apply `fault` (undefined: nothing) to every connection accepted from now on, at accept. */
  setAcceptFault(fault: Fault | undefined): void;
  /** End every lasting fault (stall, blackhole, drip) on the open connections; what was held flows on. */
  heal(): void;
  /** Cancel every scheduled fault that has not fired (their promises resolve with 0). */
  cancelScheduled(): void;
  /** Destroy every connection, cancel what is scheduled, stop listening. */
  close(): Promise<void>;
}

/** Output mode of one direction. */
const enum Mode { Pass, Stall, Blackhole, Drip }

/** A fault armed on one direction, waiting for its place in the stream. */
interface ArmedFrameFault {
  readonly kind: 'cutInFrame' | 'corrupt';
  /** Frames begun before it was armed: it applies to later frames only. */
  readonly after: number;
  readonly offset: number;
  readonly count: number;
  /** Bytes seen since armed (framing raw), or the frame it picked (-1: none yet). */
  seen: number;
  frame: number;
  flipped: number;
}

interface ByteTrigger {
  readonly direction: Direction;
  readonly at: number;
  readonly fire: () => void;
  readonly cancel: () => void;
}

export async function faultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const framing = opts.framing ?? 'raw';
  const maxHeld = opts.maxHeldBytes ?? 1 << 20;
  const started = Date.now();
  const counters: FaultProxyCounters = {
    accepted: 0, open: 0, closedByClient: 0, closedByServer: 0, closedByFault: 0,
    forwarded: { toServer: 0, toClient: 0 },
    dropped: { toServer: 0, toClient: 0 },
    frames: { toServer: 0, toClient: 0 },
    corrupted: 0,
    lastStrikeAt: 0,
    faults: { cut: 0, cutInFrame: 0, stall: 0, blackhole: 0, drip: 0, corrupt: 0 },
  };
  /** Bytes read per direction over all connections (what byte triggers count). */
  const read: DirectionCounters = { toServer: 0, toClient: 0 };
  const log: FaultRecord[] = [];
  const cuts: CutRecord[] = [];
  const conns = new Set<Conn>();
  let byteTriggers: ByteTrigger[] = [];
  const timers = new Set<{ timer: NodeJS.Timeout; cancel: () => void }>();
  let acceptFault: Fault | undefined;
  let nextId = 1;
  let closed = false;

  /** One direction of one connection: source socket to destination socket. */
  class Pipe {
    mode = Mode.Pass;
    readonly tracker = new FrameTracker(framing);
    readonly armed: ArmedFrameFault[] = [];
    /** Bytes read but not yet written (stall, drip), oldest first. */
    held: Buffer[] = [];
    heldBytes = 0;
    dripTimer: NodeJS.Timeout | undefined;
    /** Ends the current lasting fault after its `forMs`. */
    healTimer: NodeJS.Timeout | undefined;
    /** The first bytes of the current frame, for the cut record. */
    head: number[] = [];

    constructor(readonly conn: Conn, readonly direction: Direction, readonly from: net.Socket, readonly to: net.Socket) {}

    /** A chunk read from the source. */
    data(chunk: Buffer): void {
      let start = 0;
      let copied = false;
      const n = chunk.length;
      const t = this.tracker;
      for (let i = 0; i < n; i++) {
        if (this.conn.ended) return;
        // A cut or a flip armed for this byte.
        for (let a = 0; a < this.armed.length; a++) {
          const f = this.armed[a];
          if (!this.due(f, chunk[i])) continue;
          if (f.kind === 'cutInFrame') {
            this.output(chunk.subarray(start, i));
            this.tornFrame(f);
            return;
          }
          if (!copied) { chunk = Buffer.from(chunk); copied = true; }
          chunk[i] ^= 0xff;
          counters.corrupted++;
          counters.lastStrikeAt = Date.now();
          if (++f.flipped === f.count) { this.armed.splice(a, 1); a--; }
        }
        const b = chunk[i];
        const startedBefore = t.started;
        t.step(b);
        if (t.started !== startedBefore) {
          counters.frames[this.direction]++;
          // A new frame: its head starts with this byte.
          this.head = [b];
        } else if (t.inFrame && this.head.length < 16) this.head.push(b);
        if (framing === 'raw') for (const f of this.armed) f.seen++;
        const total = ++read[this.direction];
        if (byteTriggers.length > 0 && byteTriggers.some((bt) => bt.direction === this.direction && bt.at <= total)) {
          this.output(chunk.subarray(start, i + 1));
          start = i + 1;
          fireByteTriggers(this.direction, total);
        }
      }
      if (!this.conn.ended) this.output(chunk.subarray(start));
    }

    /** Whether the armed fault `f` applies to `b`, the byte about to be stepped over. */
    private due(f: ArmedFrameFault, b: number): boolean {
      const t = this.tracker;
      if (framing === 'raw') return f.seen >= f.offset && f.seen < f.offset + f.count;
      if (t.lost) return false;
      // The frame `b` belongs to and its offset there (STOMP: a frame's first byte starts it).
      let frame: number;
      let offset: number;
      if (t.inFrame) { frame = t.started; offset = t.offset; }
      else if (t.startsFrame(b)) { frame = t.started + 1; offset = 0; }
      else return false;
      if (frame <= f.after) return false;
      if (f.frame === -1) {
        if (offset !== f.offset) return false;
        f.frame = frame;
      } else if (f.frame !== frame) return false;
      return offset >= f.offset && offset < f.offset + f.count;
    }

    private tornFrame(f: ArmedFrameFault): void {
      const t = this.tracker;
      counters.lastStrikeAt = Date.now();
      cuts.push({
        connection: this.conn.id, direction: this.direction,
        frameOffset: framing === 'raw' ? f.seen : t.offset,
        head: Buffer.from(this.head.slice(0, 16)).toString('hex'),
      });
      this.conn.cut();
    }

    /** Write, hold or drop bytes read, by the current mode. */
    output(b: Buffer): void {
      if (b.length === 0) return;
      switch (this.mode) {
        case Mode.Pass:
          counters.forwarded[this.direction] += b.length;
          this.to.write(b);
          return;
        case Mode.Blackhole:
          counters.dropped[this.direction] += b.length;
          return;
        case Mode.Stall:
        case Mode.Drip:
          this.held.push(b);
          this.heldBytes += b.length;
          if (this.heldBytes > maxHeld) this.from.pause();
          return;
      }
    }

    set(mode: Mode, forMs: number | undefined, intervalMs = 0): void {
      this.clearTimers();
      this.mode = mode;
      if (mode === Mode.Drip) {
        this.dripTimer = setInterval(() => this.dripOne(), Math.max(1, intervalMs));
      }
      if (forMs !== undefined) this.healTimer = setTimeout(() => this.heal(), forMs);
    }

    private dripOne(): void {
      const first = this.held[0];
      if (first === undefined || this.conn.ended) return;
      counters.forwarded[this.direction]++;
      this.to.write(first.subarray(0, 1));
      if (first.length === 1) this.held.shift();
      else this.held[0] = first.subarray(1);
      this.heldBytes--;
      if (this.heldBytes <= maxHeld / 2) this.from.resume();
    }

    /** Back to passing bytes: what was held flows on. */
    heal(): void {
      this.clearTimers();
      this.mode = Mode.Pass;
      const held = this.held;
      this.held = [];
      this.heldBytes = 0;
      for (const b of held) this.output(b);
      if (!this.conn.ended) this.from.resume();
    }

    clearTimers(): void {
      if (this.dripTimer !== undefined) clearInterval(this.dripTimer);
      if (this.healTimer !== undefined) clearTimeout(this.healTimer);
      this.dripTimer = undefined;
      this.healTimer = undefined;
    }

    /** Whether what the source does (including closing) can no longer reach the destination. */
    get partitioned(): boolean { return this.mode === Mode.Stall || this.mode === Mode.Blackhole; }

    drop(): void {
      this.clearTimers();
      if (this.heldBytes > 0) counters.dropped[this.direction] += this.heldBytes;
      this.held = [];
      this.heldBytes = 0;
    }
  }

  class Conn {
    ended = false;
    readonly pipes: Record<Direction, Pipe>;
    constructor(readonly id: number, readonly client: net.Socket, readonly server: net.Socket) {
      this.pipes = {
        toServer: new Pipe(this, 'toServer', client, server),
        toClient: new Pipe(this, 'toClient', server, client),
      };
    }

    apply(f: Fault): void {
      switch (f.kind) {
        case 'cut': this.cut(); return;
        case 'stall':
          for (const d of DIRECTIONS) this.pipes[d].set(Mode.Stall, f.forMs);
          return;
        case 'blackhole': this.pipes[f.direction].set(Mode.Blackhole, f.forMs); return;
        case 'drip': this.pipes[f.direction].set(Mode.Drip, f.forMs, f.intervalMs); return;
        case 'cutInFrame':
        case 'corrupt': {
          const p = this.pipes[f.direction];
          const offset = f.kind === 'cutInFrame' ? Math.max(1, f.afterBytes) : Math.max(0, f.offset);
          p.armed.push({
            kind: f.kind, after: p.tracker.started, offset,
            count: f.kind === 'corrupt' ? Math.max(1, f.count ?? 1) : 1, seen: 0, frame: -1, flipped: 0,
          });
          return;
        }
      }
    }

    heal(): void { for (const d of DIRECTIONS) this.pipes[d].heal(); }

    /** Destroy both sockets after what was forwarded has been handed to the kernel. */
    cut(): void {
      if (this.ended) return;
      this.end('fault');
    }

    end(by: 'client' | 'server' | 'fault' | 'close'): void {
      if (this.ended) return;
      this.ended = true;
      conns.delete(this);
      counters.open--;
      if (by === 'client') counters.closedByClient++;
      else if (by === 'server') counters.closedByServer++;
      else if (by === 'fault') counters.closedByFault++;
      for (const d of DIRECTIONS) this.pipes[d].drop();
      if (by === 'fault') {
        // Let the bytes written just before (a torn frame's first part) leave before the reset.
        this.client.pause();
        this.server.pause();
        const done = (): void => { this.client.destroy(); this.server.destroy(); };
        let pending = 2;
        const one = (): void => { if (--pending === 0) setTimeout(done, 20); };
        this.client.write(Buffer.alloc(0), one);
        this.server.write(Buffer.alloc(0), one);
        return;
      }
      this.client.destroy();
      this.server.destroy();
    }
  }

  const applyAll = (fault: Fault): number => {
    const ids: number[] = [];
    for (const c of [...conns]) {
      if (c.ended) continue;
      c.apply(fault);
      ids.push(c.id);
    }
    if (ids.length > 0) counters.faults[fault.kind]++;
    log.push({ fault, at: Date.now() - started, connections: ids });
    return ids.length;
  };

  const fireByteTriggers = (direction: Direction, total: number): void => {
    const due = byteTriggers.filter((b) => b.direction === direction && b.at <= total);
    byteTriggers = byteTriggers.filter((b) => !due.includes(b));
    for (const b of due) b.fire();
  };

  const cancelScheduled = (): void => {
    for (const t of timers) { clearTimeout(t.timer); t.cancel(); }
    timers.clear();
    const pending = byteTriggers;
    byteTriggers = [];
    for (const b of pending) b.cancel();
  };

  const server = net.createServer((client) => {
    if (closed) { client.destroy(); return; }
    counters.accepted++;
    counters.open++;
    const upstream = net.connect(opts.targetPort, opts.targetHost ?? '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const conn = new Conn(nextId++, client, upstream);
    conns.add(conn);
    client.on('data', (d: Buffer) => conn.pipes.toServer.data(d));
    upstream.on('data', (d: Buffer) => conn.pipes.toClient.data(d));
    client.on('error', () => {}).on('close', () => conn.end('client'));
    upstream.on('error', () => {}).on('close', () => {
      // Across a partition the client cannot learn that the server went away.
      if (conn.ended || conn.pipes.toClient.partitioned) return;
      conn.end('server');
    });
    if (acceptFault !== undefined) {
      conn.apply(acceptFault);
      counters.faults[acceptFault.kind]++;
      log.push({ fault: acceptFault, at: Date.now() - started, connections: [conn.id] });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  return {
    port: (server.address() as net.AddressInfo).port,
    counters,
    log,
    cuts,
    inject: applyAll,
    after(trigger, fault) {
      if (closed) return Promise.resolve(0);
      return new Promise<number>((resolve) => {
        if ('ms' in trigger) {
          const entry = { timer: setTimeout(() => { timers.delete(entry); resolve(applyAll(fault)); }, trigger.ms), cancel: () => resolve(0) };
          timers.add(entry);
        } else {
          const at = read[trigger.direction] + trigger.bytes;
          byteTriggers.push({ direction: trigger.direction, at, fire: () => resolve(applyAll(fault)), cancel: () => resolve(0) });
          // A trigger for 0 bytes fires at once.
          if (trigger.bytes <= 0) fireByteTriggers(trigger.direction, read[trigger.direction]);
        }
      });
    },
    setAcceptFault(fault) { acceptFault = fault; },
    heal() { for (const c of conns) c.heal(); },
    cancelScheduled,
    close() {
      closed = true;
      cancelScheduled();
      for (const c of [...conns]) c.end('close');
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
