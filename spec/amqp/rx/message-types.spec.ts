/**
 * Message types generic in their body and Outcome as a union on `state` (issue 22, item 10).
 *
 * Two halves. `typeChecks` is never run: it is checked by `npm run typecheck` (spec/ is part of
 * the project), where each assignment must compile and each line after `@ts-expect-error` must
 * fail to (an unused expect-error is itself an error). The `describe` block runs the same shapes
 * against the embedded broker, so the types describe what really arrives.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, Observable, switchMap, toArray, type OperatorFunction } from 'rxjs';
import {
  connect, type AmqpClient, type AmqpConnection, type AmqpError, type BodyInput, type Consumed, type InboundMessage, type Message,
  type NativeValue, type Outcome, type ReceivedMessage,
} from '../../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { unique } from '../../support/amqp-connection.js';

/** True when X and Y are the same type (not merely assignable either way). */
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;
/** Compiles only when its argument type is `true`. */
const assertType = <T extends true>(): T | undefined => undefined;

/** An application type: an interface, so without an index signature. */
interface Order { readonly id: number; readonly amount: number; readonly lines: readonly { readonly sku: string }[] }
interface Quote { readonly price: number }

function typeChecks(conn: AmqpConnection, client: AmqpClient, order: Order): void {
  // Sending: an interface-typed body is a body, with or without naming its type.
  const plain: Message = { body: order };
  const typed: Message<Order> = { body: order, subject: 'order' };
  from([plain]).pipe(conn.send('q'));
  from([{ body: order }]).pipe(conn.send('q'));
  from([{ body: 'text' }, { body: new Uint8Array(1), subject: 's' }]).pipe(conn.send('q')); // mixed shapes stay fine
  const op: OperatorFunction<Message<Order>, Outcome<Order>> = conn.send<Order>('q');
  from([typed]).pipe(op);
  from([typed]).pipe(client.send<Order>('q'));
  assertType<Equal<ReturnType<typeof conn.send<Order>>, OperatorFunction<Message<Order>, Outcome<Order>>>>();
  // @ts-expect-error a string is not an Order
  from([{ body: 'text' }]).pipe(conn.send<Order>('q'));
  // @ts-expect-error a symbol has no AMQP form
  const bad: Message = { body: Symbol('x') };
  void bad;

  // Outcome: a union discriminated by `state`; each case has its own fields and no others.
  const outcome = {} as Outcome<Order>;
  assertType<Equal<Outcome['state'], 'accepted' | 'rejected' | 'released' | 'modified' | 'sent'>>();
  assertType<Equal<typeof outcome.message.body, Order | undefined>>();
  switch (outcome.state) {
    case 'rejected': { const e: AmqpError | undefined = outcome.error; void e; break; }
    case 'modified': {
      const flags: [boolean, boolean] = [outcome.deliveryFailed, outcome.undeliverableHere];
      const annotations: { readonly [key: string]: NativeValue } | undefined = outcome.messageAnnotations;
      void flags; void annotations;
      break;
    }
    case 'accepted':
      // @ts-expect-error an accepted outcome carries no error
      void outcome.error;
      break;
    default:
      assertType<Equal<typeof outcome.state, 'released' | 'sent'>>();
  }
  // @ts-expect-error not every outcome has an error: narrow on state first
  void outcome.error;
  // @ts-expect-error there is no such state
  if (outcome.state === 'failed') return;

  // Receiving: the body type is named; by default it is the native view.
  const byDefault = conn.receive('q');
  assertType<Equal<typeof byDefault, Observable<ReceivedMessage<NativeValue>>>>();
  conn.receive<Order>('q').subscribe((m) => { assertType<Equal<typeof m.body, Order | undefined>>(); m.accept(); });
  client.receive<Order>('q').subscribe((m) => assertType<Equal<typeof m.body, Order | undefined>>());
  conn.fetch<Order>('q', { count: 1 }).subscribe((m) => assertType<Equal<typeof m.body, Order | undefined>>());
  client.fetch<Order>('q', { count: 1 }).subscribe((m) => assertType<Equal<typeof m.body, Order | undefined>>());
  conn.receive('q').subscribe((m) => assertType<Equal<typeof m.body, NativeValue | undefined>>());
  conn.receive<Order>('q').subscribe((m) => {
    // @ts-expect-error the body may be absent
    void m.body.amount;
  });

  // consume: from the handler's parameter, or named.
  const c1: Observable<Consumed<number, Order>> = conn.consume(
    'q', (m: ReceivedMessage<Order>) => m.body?.amount ?? 0);
  const c2: Observable<Consumed<number, Order>> = client.consume<Order, number>('q', async (m) => m.body?.amount ?? 0);
  const c3: Observable<Consumed<string>> = conn.consume('q', (m) => String(m.body));
  void c1; void c2; void c3;

  // request: the request's body and the reply's.
  const reply$: Observable<InboundMessage<Quote>> = conn.request<Order, Quote>('q', { body: order });
  const reply2$: Observable<InboundMessage<Quote>> = client.request<Order, Quote>('q', { body: order });
  const untyped$: Observable<InboundMessage> = conn.request('q', { body: 1 });
  void reply$; void reply2$; void untyped$;
  // @ts-expect-error the request body must be an Order
  conn.request<Order, Quote>('q', { body: 'text' });
  assertType<Equal<InboundMessage['body'], NativeValue | undefined>>();
  assertType<Equal<Message['body'], BodyInput | undefined>>();
}
void typeChecks;

describe('amqp/rx message types (embedded broker)', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false }); });
  after(() => broker.close());

  it('an interface-typed body goes out and comes back as the same object, read as receive<Order>()', async () => {
    const q = unique('typed');
    const order: Order = { id: 7, amount: 12.5, lines: [{ sku: 'a-1' }, { sku: 'b-2' }] };
    const [outcomes, got] = await firstValueFrom(connect(broker.amqpUrl).pipe(switchMap(async (c) => {
      const sent = await lastValueFrom(from([{ body: order }]).pipe(c.send<Order>(q), toArray()));
      const m = await firstValueFrom(c.fetch<Order>(q, { count: 1, timeout: 2000 }));
      return [sent, m.body] as const;
    })));
    expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted']);
    expect(outcomes[0].message.body).to.equal(order);
    expect(got).to.deep.equal(order);
  });

  it('outcome fields follow the state: an accepted outcome has only state and message', async () => {
    const q = unique('outcome-shape');
    const outcomes = await firstValueFrom(connect(broker.amqpUrl).pipe(switchMap((c) =>
      from([{ body: 1 }]).pipe(c.send(q), toArray()))));
    expect(outcomes).to.have.length(1);
    expect(Object.keys(outcomes[0]).sort()).to.deep.equal(['message', 'state']);
  });
});
