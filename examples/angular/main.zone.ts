/**
 * The same app with zone.js change detection, for apps that still use it: zone.js patches the
 * WebSocket's callbacks, so every message runs change detection (the signals would suffice).
 */
import 'zone.js';
import '@angular/compiler';
import { provideZoneChangeDetection } from '@angular/core';
import { bootstrap } from './app/bootstrap.js';

bootstrap([provideZoneChangeDetection({ eventCoalescing: true })]).catch((e: unknown) => console.error(e));
