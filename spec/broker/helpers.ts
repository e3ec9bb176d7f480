/**
 * Test support for the embedded broker: rhea clients (an independent AMQP 1.0 implementation)
 * with small promise helpers.
 */
import rhea from 'rhea';

export interface RheaClient {
  readonly container: rhea.Container;
  readonly connection: rhea.Connection;
  close(): Promise<void>;
}

/** Connect a rhea client; rejects on a connection error (bad credentials...). */
export function rheaConnect(port: number, opts: { username?: string; password?: string; maxFrameSize?: number } = {}): Promise<RheaClient> {
  const container = rhea.create_container({ id: `rhea-client-${Math.random().toString(36).slice(2, 8)}` });
  return new Promise((resolve, reject) => {
    const connection = container.connect({
      port, host: '127.0.0.1', username: opts.username, password: opts.password, reconnect: false,
      max_frame_size: opts.maxFrameSize,
    } as rhea.ConnectionOptions);
    connection.once('connection_open', () => resolve({
      container, connection,
      close: () => new Promise<void>((res) => {
        if (connection.is_closed()) return res();
        connection.once('connection_close', () => res());
        connection.once('disconnected', () => res());
        connection.close();
      }),
    }));
    connection.once('connection_error', (ctx: rhea.EventContext) => reject(new Error(`connection error: ${String(ctx.connection.error)}`)));
    connection.once('disconnected', (ctx: rhea.EventContext) => reject(ctx.error ?? new Error('disconnected')));
  });
}

/** Open a sender and wait until it has credit. */
export function rheaSender(c: RheaClient, target: string | rhea.SenderOptions): Promise<rhea.Sender> {
  return new Promise((resolve) => {
    const s = c.connection.open_sender(target as rhea.SenderOptions);
    if (s.sendable()) resolve(s);
    else s.once('sendable', () => resolve(s));
  });
}

/**
 * Send messages, waiting for credit as needed; resolves with each delivery's outcome kind ('sent'
 * for pre-settled). rhea's send() does not itself check credit (it only decrements credit when
 * the transfer is written), so each send yields once to let rhea write it before checking again.
 */
export async function rheaSendAll(s: rhea.Sender, messages: rhea.Message[]): Promise<string[]> {
  const waiting = new Map<unknown, (kind: string) => void>();
  const kinds = ['accepted', 'rejected', 'released', 'modified'] as const;
  const handlers = kinds.map((k) => {
    const h = (ctx: rhea.EventContext): void => { waiting.get(ctx.delivery)?.(k); };
    s.on(k, h);
    return [k, h] as const;
  });
  const outcomes: Promise<string>[] = [];
  try {
    for (const m of messages) {
      while (!s.sendable()) await new Promise<void>((r) => s.once('sendable', () => r()));
      const d = s.send(m);
      outcomes.push(d.remote_settled || (s as unknown as { snd_settle_mode: number }).snd_settle_mode === 1
        ? Promise.resolve('sent')
        : new Promise((resolve) => waiting.set(d, resolve)));
      await new Promise((r) => setImmediate(r));
    }
    return await Promise.all(outcomes);
  } finally {
    for (const [k, h] of handlers) s.removeListener(k, h);
  }
}

/** rhea keeps link credit on the link object without declaring it in its typings. */
export const creditOf = (l: rhea.Sender | rhea.Receiver): number => (l as unknown as { credit: number }).credit;

/** Wait until `cond` holds (polling), or fail after `ms`. */
export async function until(cond: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
