/**
 * What a sans-IO protocol engine offers the one driver that runs it over a byte pipe
 * (src/transport/driver.ts). Implemented by both ends of both protocols: the AMQP client and
 * server connections and the STOMP client and server engines. An engine is a state machine:
 * bytes and time go in, events and bytes come out; it never touches a socket, a timer or RxJS,
 * so every rule it keeps is testable with byte vectors and a number for the clock.
 *
 * `E` is what one call hands back: the protocol's list of events. The driver does not look into
 * it; it passes it on to the protocol layer that owns the connection.
 */
export interface DrivenEngine<E> {
  /** Bytes from the peer, at time `now` (ms); returns what happened. */
  receive(bytes: Uint8Array, now: number): E;
  /**
   * Let time pass: heart-beats that are due are queued, a peer silent for too long fails the
   * connection. Returns what happened. Calling it early is harmless (nothing is due yet).
   */
  tick(now: number): E;
  /** When `tick` next has something to do (ms, same clock as `now`), or undefined: never. */
  nextDeadline(): number | undefined;
  /**
   * The bytes queued since the last call, to write in this order, or nothing (an empty array, an
   * empty list or undefined). Several arrays are written as one gathered write on a stream.
   * `messages` says the transport carries messages rather than a stream (WebSocket): then each
   * array becomes one message, and the engine decides where its protocol wants the boundaries
   * (STOMP: one frame per message; AMQP: one message per call).
   */
  takeWrites(now: number, messages: boolean): Uint8Array | readonly Uint8Array[] | undefined;
  /**
   * Where the transport had best put the bytes it reads next (see TransportHandlers.nextRead);
   * optional, for engines that can take a large payload straight into its final array.
   */
  nextRead?(): Uint8Array | number | undefined;
}
