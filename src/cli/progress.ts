/**
 * The progress bar: drawn on stderr only when stderr is a terminal, and only once a run has
 * lasted a second (short runs stay quiet). The drawing itself is `renderProgress` in format.ts.
 */
import { renderProgress } from './format.js';

const DELAY_MS = 1000;
const EVERY_MS = 100;

export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private delay: ReturnType<typeof setTimeout> | undefined;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
    private readonly total: number | undefined,
  ) {
    if (stream.isTTY !== true) return;
    this.delay = setTimeout(() => {
      this.timer = setInterval(() => this.draw(), EVERY_MS);
      this.timer.unref();
      this.draw();
    }, DELAY_MS);
    this.delay.unref();
  }

  /** Set the number of messages done so far. */
  update(done: number): void { this.done = done; }

  /** Stop drawing and clear the line, so that what follows starts clean. */
  stop(): void {
    if (this.delay !== undefined) clearTimeout(this.delay);
    if (this.timer !== undefined) clearInterval(this.timer);
    this.delay = this.timer = undefined;
    if (this.drawn) this.stream.write('\r\u001b[2K');
    this.drawn = false;
  }

  private draw(): void {
    const width = this.stream.columns > 0 ? this.stream.columns : 80;
    const line = renderProgress({ label: this.label, done: this.done, total: this.total, elapsedMs: Date.now() - this.started, width });
    this.stream.write(`\r\u001b[2K${line}`);
    this.drawn = true;
  }
}
