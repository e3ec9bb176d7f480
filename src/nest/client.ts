/**
 * RxMqClient: Nest's ClientProxy over AMQP 1.0 or STOMP. `send()` publishes a request with a
 * reply-to address and an id and waits for the replies carrying that id; `emit()` publishes an
 * event and completes when the broker has taken it (AMQP accepted, STOMP RECEIPT). One reconnecting
 * connection, made on first use and shared by every call; `close()` ends it.
 */
import { ClientProxy, type IncomingResponse, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { defer, Subscription } from 'rxjs';
import { TimeoutError } from '../errors.js';
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
  private replyAddress: string | undefined;
  private readonly pending = new Map<string, ReplyCallback>();
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

  /** The reply address, consuming it on first use. */
  private replies(t: RxMqTransport): string {
    if (this.replyAddress !== undefined) return this.replyAddress;
    const address = this.options.replyTo ?? `/queue/rxmq-reply-${globalThis.crypto.randomUUID()}`;
    this.replyAddress = address;
    this.subscriptions.add(t.consume(address, (d) => defer(() => this.onReply(d)), { concurrency: 100, maxDeliveries: 1 }).subscribe({
      error: (e: unknown) => {
        // The reply consumer is gone (refused address, fatal error): every waiting request fails now, not at its timeout.
        this.replyAddress = undefined;
        for (const [id, cb] of this.pending) { this.pending.delete(id); cb({ err: e, isDisposed: true }); }
        for (const l of this.listeners.error) l(e);
      },
    }));
    return address;
  }

  /** A reply: to its request by the id in the packet, else the message's correlation id. Accepted either way. */
  private onReply(d: Delivery): Promise<void> {
    return (async () => {
      const packet = (await this.deserializer.deserialize(d.body)) as IncomingResponse;
      const id = packet.id ?? d.correlationId;
      const cb = id === undefined ? undefined : this.pending.get(id);
      if (cb === undefined || id === undefined) return; // a late reply to a request that timed out or was unsubscribed
      if (packet.isDisposed === true || packet.err !== undefined) this.pending.delete(id);
      cb({ err: packet.err, response: packet.response, isDisposed: packet.isDisposed });
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
      this.pending.set(packet.id, (p) => {
        if (p.isDisposed === true || p.err !== undefined) done(); else arm();
        callback(p);
      });
      arm();
      void (async () => {
        const body = JSON.stringify(await this.serializer.serialize(packet));
        await t.publish(address, { body, messageId: packet.id, pattern: route, replyTo, correlationId: packet.id });
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
    for (const [id, cb] of this.pending) { this.pending.delete(id); cb({ err: new Error('the client was closed before the reply arrived'), isDisposed: true }); }
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
