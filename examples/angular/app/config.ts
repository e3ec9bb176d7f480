/**
 * The example's runtime configuration: where the broker is and which queue and topic to show.
 * The page fetches it (config.json, written by the server that serves the app) before
 * bootstrapping, as an app does with URLs that differ between deployments.
 */
import { InjectionToken } from '@angular/core';

export interface AppConfig {
  /** AMQP 1.0 over WebSocket, e.g. `amqp+ws://127.0.0.1:5674` (RabbitMQ 4: `amqp+wss://HOST/...`). */
  readonly amqpUrl: string;
  /** STOMP over WebSocket, e.g. `ws://127.0.0.1:15674/ws` (RabbitMQ Web-STOMP). */
  readonly stompUrl: string;
  /** The queue shown live (AMQP receive) and sent to by the form's AMQP option. */
  readonly queue: string;
  /** The topic shown live (STOMP subscription to `/topic/NAME`) and sent to by the form's STOMP option. */
  readonly topic: string;
}

export const APP_CONFIG = new InjectionToken<AppConfig>('example app config');
