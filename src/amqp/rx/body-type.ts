/**
 * The body type a caller names on `receive<B>()`, `fetch<B>()` and `request<Req, Res>()` is a
 * claim about what the producer sends, which nothing checks at run time (like the type given to
 * `JSON.parse`'s result): the messages are the same objects whatever `B` is. These overloads are
 * the one place that restates a stream of messages with that claim.
 */
import type { Observable } from 'rxjs';
import type { InboundMessage } from './message.js';
import type { ReceivedMessage } from './receiver.js';

export function bodyAs<B>(messages: Observable<ReceivedMessage>): Observable<ReceivedMessage<B>>;
export function bodyAs<B>(messages: Observable<InboundMessage>): Observable<InboundMessage<B>>;
export function bodyAs(messages: Observable<unknown>): Observable<unknown> {
  return messages;
}
