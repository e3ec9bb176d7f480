/** Received messages as application code sees them. */
import { headerOf, headerRecord, type StompFrame, type StompHeaderList } from '../codec/frame.js';

/** Options of ack() and nack(). */
export interface AckOptions {
  /** Acknowledge inside this transaction (its id, or the transaction object). */
  readonly transaction?: string | { readonly id: string };
  /** Wait for the broker's RECEIPT before resolving. */
  readonly receipt?: boolean;
}

/** One MESSAGE frame of a subscription. */
export interface StompMessage {
  /** Headers, first occurrence of each name (as the specification reads them). */
  readonly headers: Readonly<Record<string, string>>;
  /** Every header in wire order, repeats included. */
  readonly headerList: StompHeaderList;
  readonly body: Uint8Array;
  /** The body decoded as UTF-8 (or the content-type's charset when the platform knows it). */
  readonly text: string;
  readonly destination: string;
  readonly messageId: string;
  readonly subscription: string;
  /** ACK the message (client and client-individual modes). Resolves when written, or on the receipt. */
  ack(options?: AckOptions): Promise<void>;
  /** NACK the message (STOMP 1.1+). */
  nack(options?: AckOptions): Promise<void>;
}

/** Build a StompMessage from a MESSAGE frame and the connection's ack/nack functions. */
export function toMessage(
  f: StompFrame,
  subscription: string,
  settle: (kind: 'ACK' | 'NACK', f: StompFrame, options: AckOptions | undefined) => Promise<void>,
): StompMessage {
  let text: string | undefined;
  return {
    headers: headerRecord(f.headers),
    headerList: f.headers,
    body: f.body,
    get text() {
      if (text === undefined) text = decodeText(f.body, headerOf(f, 'content-type'));
      return text;
    },
    destination: headerOf(f, 'destination') ?? '',
    messageId: headerOf(f, 'message-id') ?? '',
    subscription,
    ack: (o) => settle('ACK', f, o),
    nack: (o) => settle('NACK', f, o),
  };
}

function decodeText(body: Uint8Array, contentType: string | undefined): string {
  const m = contentType === undefined ? null : /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  try {
    return new TextDecoder(m ? m[1] : 'utf-8').decode(body);
  } catch {
    return new TextDecoder().decode(body);
  }
}
