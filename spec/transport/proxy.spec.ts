/** Proxy URLs: what parses to which proxy, what is refused (typed, never echoing the password). */
import { expect } from 'chai';
import { describeProxy, isProxyConfigurationError, parseProxy, ProxyError } from '../../src/transport/proxy.js';
import { UrlError } from '../../src/transport/url.js';

describe('transport: proxy URLs', () => {
  const ok: readonly [string, object][] = [
    ['socks5://127.0.0.1:1080', { kind: 'socks5', host: '127.0.0.1', port: 1080 }],
    ['socks5://proxy', { kind: 'socks5', host: 'proxy', port: 1080 }],
    ['socks5h://u:p@proxy:9050', { kind: 'socks5', host: 'proxy', port: 9050, username: 'u', password: 'p' }],
    ['http://user:p%40ss%3Aw@[::1]:3128', { kind: 'http', host: '::1', port: 3128, username: 'user', password: 'p@ss:w' }],
    ['HTTP://proxy', { kind: 'http', host: 'proxy', port: 80 }],
  ];
  for (const [url, want] of ok) it(`parses ${url}`, () => expect(parseProxy(url)).to.deep.equal(want));

  const bad: readonly [string, RegExp][] = [
    ['https://u:secretpw@proxy:443', /https:\/\/ proxies .* not supported/],
    ['socks4://proxy:1080', /unsupported URL scheme "socks4"/],
    ['not a url', /not a valid URL/],
    ['http://u:secretpw@proxy:0', /port out of range/],
    [`socks5://${'u'.repeat(256)}:secretpw@proxy:1080`, /1 to 255 bytes/],
  ];
  for (const [url, why] of bad) {
    it(`refuses ${url.slice(0, 40)} with a UrlError that hides the password`, () => {
      const err = (() => { try { parseProxy(url); } catch (e) { return e; } return undefined; })();
      expect(err).to.be.instanceOf(UrlError);
      expect((err as Error).message).to.match(why).and.not.include('secretpw');
    });
  }

  it('takes the object form and checks it', () => {
    expect(parseProxy({ kind: 'http', host: 'h', port: 8080 })).to.deep.equal({ kind: 'http', host: 'h', port: 8080 });
    expect(() => parseProxy({ kind: 'socks4' as 'http', host: 'h', port: 1 })).to.throw(UrlError, /unknown kind/);
  });

  it('names a proxy without its password', () => {
    expect(describeProxy(parseProxy('socks5://u:secretpw@[::1]:1080'))).to.equal('socks5://u@[::1]:1080');
  });

  it('tells configuration failures (not retried) from the others', () => {
    for (const failure of ['authentication', 'no-acceptable-method', 'unsupported'] as const) expect(isProxyConfigurationError(new ProxyError('x', { failure }))).to.equal(true);
    for (const failure of ['unreachable', 'refused', 'protocol', 'timeout'] as const) expect(isProxyConfigurationError(new ProxyError('x', { failure }))).to.equal(false);
  });
});
