/**
 * STOMP behind the CLI's adapter interface. STOMP has only frame headers, so --property and
 * --header both become headers; --durable is `persistent:true`. At-least-once asks for a RECEIPT
 * on every SEND (each receipted message counts as accepted); at-most-once asks for none and
 * relies on the DISCONNECT receipt at close to know everything was written.
 */
import { concat, map, of, take, takeUntil, timer, type Observable } from 'rxjs';
// The public entry, which installs Node's transports (see src/transport/platform.ts).
import { connect, type StompMessage } from '../../stomp/index.js';
import type { MessageRecord } from '../format.js';
import { whileConnected } from './connected.js';
import type { AckMode, OutgoingMessage, ProtocolAdapter, ReceiveEvent, ReceiveOptions, SendOutcome, SettleMode } from './types.js';

/** The frame headers of one CLI message. */
export function stompHeaders(m: OutgoingMessage): Record<string, string> {
  const h: Record<string, string> = { ...m.properties, ...m.headers };
  if (m.contentType !== undefined) h['content-type'] = m.contentType;
  if (m.durable) h.persistent = 'true';
  return h;
}

/** A received STOMP message as the neutral record the formatters take. */
export function stompRecord(m: StompMessage, address: string): MessageRecord {
  return { protocol: 'stomp', address: m.destination || address, body: { kind: 'bytes', bytes: m.body }, headers: { ...m.headers } };
}

function settler(m: StompMessage, ack: AckMode): () => void {
  // A failed ACK/NACK surfaces as the connection's error; the promise itself needs no handler.
  const quiet = (p: Promise<void>): void => { p.catch(() => undefined); };
  switch (ack) {
    case 'auto': return () => undefined;
    case 'manual': return () => quiet(m.ack());
    case 'release': case 'reject': return () => quiet(m.nack());
  }
}

export function stompAdapter(url: string): ProtocolAdapter {
  return {
    protocol: 'stomp',
    validate() { /* every header name is acceptable to STOMP */ },
    send(address: string, messages: Observable<OutgoingMessage>, settle: SettleMode): Observable<SendOutcome> {
      return whileConnected(url, connect(url), (s) => messages.pipe(
        map((m) => ({ body: m.body, headers: stompHeaders(m) })),
        s.send(address, { receipt: settle === 'at-least-once' }),
        map((r): SendOutcome => ({ state: r.state === 'receipted' ? 'accepted' : 'sent' })),
      ));
    },
    receive(address: string, o: ReceiveOptions): Observable<ReceiveEvent> {
      // client-individual unless auto: messages prefetched past --count stay unacknowledged and
      // go back to the queue when we disconnect, instead of being lost.
      const ack = o.ack === 'auto' ? 'auto' : 'client-individual';
      const prefetch = o.fetch !== undefined ? o.fetch.count : o.credit;
      return whileConnected(url, connect(url), (s) => {
        let source = s.subscribe(address, { ack, prefetch });
        if (o.fetch !== undefined) source = source.pipe(take(o.fetch.count), takeUntil(timer(o.fetch.timeout)));
        return concat(
          of({ kind: 'ready' } as const),
          source.pipe(map((m): ReceiveEvent => ({ kind: 'message', item: { record: stompRecord(m, address), settle: settler(m, o.ack) } }))),
        );
      });
    },
  };
}
