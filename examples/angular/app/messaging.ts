/**
 * The example's messaging, as signals for the components: both clients' states, a queue received
 * over AMQP, a topic subscribed over STOMP, and an outbox per protocol whose every message gets
 * its outcome. Everything here runs in the root injector; the subscriptions end with it.
 */
import { DestroyRef, inject, Injectable, signal, type Signal, type WritableSignal } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { AMQP_CLIENT, STOMP_CLIENT } from 'rx-mq/angular';
import { Subject, scan, type Observable } from 'rxjs';
import { describeBody } from './body.js';
import { APP_CONFIG } from './config.js';
import type { FeedEntry } from './feed.component.js';

export type Via = 'amqp' | 'stomp';

/** A message sent from the form, and what became of it. */
export interface SentEntry {
  readonly key: number;
  readonly text: string;
  readonly via: Via;
  readonly outcome: Signal<string>;
}

/** The last messages a feed shows. */
const FEED_LENGTH = 50;

/** A feed signal: each value of `source$` becomes an entry, the newest last. */
function feed<T>(source$: Observable<T>, entry: (value: T) => Omit<FeedEntry, 'key'>): Signal<readonly FeedEntry[]> {
  const entries$ = source$.pipe(scan((list: readonly FeedEntry[], value: T, key: number) => [...list, { key, ...entry(value) }].slice(-FEED_LENGTH), []));
  return toSignal(entries$, { initialValue: [] });
}

@Injectable({ providedIn: 'root' })
export class Messaging {
  private readonly amqp = inject(AMQP_CLIENT);
  private readonly stomp = inject(STOMP_CLIENT);
  private readonly config = inject(APP_CONFIG);
  private readonly destroyRef = inject(DestroyRef);

  /** The clients' states: `state$` replays the current one, so the signal has a value at once. */
  readonly amqpState = toSignal(this.amqp.state$, { requireSync: true });
  readonly stompState = toSignal(this.stomp.state$, { requireSync: true });

  /** Subscribing here is the clients' first use: their connections open now. */
  readonly queueFeed = feed(this.amqp.receive(this.config.queue), (m) => ({
    text: describeBody(m.body),
    detail: `AMQP from queue ${this.config.queue}${m.subject === undefined ? '' : ` · ${m.subject}`}`,
  }));
  readonly topicFeed = feed(this.stomp.subscribe(`/topic/${this.config.topic}`), (m) => ({
    text: m.text,
    detail: `STOMP from /topic/${this.config.topic}`,
  }));

  private readonly sentList = signal<readonly SentEntry[]>([]);
  readonly sent: Signal<readonly SentEntry[]> = this.sentList.asReadonly();
  private nextKey = 0;

  // One send operator per protocol for the app's life: its outbox keeps its order, and the client
  // sends again, after a reconnect, whatever had no outcome yet.
  private readonly amqpOutbox = new Subject<{ body: string; messageId: string }>();
  private readonly amqpPending = new Map<string, WritableSignal<string>>();
  private readonly stompOutbox = new Subject<string>();
  /** STOMP results come in the order the messages were given. */
  private readonly stompPending: WritableSignal<string>[] = [];

  constructor() {
    this.amqpOutbox.pipe(this.amqp.send(this.config.queue), takeUntilDestroyed(this.destroyRef)).subscribe({
      next: (o) => {
        const id = String(o.message.messageId);
        this.amqpPending.get(id)?.set(o.state === 'rejected' && o.error !== undefined ? `rejected: ${o.error.message}` : o.state);
        this.amqpPending.delete(id);
      },
      error: (e: unknown) => this.failAll([...this.amqpPending.values()], e),
    });
    this.stompOutbox.pipe(this.stomp.send(`/topic/${this.config.topic}`), takeUntilDestroyed(this.destroyRef)).subscribe({
      next: (r) => this.stompPending.shift()?.set(r.state),
      error: (e: unknown) => this.failAll(this.stompPending.splice(0), e),
    });
  }

  /** Send `text` over `via` (AMQP to the queue, STOMP to the topic); its entry shows the outcome. */
  send(text: string, via: Via): void {
    const key = this.nextKey++;
    const outcome = signal('sending');
    this.sentList.update((list) => [...list, { key, text, via, outcome: outcome.asReadonly() }]);
    if (via === 'amqp') {
      const messageId = `example-${Date.now()}-${key}`;
      this.amqpPending.set(messageId, outcome);
      this.amqpOutbox.next({ body: text, messageId });
    } else {
      this.stompPending.push(outcome);
      this.stompOutbox.next(text);
    }
  }

  private failAll(pending: readonly WritableSignal<string>[], e: unknown): void {
    for (const o of pending) o.set(`failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
