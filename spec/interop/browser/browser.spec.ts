/**
 * rx-mq in a real browser: a page bundled by esbuild from the packed package (installed into a
 * scratch project with npm; the `browser` export condition picks the native-WebSocket entries)
 * runs in headless Chromium (Debian's chromium-headless-shell, driven by playwright-core). Over
 * WebSocket it sends and receives with AMQP and STOMP through the embedded broker, and with STOMP
 * through RabbitMQ Web-STOMP: text and binary bodies, credit-bounded receive, clean close.
 */
import { expect } from 'chai';
import { build, type Metafile } from 'esbuild';
import { copyFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { PEERS, RABBITMQ, requirePeers } from '../../support/peers.js';
import { packedProject } from '../support/packed.js';

const PAGE = fileURLToPath(new URL('./page.mjs', import.meta.url));

interface AmqpRun {
  readonly outcomes: string[];
  readonly bodies: ({ text: string } | { bytes: number[] })[];
  readonly maxUnsettled: number;
  readonly states: string[];
}
interface StompRun {
  readonly sent: string[];
  readonly got: { text: string; bytes: number[] }[];
}

/** The page and its bundle, served on a free loopback port. */
function serve(bundle: string): Promise<{ url: string; close(): void }> {
  const html = '<!doctype html><meta charset="utf-8"><title>rx-mq</title><script type="module" src="/bundle.js"></script>';
  const server = http.createServer((req, res) => {
    if (req.url === '/bundle.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => server.close(),
  })));
}

describe('browser: the packed package in headless Chromium', function () {
  this.timeout(180_000);
  requirePeers(PEERS.chromium);
  let broker: EmbeddedBroker;
  let browser: Browser;
  let page: Page;
  let site: { url: string; close(): void };
  let metafile: Metafile;
  let bundle: string;

  before(async () => {
    const project = await packedProject();
    copyFileSync(PAGE, join(project.dir, 'page.mjs'));
    const out = await build({
      absWorkingDir: project.dir, entryPoints: ['page.mjs'], bundle: true, platform: 'browser', format: 'esm',
      outfile: join(project.dir, 'bundle.js'), metafile: true, logLevel: 'silent',
    });
    metafile = out.metafile;
    bundle = readFileSync(join(project.dir, 'bundle.js'), 'utf8');
    broker = await startBroker({ amqpPort: 0, stompPort: 0, wsPort: 0 });
    site = await serve(bundle);
    // As root (CI), Chromium's sandbox cannot start: the test page is our own.
    browser = await chromium.launch({ executablePath: PEERS.chromium.path, args: ['--no-sandbox'] });
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.url);
    await page.waitForFunction(() => (window as unknown as { rxmqReady?: boolean }).rxmqReady === true, undefined, { timeout: 10_000 })
      .catch(() => { throw new Error(`the page did not start: ${errors.join('; ')}`); });
  });
  after(async () => {
    await browser?.close();
    site?.close();
    await broker?.close();
  });

  it('bundles from the browser entries: no node: module and nothing of ws', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((f) => f.startsWith('node:') || /node_modules\/ws\//.test(f))).to.deep.equal([]);
    expect(inputs.some((f) => f.endsWith('rx-mq/dist/amqp/index.browser.js'))).to.equal(true);
    expect(inputs.some((f) => f.endsWith('rx-mq/dist/stomp/index.browser.js'))).to.equal(true);
    expect(inputs.filter((f) => f.includes('rx-mq/dist/transport/node'))).to.deep.equal([]);
    expect(bundle).not.to.match(/\bfrom\s*["']node:|require\(["']node:/);
  });

  it('AMQP over WebSocket (embedded broker): text and binary bodies, at most `credit` unsettled, a clean close', async () => {
    const count = 60;
    const r = await page.evaluate(([url, q, n]) => (window as unknown as { rxmq: { amqp(u: string, q: string, n: number, c: number): Promise<AmqpRun> } }).rxmq.amqp(url, q, n, 5),
      [broker.amqpWsUrl as string, `browser-amqp-${Date.now()}`, count] as const);
    expect(r.outcomes).to.deep.equal(new Array(count).fill('accepted'));
    expect(r.bodies).to.deep.equal(Array.from({ length: count }, (_, i) => (i % 10 === 9 ? { bytes: [0, i, 255] } : { text: `m${i}` })));
    // mergeMap would take 100 at once: credit 5 is what bounds the unsettled messages.
    expect(r.maxUnsettled).to.equal(5);
    expect(r.states).to.deep.equal(['open', 'closing', 'closed']);
  });

  it('STOMP over WebSocket (embedded broker): text and binary bodies (NUL bytes included), receipted', async () => {
    const dest = `/queue/browser-stomp-${Date.now()}`;
    const r = await page.evaluate(([url, d]) => (window as unknown as { rxmq: { stomp(u: string, d: string, b: (string | number[])[]): Promise<StompRun> } }).rxmq.stomp(url, d, ['héllo', [0, 1, 0, 255], 'end']),
      [broker.stompWsUrl as string, dest] as const);
    expect(r.sent).to.deep.equal(['receipted', 'receipted', 'receipted']);
    expect(r.got.map((m) => m.bytes)).to.deep.equal([[...new TextEncoder().encode('héllo')], [0, 1, 0, 255], [...new TextEncoder().encode('end')]]);
    expect(r.got[0].text).to.equal('héllo');
    await new Promise((res) => setTimeout(res, 200));
    // The subscription and the connection were closed: nothing consumes the queue any more.
    expect(broker.queue(dest.slice('/queue/'.length))?.consumers).to.equal(0);
  });

  it('refuses a TCP URL with a TransportError that names the WebSocket URLs to use', async () => {
    const r = await page.evaluate((url) => (window as unknown as { rxmq: { refusedTcp(u: string): Promise<string> } }).rxmq.refusedTcp(url), broker.amqpUrl);
    expect(r).to.match(/^TransportError: browsers cannot open TCP connections .*amqp\+ws:\/\//);
  });

  describe('RabbitMQ Web-STOMP', () => {
    requirePeers(PEERS.rabbitWebStomp);
    it('STOMP over WebSocket to RabbitMQ: text bodies, receipted (RabbitMQ sends text frames: docs/STOMP.md)', async () => {
      const dest = `/queue/rxmq-browser-${Date.now()}`;
      const r = await page.evaluate(([url, d]) => (window as unknown as { rxmq: { stomp(u: string, d: string, b: (string | number[])[]): Promise<StompRun> } }).rxmq.stomp(url, d, ['one', 'twö', 'three']),
        [RABBITMQ.webStompUrl(), dest] as const);
      expect(r.sent).to.deep.equal(['receipted', 'receipted', 'receipted']);
      expect(r.got.map((m) => m.text)).to.deep.equal(['one', 'twö', 'three']);
    });
  });
});
