/**
 * Heart-beat negotiation (STOMP 1.1+). The client offers `cx,cy` (it can send every cx ms, it
 * wants to receive every cy ms), the server answers `sx,sy`. Each direction is on when both
 * sides give a non-zero value, at the larger of the two.
 */

/** Negotiated intervals in milliseconds; 0 means off. */
export interface HeartbeatIntervals {
  /** We must send something at least this often. */
  readonly send: number;
  /** The peer promised to send something at least this often. */
  readonly receive: number;
}

/** Parse a heart-beat header "x,y"; undefined when it is malformed. */
export function parseHeartbeat(value: string | undefined): readonly [number, number] | undefined {
  if (value === undefined) return [0, 0];
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Combine our offer with the server's answer. */
export function negotiateHeartbeat(ours: readonly [number, number], theirs: readonly [number, number]): HeartbeatIntervals {
  const [cx, cy] = ours;
  const [sx, sy] = theirs;
  return {
    send: cx === 0 || sy === 0 ? 0 : Math.max(cx, sy),
    receive: sx === 0 || cy === 0 ? 0 : Math.max(sx, cy),
  };
}
