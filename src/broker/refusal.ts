/**
 * What a connection beyond `maxConnections` is told before its socket closes, so that the client
 * sees why instead of a bare connection loss, in each protocol's own terms:
 * - AMQP with SASL: our SASL header and mechanisms, then, to the client's sasl-init, the outcome
 *   `sys-temp` ("a temporary system error": trying again later may succeed, which is what a
 *   reconnecting client does; credentials are not judged);
 * - AMQP without SASL: our header, an open and at once a close with
 *   `amqp:resource-limit-exceeded` naming the limit;
 * - STOMP: an ERROR frame naming the limit.
 * A refused connection costs little and not for long: it reads at most one protocol header and
 * one small SASL frame, and its socket is destroyed after REFUSAL_GRACE_MS whatever the client does.
 */
import { concatParts } from '../amqp/engine/output.js';
import { FrameParser, encodeFrame, protocolHeaderBytes } from '../amqp/frames/index.js';
import { encodeFrame as encodeStompFrame } from '../stomp/codec/encoder.js';
import type { Transport } from '../transport/types.js';
import type { AcceptedConnection } from './listener.js';

/** How long a refused socket may stay open to be told why (ms). */
export const REFUSAL_GRACE_MS = 2000;
/** The most a refused AMQP client may write (a protocol header and a sasl-init) before it is cut off. */
const MAX_REFUSED_BYTES = 1024;

/** A refused socket: closed after the grace, or once the client has been told. */
function refusal(transport: Transport, onData: (chunk: Uint8Array) => void): AcceptedConnection {
  const timer = setTimeout(() => transport.destroy(), REFUSAL_GRACE_MS);
  const done = (): void => clearTimeout(timer);
  return {
    onData,
    onClose: done,
    shutdown: () => { done(); transport.destroy(); },
    fault: () => { done(); transport.destroy(); },
  };
}

/** Refuse an AMQP connection (see the module comment); `reason` goes to the client. */
export function refuseAmqp(transport: Transport, reason: string, containerId: string): AcceptedConnection {
  const parser = new FrameParser({ maxFrameSize: MAX_REFUSED_BYTES });
  let read = 0;
  let told = false;
  const tell = (bytes: Uint8Array): void => {
    told = true;
    transport.write(bytes);
    transport.end();
  };
  return refusal(transport, (chunk) => {
    if (told) return;
    read += chunk.length;
    if (read > MAX_REFUSED_BYTES) return transport.destroy();
    let events;
    try {
      events = parser.feed(chunk);
    } catch {
      return transport.destroy();
    }
    for (const e of events) {
      if (e.type === 'header' && e.protocol === 'sasl') {
        transport.write(protocolHeaderBytes('sasl'));
        transport.write(encodeFrame(0, { kind: 'sasl-mechanisms', saslServerMechanisms: ['ANONYMOUS', 'PLAIN'] }));
      } else if (e.type === 'header') {
        return tell(concatParts([
          protocolHeaderBytes('amqp'),
          encodeFrame(0, { kind: 'open', containerId }),
          encodeFrame(0, { kind: 'close', error: { kind: 'error', condition: 'amqp:resource-limit-exceeded', description: reason } }),
        ]));
      } else if (e.type === 'sasl' && e.performative.kind === 'sasl-init') {
        return tell(encodeFrame(0, { kind: 'sasl-outcome', code: 'sys-temp' }));
      }
    }
  });
}

/** Refuse a STOMP connection with an ERROR frame naming `reason`. */
export function refuseStomp(transport: Transport, reason: string): AcceptedConnection {
  transport.write(encodeStompFrame({ command: 'ERROR', headers: [['message', reason]], body: new Uint8Array(0) }, '1.2'));
  transport.end();
  return refusal(transport, () => {});
}
