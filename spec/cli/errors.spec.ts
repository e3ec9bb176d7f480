/** Library errors to one line and an exit code; protocol adapters' pure parts. */
import { expect } from 'chai';
import { AmqpError, AuthenticationError, SaslError, TimeoutError, TransportError, UrlError } from '../../src/amqp/index.js';
import { connectError, StompError } from '../../src/stomp/index.js';
import { CliFailure, ConnectFailure, EXIT, UsageError, describeError } from '../../src/cli/errors.js';
import { adapterFor } from '../../src/cli/adapters/index.js';
import { amqpHeaderFields, toAmqpMessage } from '../../src/cli/adapters/amqp.js';
import { stompHeaders } from '../../src/cli/adapters/stomp.js';

const te = new TextEncoder();
const stompError = (message: string, body: string): StompError => new StompError([['message', message]], te.encode(body));
/** An ERROR answering CONNECT, classified as the STOMP engine does (StompAuthenticationError for a refused login). */
const stompConnectError = (message: string, body: string): StompError => connectError([['message', message]], te.encode(body));
const URL_WITH_SECRET = 'amqp://guest:s3cret@127.0.0.1:1';

describe('cli: errors', () => {
  it('maps connection failures to exit 3 with the URL, never the password', () => {
    const r = describeError(new ConnectFailure(URL_WITH_SECRET, new TransportError('tcp://127.0.0.1:1: connection refused', 'ECONNREFUSED')));
    expect(r).to.deep.equal({ message: 'cannot connect to amqp://guest:***@127.0.0.1:1: connection refused', exitCode: EXIT.unreachable });
    expect(describeError(new ConnectFailure('stomp://h:1', new TransportError('x', 'ENOTFOUND'))).message).to.match(/host not found$/);
    expect(describeError(new ConnectFailure('stomp://h:1', new TimeoutError('connect timed out after 10000 ms'))).exitCode).to.equal(EXIT.unreachable);
  });

  it('maps refused logins to exit 4: SASL, and a STOMP ERROR before CONNECTED', () => {
    const sasl = describeError(new ConnectFailure(URL_WITH_SECRET, new AuthenticationError('authentication failed')));
    expect(sasl.exitCode).to.equal(EXIT.auth);
    expect(sasl.message).to.match(/^cannot connect to amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1: authentication failed/);
    expect(describeError(new ConnectFailure('amqp://h', new SaslError('no common mechanism'))).exitCode).to.equal(EXIT.auth);
    const stomp = describeError(new ConnectFailure('stomp://u:pw@h', stompConnectError('Bad CONNECT', "Access refused for user 'u'\n")));
    expect(stomp).to.deep.equal({ message: "cannot connect to stomp://u:***@h: authentication failed: Bad CONNECT (Access refused for user 'u')", exitCode: EXIT.auth });
    // The same ERROR after CONNECTED is a broker error, not a login problem; so is a refusal that may pass.
    expect(describeError(stompError('Bad CONNECT', 'Access refused')).exitCode).to.equal(EXIT.failure);
    expect(describeError(new ConnectFailure('stomp://h', stompConnectError('Bad CONNECT', 'connection limit reached'))).exitCode).to.equal(EXIT.failure);
  });

  it('maps usage and URL errors to exit 2, the rest to 1, always one line', () => {
    expect(describeError(new UsageError('unknown option --x'))).to.deep.equal({ message: 'unknown option --x', exitCode: EXIT.usage });
    expect(describeError(new ConnectFailure('x', new UrlError('not a valid URL: x'))).exitCode).to.equal(EXIT.usage);
    const amqp = describeError(new AmqpError('amqp:not-found', 'no queue\n"q"', 'link', false));
    expect(amqp).to.deep.equal({ message: 'link error amqp:not-found: no queue "q"', exitCode: EXIT.failure });
    expect(describeError(new AmqpError('amqp:unauthorized-access', undefined, 'link', false)).exitCode).to.equal(EXIT.auth);
    expect(describeError(new CliFailure('3 of 10 not accepted', EXIT.failure)).exitCode).to.equal(EXIT.failure);
    expect(describeError(new Error('boom\n    at x (y.js:1:1)')).message).to.equal('boom at x (y.js:1:1)');
    expect(describeError(new Error('failed for amqp://u:pw@h:5672/v')).message).to.equal('failed for amqp://u:***@h:5672/v');
  });
});

describe('cli: protocol adapters', () => {
  it('picks the protocol from the scheme and checks the URL up front', async () => {
    for (const u of ['amqp://h', 'amqps://h', 'amqp+ws://h/ws', 'AMQP+WSS://h/ws']) expect((await adapterFor(u)).protocol, u).to.equal('amqp');
    for (const u of ['stomp://h', 'stomp+ssl://h', 'ws://h/ws', 'wss://h/ws']) expect((await adapterFor(u)).protocol, u).to.equal('stomp');
    for (const u of ['http://h', 'h:5672', 'amqp://h:99999', 'amqp://']) {
      const e = await adapterFor(u).then(() => undefined, (err: unknown) => err);
      expect(e, u).to.be.instanceOf(UrlError);
    }
  });

  it('maps --header to AMQP message fields, checking names and numbers', () => {
    expect(amqpHeaderFields({ 'message-id': 'm', subject: 's', priority: '9', ttl: '1000', 'reply-to': 'r', groupSequence: '3' }))
      .to.deep.equal({ messageId: 'm', subject: 's', priority: 9, ttl: 1000, replyTo: 'r', groupSequence: 3 });
    expect(() => amqpHeaderFields({ colour: 'red' })).to.throw(UsageError, /unknown AMQP header field "colour"/);
    expect(() => amqpHeaderFields({ priority: '256' })).to.throw(UsageError, /0 to 255/);
    expect(() => amqpHeaderFields({ ttl: 'soon' })).to.throw(UsageError, /whole number/);
    const m = toAmqpMessage({ body: 'b', contentType: 'text/plain', durable: true, properties: { k: 'v' }, headers: { subject: 's' } });
    expect(m).to.deep.include({ body: 'b', contentType: 'text/plain', durable: true, applicationProperties: { k: 'v' }, subject: 's' });
    expect(toAmqpMessage({ body: 'b', contentType: undefined, durable: false, properties: {}, headers: {} }).applicationProperties).to.equal(undefined);
  });

  it('maps properties, headers, content type and durability to STOMP headers', () => {
    expect(stompHeaders({ body: 'b', contentType: 'text/plain', durable: true, properties: { k: 'v' }, headers: { priority: '5' } }))
      .to.deep.equal({ k: 'v', priority: '5', 'content-type': 'text/plain', persistent: 'true' });
  });
});
