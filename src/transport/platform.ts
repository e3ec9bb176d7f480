/**
 * The platform's defaults for what the protocol layers cannot do portably: open a byte pipe, and
 * allocate arrays that are filled before they are read. The package's entry points install them
 * (`rx-mq/amqp` and `rx-mq/stomp` install Node's under Node and the browser's under the `browser`
 * export condition), so that the Rx layers import neither `node:net` nor `ws` and a browser
 * bundle contains neither. A `transport` given to `connect()` always wins over the default.
 */
import { TransportError, type OpenOptions, type Transport, type TransportFactory, type TransportHandlers, type TransportTarget } from './types.js';

/** What an entry point installs. */
export interface Platform {
  /** The transport used when `connect()` is given none. */
  readonly openTransport: TransportFactory;
  /** `size` bytes that need not be zeroed (they are filled completely before being read). */
  readonly allocate?: (size: number) => Uint8Array;
}

let installed: Platform | undefined;

/** Install the platform defaults (called once by each entry point; the last call wins). */
export function installPlatform(p: Platform): void {
  installed = p;
}

/** Open `target` with `factory`, else with the installed platform's transport. */
export function openTransportWith(
  factory: TransportFactory | undefined, target: TransportTarget, handlers: TransportHandlers, options: OpenOptions,
): Promise<Transport> {
  const open = factory ?? installed?.openTransport;
  if (open === undefined) {
    return Promise.reject(new TransportError('no transport: import rx-mq/amqp or rx-mq/stomp, or pass connect({ transport })'));
  }
  try {
    return open(target, handlers, options);
  } catch (e) {
    // A factory that throws instead of rejecting still fails the connection, not the caller.
    return Promise.reject(e instanceof TransportError ? e : new TransportError(`transport failed: ${(e as Error).message}`, undefined, { cause: e }));
  }
}

/** The installed allocator, else plain (zeroed) arrays. */
export function allocateBytes(size: number): Uint8Array {
  return installed?.allocate?.(size) ?? new Uint8Array(size);
}
