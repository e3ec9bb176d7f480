/**
 * A stand-in for `rx-mq/angular` with no messaging in it, for measuring the bundle without rx-mq
 * (build.ts, 'none'): the same tokens and provider function, clients that never connect.
 */
import { InjectionToken, makeEnvironmentProviders, type EnvironmentProviders } from '@angular/core';
import { map, NEVER, of, type Observable, type OperatorFunction } from 'rxjs';

interface StandIn {
  readonly state$: Observable<{ readonly state: 'closed' }>;
  receive(): Observable<never>;
  subscribe(): Observable<never>;
  send(): OperatorFunction<unknown, { readonly state: 'sent' }>;
}

const standIn: StandIn = {
  state$: of({ state: 'closed' }),
  receive: () => NEVER,
  subscribe: () => NEVER,
  send: () => map(() => ({ state: 'sent' })),
};

export const AMQP_CLIENT = new InjectionToken<StandIn>('AMQP_CLIENT');
export const STOMP_CLIENT = new InjectionToken<StandIn>('STOMP_CLIENT');

export function provideRxMq(_options: unknown): EnvironmentProviders {
  return makeEnvironmentProviders([{ provide: AMQP_CLIENT, useValue: standIn }, { provide: STOMP_CLIENT, useValue: standIn }]);
}
