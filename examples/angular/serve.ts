/**
 * `npm run example:angular`: builds the example app from this repository's sources, starts the
 * embedded broker with its WebSocket port, serves the app, and publishes a tick every few
 * seconds from Node (AMQP to the queue, STOMP to the topic) so that something moves.
 *
 *   PORT=4200 (the page)   WS_PORT=0 (the broker's WebSocket port; 0 picks a free one)
 *
 * Open the printed URL; add `?zone` for the zone.js build. Ctrl-C stops everything.
 */
import { join } from 'node:path';
import { from, lastValueFrom, of } from 'rxjs';
import { amqpClient } from '../../src/amqp/index.js';
import { startBroker } from '../../src/broker/index.js';
import { stompClient } from '../../src/stomp/index.js';
import { buildExample } from './build.js';
import { serveExample } from './server.js';

const appDir = import.meta.dirname;
const outdir = join(appDir, '..', '..', '.scratch', 'angular-example');
const built = await buildExample({ appDir, outdir, rxmq: 'sources' });
const broker = await startBroker({ amqpPort: 0, stompPort: 0, wsPort: Number(process.env.WS_PORT ?? 0) });
const config = { amqpUrl: broker.amqpWsUrl as string, stompUrl: broker.stompWsUrl as string, queue: 'orders', topic: 'prices' };
const site = await serveExample(outdir, config, Number(process.env.PORT ?? 4200));
console.log(`main.js ${built.main.bytes} bytes (${built.main.gzipBytes} gzipped), of which rx-mq ${built.rxmqBytes}`);
console.log(`broker: ${config.amqpUrl} (AMQP), ${config.stompUrl} (STOMP)`);
console.log(`open ${site.url} (zoneless) or ${site.url}?zone (zone.js)`);

// The Node side: the same reconnecting clients, over TCP.
const amqp = amqpClient(broker.amqpUrl);
const stomp = stompClient(broker.stompUrl as string);
let n = 0;
const timer = setInterval(() => {
  n++;
  void lastValueFrom(from([{ body: `order ${n}`, subject: 'from Node' }]).pipe(amqp.send(config.queue))).catch(() => undefined);
  void lastValueFrom(of(`price ${(100 + Math.sin(n) * 5).toFixed(2)}`).pipe(stomp.send(`/topic/${config.topic}`))).catch(() => undefined);
}, 3000);

process.once('SIGINT', () => {
  clearInterval(timer);
  void Promise.all([amqp.close(), stomp.close(), site.close()]).then(() => broker.close()).then(() => process.exit(0));
});
