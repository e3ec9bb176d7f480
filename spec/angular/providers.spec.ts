/**
 * rx-mq/angular in Node: `provideRxMq` in real Angular environment injectors (no TestBed, no
 * compiler: providers need neither), the injected clients used against the embedded broker over
 * TCP and WebSocket, and the injector's destruction closing what its clients opened.
 */
import { createEnvironmentInjector, EnvironmentInjector, inject, Injector, InjectionToken } from '@angular/core';
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, map, of, take, toArray, type Observable } from 'rxjs';
import { AMQP_CLIENT, provideRxMq, STOMP_CLIENT, type ClientState, type RxMqProviderOptions } from '../../src/angular/index.js';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';

/** The top of an app's injector tree: environment injectors hang off the null injector. */
const ROOT = Injector.NULL as EnvironmentInjector;

const injectorWith = (o: RxMqProviderOptions, parent: EnvironmentInjector = ROOT): EnvironmentInjector =>
  createEnvironmentInjector([provideRxMq(o)], parent, 'rx-mq test');

/** Every state `state$` emits until it completes (or `ms` pass: then the test fails on what it got). */
function statesUntilComplete(state$: Observable<ClientState>, ms = 5000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => reject(new Error(`state$ did not complete within ${ms} ms: ${seen.join(', ')}`)), ms);
    state$.subscribe({ next: (s) => seen.push(s.state), complete: () => { clearTimeout(timer); resolve(seen); } });
  });
}

/** Resolves once `check` holds (polled), or rejects naming `what`. */
async function eventually(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const unique = (name: string): string => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

describe('angular: provideRxMq in an environment injector', () => {
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: 0, wsPort: 0 }); });
  after(async () => { await broker.close(); });

  const transports = [
    { name: 'TCP', amqp: () => broker.amqpUrl, stomp: () => broker.stompUrl as string },
    { name: 'WebSocket', amqp: () => broker.amqpWsUrl as string, stomp: () => broker.stompWsUrl as string },
  ];
  for (const t of transports) {
    it(`over ${t.name}: injects both clients, connects on first use, and closes them with the injector`, async () => {
      const injector = injectorWith({ amqp: t.amqp(), stomp: { url: t.stomp(), heartbeat: [0, 0] } });
      const amqp = injector.get(AMQP_CLIENT);
      const stomp = injector.get(STOMP_CLIENT);
      // One client per injector, and lazy: nothing connected on injection.
      expect(injector.get(AMQP_CLIENT)).to.equal(amqp);
      expect(injector.get(STOMP_CLIENT)).to.equal(stomp);
      expect(amqp.state.state).to.equal('closed');
      expect(stomp.state.state).to.equal('closed');

      // AMQP: send with outcomes, then a receiver that stays subscribed.
      const queue = unique('ng-amqp');
      const outcomes = await lastValueFrom(from([{ body: 'a1' }, { body: 'a2' }]).pipe(amqp.send(queue), map((o) => o.state), toArray()));
      expect(outcomes).to.deep.equal(['accepted', 'accepted']);
      const amqpBodies: unknown[] = [];
      let amqpCompleted = false;
      amqp.receive(queue).subscribe({ next: (m) => amqpBodies.push(m.body), complete: () => { amqpCompleted = true; } });
      await eventually('both AMQP messages received', () => amqpBodies.length === 2);
      expect(amqpBodies).to.deep.equal(['a1', 'a2']);
      expect(amqp.state.state).to.equal('open');

      // STOMP: a subscription that stays, and a receipted send to it.
      const dest = `/queue/${unique('ng-stomp')}`;
      const stompTexts: string[] = [];
      let stompCompleted = false;
      stomp.subscribe(dest).subscribe({ next: (m) => stompTexts.push(m.text), complete: () => { stompCompleted = true; } });
      const sent = await lastValueFrom(of('s1', 's2').pipe(stomp.send(dest), map((r) => r.state), toArray()));
      expect(sent).to.deep.equal(['receipted', 'receipted']);
      await eventually('both STOMP messages received', () => stompTexts.length === 2);
      expect(stompTexts).to.deep.equal(['s1', 's2']);
      expect(broker.queue(queue)?.consumers).to.equal(1);
      expect(broker.queue(dest.slice('/queue/'.length))?.consumers).to.equal(1);

      const amqpStates = statesUntilComplete(amqp.state$);
      const stompStates = statesUntilComplete(stomp.state$);
      injector.destroy();

      // The clients ended for good: their streams completed, state$ ended with `closed`...
      expect(await amqpStates).to.deep.equal(['open', 'closed']);
      expect(await stompStates).to.deep.equal(['open', 'closed']);
      expect(amqpCompleted && stompCompleted).to.equal(true);
      // ...and the broker saw the consumers go.
      await eventually('the broker has no consumer left', () =>
        broker.queue(queue)?.consumers === 0 && broker.queue(dest.slice('/queue/'.length))?.consumers === 0);
    });
  }

  it('provides only the protocols given, and refuses an empty configuration', () => {
    const injector = injectorWith({ stomp: broker.stompUrl as string });
    expect(injector.get(AMQP_CLIENT, null, { optional: true })).to.equal(null);
    expect(() => injector.get(AMQP_CLIENT)).to.throw(/AMQP_CLIENT/);
    expect(injector.get(STOMP_CLIENT).state.state).to.equal('closed');
    injector.destroy();
    expect(() => provideRxMq({})).to.throw(TypeError, /amqp.*stomp/);
  });

  it('runs a configuration function in the injection context, once, when the client is first injected', async () => {
    const BROKER_URL = new InjectionToken<string>('broker url');
    let calls = 0;
    const injector = createEnvironmentInjector([
      { provide: BROKER_URL, useValue: broker.amqpUrl },
      provideRxMq({ amqp: () => { calls++; return { urls: inject(BROKER_URL), reconnect: { maxAttempts: 3 } }; } }),
    ], ROOT);
    expect(calls).to.equal(0);
    const client = injector.get(AMQP_CLIENT);
    injector.get(AMQP_CLIENT);
    expect(calls).to.equal(1);
    const queue = unique('ng-config');
    const [outcome] = await lastValueFrom(of({ body: 'x' }).pipe(client.send(queue), toArray()));
    expect(outcome.state).to.equal('accepted');
    const states = statesUntilComplete(client.state$);
    injector.destroy();
    expect((await states).at(-1)).to.equal('closed');
  });

  it('a child injector (a lazy route) owns its own client: destroying it leaves the parent\'s open', async () => {
    const parent = injectorWith({ stomp: { url: broker.stompUrl as string, heartbeat: [0, 0] } });
    const child = injectorWith({ stomp: { url: broker.stompUrl as string, heartbeat: [0, 0] } }, parent);
    const outer = parent.get(STOMP_CLIENT);
    const inner = child.get(STOMP_CLIENT);
    expect(inner).not.to.equal(outer);
    const dest = `/topic/${unique('ng-route')}`;
    const outerGot = firstValueFrom(outer.subscribe(dest).pipe(take(1), map((m) => m.text)));
    let innerCompleted = false;
    inner.subscribe(dest).subscribe({ complete: () => { innerCompleted = true; } });
    await eventually('both clients open', () => outer.state.state === 'open' && inner.state.state === 'open');
    const innerStates = statesUntilComplete(inner.state$);
    child.destroy();
    expect((await innerStates).at(-1)).to.equal('closed');
    expect(innerCompleted).to.equal(true);
    // The parent's client still works: a message published now reaches its subscription.
    expect(outer.state.state).to.equal('open');
    await lastValueFrom(of('after').pipe(outer.send(dest)));
    expect(await outerGot).to.equal('after');
    parent.destroy();
    expect(outer.state.state).to.equal('closed');
  });
});
