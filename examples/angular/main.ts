/**
 * The example app's entry, zoneless (Angular's default): the signals that rx-mq's streams feed
 * (toSignal) schedule change detection themselves. The compiler comes first: the components are
 * compiled in the browser (JIT), which keeps the build to one esbuild call (docs/ANGULAR.md).
 */
import '@angular/compiler';
import { bootstrap } from './app/bootstrap.js';

bootstrap([]).catch((e: unknown) => console.error(e));
