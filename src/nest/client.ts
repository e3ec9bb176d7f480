/**
 * RxMqClient: Nest's ClientProxy over AMQP 1.0 or STOMP. `send()` publishes a request with a
 * reply-to address and an id and waits for the replies carrying that id; `emit()` publishes an
 * event and completes when the broker has taken it (AMQP accepted, STOMP RECEIPT). One reconnecting
 * connection, made on first use and shared by every call; `close()` ends it.
 */
import { ClientProxy, type IncomingResponse, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { defer, Subscription, type Observable } from 'rxjs';
import { TimeoutError } from '../errors.js';
import { ReplyAddressLostError } from './errors.js';
import type { AmqpClient } from '../amqp/rx/client.js';
import type { StompClient } from '../stomp/rx/client.js';
import { defaultAddress, type RxMqPattern } from './address.js';
import { openTransport, type RxMqClientOptions } from './options.js';
import type { RxMqEvents } from './server.js';
import type { Delivery, RxMqTransport } from './transport.js';
import { renderSafely, safeOptions } from '../redact.js';

type ReplyCallback = (packet: WritePacket) => void;

// Status is typed `string` (it carries RxMqStatus values): ClientsModule's customClass needs a ClientProxy<..., string>.
export class RxMqClient extends ClientProxy<RxMqEvents, string> {
  private transport: RxMqTransport | undefined;
  private subscriptions = new Subscription();
  private replyAddress: Promise<string> | undefined;
  /** Requests waiting for replies, by id, with the address their replies come to. */
  private readonly pending = new Map<string, { readonly callback: ReplyCallback; replyTo: string | undefined }>();
  private readonly listeners: { [K in keyof RxMqEvents]: RxMqEvents[K][] } = { state: [], error: [] };

  constructor(private readonly options: RxMqClientOptions) {
    super();
    this.initializeSerializer(options);
    this.initializeDeserializer(options);
  }

  /**
   * Make the shared transport (once). The connection itself opens with the first publish or the
   * reply consumer; this resolves without waiting for it, since requests and events are held
   * until it is open and `send()`'s timeout bounds the wait.
   */
  connect(): Promise<RxMqTransport> {
    if (this.transport !== undefined) return Promise.resolve(this.transport);
    try {
      this.transport = openTransport(this.options);
    } catch (e) {
      return Promise.reject(e);
    }
    const t = this.transport;
    this.subscriptions = new Subscription();
    this.subscriptions.add(t.state$.subscribe((s) => {
      this._status$.next(s.state);
      for (const l of this.listeners.state) l(s);
    }));
    return Promise.resolve(t);
  }

  /**
   * The address replies come to, consuming it on first use: a dynamic node where the broker makes
   * them (`replies: 'dynamic'`, the default), else this client's named queue. A dynamic node ends
   * with its connection: requests waiting on the old address then fail with ReplyAddressLostError
   * at once (the server may have handled them) instead of at their timeout.
   */
  private replies(t: RxMqTransport): Promise<string> {
    if (this.replyAddress !== undefined) return this.replyAddress;
    const named = this.options.replyTo ?? `/queue/rxmq-reply-${globalThis.crypto.randomUUID()}`;
    const dynamic = this.options.replyTo === undefined && (this.options.replies ?? 'dynamic') === 'dynamic';
    // The address requests are sent with; while a dynamic node is being (re)made, a promise of the next one.
    let next: { resolve(a: string): void; reject(e: unknown): void } | undefined;
    const waitForNext = (): Promise<string> => {
      const p = new Promise<string>((resolve, reject) => { next = { resolve, reject }; });
      // Requests fail on their own; an unhandled rejection of this promise must not surface.
      p.catch(() => {});
      return p;
    };
    this.replyAddress = waitForNext();
    let current: string | undefined;
    const onAddress = (a: string): void => {
      if (current !== undefined && a !== current) {
        const lost = new ReplyAddressLostError(`the reply address ${current} ended with its connection; the request may have been handled`);
        for (const [id, p] of this.pending) if (p.replyTo === current) { this.pending.delete(id); p.callback({ err: lost, isDisposed: true }); }
      }
      current = a;
      this.replyAddress = Promise.resolve(a);
      next?.resolve(a);
      next = undefined;
    };
    if (dynamic) {
      // The dynamic node goes with the connection: requests made until the next one is attached wait for it.
      this.subscriptions.add(t.state$.subscribe((s) => {
        if (s.state !== 'open' && current !== undefined && current !== named && next === undefined) this.replyAddress = waitForNext();
      }));
    }
    const handler = (d: Delivery): Observable<void> => defer(() => this.onReply(d));
    const settings = { concurrency: 100, maxDeliveries: 1 };
    const consumer = dynamic
      ? t.consumeReplies(named, handler, settings, onAddress)
      : defer(() => { onAddress(named); return t.consume(named, handler, settings); });
    this.subscriptions.add(consumer.subscribe({
      error: (e: unknown) => {
        // The reply consumer is gone (refused address, fatal error): every waiting request fails now, not at its timeout.
        this.replyAddress = undefined;
        next?.reject(e);
        next = undefined;
        for (const [id, p] of this.pending) { this.pending.delete(id); p.callback({ err: e, isDisposed: true }); }
        for (const l of this.listeners.error) l(e);
      },
    }));
    return this.replyAddress;
  }

  /** A reply: to its request by the id in the packet, else the message's correlation id. Accepted either way. */
  private onReply(d: Delivery): Promise<void> {
    return (async () => {
      const packet = (await this.deserializer.deserialize(d.body)) as IncomingResponse;
      const id = packet.id ?? d.correlationId;
      const p = id === undefined ? undefined : this.pending.get(id);
      if (p === undefined || id === undefined) return; // a late reply to a request that timed out or was unsubscribed
      if (packet.isDisposed === true || packet.err !== undefined) this.pending.delete(id);
      p.callback({ err: packet.err, response: packet.response, isDisposed: packet.isDisposed });
    })();
  }

  private addressOf(pattern: unknown): string {
    return (this.options.address ?? defaultAddress)(pattern as RxMqPattern);
  }

  protected publish(partial: ReadPacket, callback: ReplyCallback): () => void {
    const t = this.transport as RxMqTransport;
    const packet = this.assignPacketId(partial);
    const route = this.normalizePattern(packet.pattern);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (): void => { this.pending.delete(packet.id); clearTimeout(timer); };
    try {
      const address = this.addressOf(packet.pattern);
      const replyTo = this.replies(t);
      const timeout = this.options.timeout ?? 10_000;
      // The timeout bounds the wait for the first reply; later replies of a stream reset it.
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          done();
          callback({ err: new TimeoutError(`no reply to ${route} from ${address} within ${timeout} ms`), isDisposed: true });
        }, timeout);
      };
      const entry = {
        callback: (p: WritePacket): void => {
          if (p.isDisposed === true || p.err !== undefined) done(); else arm();
          callback(p);
        },
        replyTo: undefined as string | undefined,
      };
      this.pending.set(packet.id, entry);
      arm();
      void (async () => {
        const body = JSON.stringify(await this.serializer.serialize(packet));
        entry.replyTo = await replyTo;
        if (!this.pending.has(packet.id)) return;
        await t.publish(address, { body, messageId: packet.id, pattern: route, replyTo: entry.replyTo, correlationId: packet.id });
      })().catch((err: unknown) => {
        if (!this.pending.has(packet.id)) return;
        done();
        callback({ err, isDisposed: true });
      });
    } catch (err) {
      done();
      callback({ err, isDisposed: true });
    }
    return done;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const t = this.transport as RxMqTransport;
    const body = JSON.stringify(await this.serializer.serialize(packet));
    await t.publish(this.addressOf(packet.pattern), { body, messageId: globalThis.crypto.randomUUID(), pattern: this.normalizePattern(packet.pattern) });
    return undefined as T;
  }

  /** Stop the reply consumer and close the connection (requests still waiting fail). */
  async close(): Promise<void> {
    const t = this.transport;
    if (t === undefined) return;
    this.transport = undefined;
    this.replyAddress = undefined;
    this.subscriptions.unsubscribe();
    for (const [id, p] of this.pending) { this.pending.delete(id); p.callback({ err: new Error('the client was closed before the reply arrived'), isDisposed: true }); }
    await t.close();
    this._status$.next('closed');
  }

  /** Listen to connection state changes (`'state'`) and reply-consumer errors (`'error'`). */
  override on<K extends keyof RxMqEvents = keyof RxMqEvents, C extends RxMqEvents[K] = RxMqEvents[K]>(event: K, callback: C): void {
    (this.listeners[event] as C[]).push(callback);
  }

  /** The reconnecting client underneath (after the first `connect()`, `send()` or `emit()`). */
  unwrap<T = AmqpClient | StompClient>(): T {
    if (this.transport === undefined) throw new Error('RxMqClient: not connected; unwrap() works after connect()');
    return this.transport.client as T;
  }
}

// What it prints (util.inspect, JSON, String): its URLs redacted, never the options' credentials.
renderSafely(RxMqClient, (x) => ({ url: safeOptions((x as unknown as { options: { url: unknown } }).options.url) }));
