/** Bounds that keep a hostile or broken peer from growing our buffers without end. */
export interface StompLimits {
  /** Largest frame (command, headers and body) accepted, in bytes. Default 16 MiB. */
  readonly maxFrameSize: number;
  /** Most header lines accepted in one frame. Default 1000. */
  readonly maxHeaders: number;
  /** Longest header line accepted, in bytes. Default 64 KiB. */
  readonly maxHeaderLength: number;
}

/** The defaults. */
export const DEFAULT_LIMITS: StompLimits = {
  maxFrameSize: 16 * 1024 * 1024,
  maxHeaders: 1000,
  maxHeaderLength: 64 * 1024,
};
