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
  /**
   * The body parsed as JSON (what `send({ body: object })` writes). The type parameter is the
   * caller's claim, not a check. Throws a SyntaxError when the body is not JSON.
   */
  json<T = unknown>(): T;
  readonly destination: string;
  readonly messageId: string;
  readonly subscription: string;
  /** ACK the message (client and client-individual modes). Resolves when written, or on the receipt. */
  ack(options?: AckOptions): Promise<void>;
  /** NACK the message (STOMP 1.1+). */
  nack(options?: AckOptions): Promise<void>;
}

type Settle = (kind: 'ACK' | 'NACK', f: StompFrame, options: AckOptions | undefined) => Promise<void>;

/**
 * A received MESSAGE. Everything but the body and the subscription is derived from the frame on
 * first use, so a subscriber that only reads the body pays for nothing else.
 */
class ReceivedMessage implements StompMessage {
  readonly headerList: StompHeaderList;
  readonly body: Uint8Array;
  private record: Readonly<Record<string, string>> | undefined;
  private decoded: string | undefined;

  constructor(private readonly frame: StompFrame, readonly subscription: string, private readonly settle: Settle) {
    this.headerList = frame.headers;
    this.body = frame.body;
  }

  get headers(): Readonly<Record<string, string>> {
    if (this.record === undefined) this.record = headerRecord(this.frame.headers);
    return this.record;
  }

  get text(): string {
    if (this.decoded === undefined) this.decoded = decodeText(this.body, headerOf(this.frame, 'content-type'));
    return this.decoded;
  }

  json<T = unknown>(): T {
    return JSON.parse(this.text) as T;
  }

  get destination(): string { return headerOf(this.frame, 'destination') ?? ''; }
  get messageId(): string { return headerOf(this.frame, 'message-id') ?? ''; }

  // Getters returning bound functions: `const { ack } = message` keeps working, and a message
  // whose ack is never touched allocates no closure.
  get ack(): (options?: AckOptions) => Promise<void> { return (o) => this.settle('ACK', this.frame, o); }
  get nack(): (options?: AckOptions) => Promise<void> { return (o) => this.settle('NACK', this.frame, o); }
}

/** Build a StompMessage from a MESSAGE frame and the connection's ack/nack functions. */
export function toMessage(f: StompFrame, subscription: string, settle: Settle): StompMessage {
  return new ReceivedMessage(f, subscription, settle);
}

const decoders = new Map<string, TextDecoder>();

function decoderFor(charset: string): TextDecoder {
  let d = decoders.get(charset);
  if (d === undefined) {
    d = new TextDecoder(charset);
    if (decoders.size < 16) decoders.set(charset, d);
  }
  return d;
}

function decodeText(body: Uint8Array, contentType: string | undefined): string {
  const m = contentType === undefined ? null : /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  try {
    return decoderFor(m ? m[1].toLowerCase() : 'utf-8').decode(body);
  } catch {
    return decoderFor('utf-8').decode(body);
  }
}
