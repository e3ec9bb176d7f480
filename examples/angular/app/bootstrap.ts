/**
 * Starts the example: reads config.json, then bootstraps the root component with rx-mq's
 * providers. The URLs come from the injected config (the function form of `provideRxMq`'s
 * options runs in the injection context). `extra` picks the change detection (main.ts, main.zone.ts).
 */
import { inject, type EnvironmentProviders, type Provider } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { provideRxMq } from 'rx-mq/angular';
import { AppComponent } from './app.component.js';
import { APP_CONFIG, type AppConfig } from './config.js';

export async function bootstrap(extra: readonly (Provider | EnvironmentProviders)[]): Promise<void> {
  const config = (await (await fetch('config.json')).json()) as AppConfig;
  await bootstrapApplication(AppComponent, {
    providers: [
      ...extra,
      { provide: APP_CONFIG, useValue: config },
      provideRxMq({
        amqp: () => ({ urls: inject(APP_CONFIG).amqpUrl, reconnect: { maxDelayMs: 5000 } }),
        stomp: () => ({ url: inject(APP_CONFIG).stompUrl, reconnect: { maxDelayMs: 5000 } }),
      }),
    ],
  });
}
