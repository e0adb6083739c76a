/**
 * What a run says while its data loads, where loading is slow enough to wonder about (a 100 MB
 * file takes ≈ 10 s before the first step): nothing in the first second, as for most files;
 * after it, each new phase as it starts and progress within a phase at most once a second. A
 * file known to be large (LARGE_FILE_BYTES) is announced from the start: its bytes arrive in
 * well under a second, and then parsing them is seconds of work no timer can interrupt.
 */

/** 16 MiB: ≈ 2 s from the file to the first step here. */
export const LARGE_FILE_BYTES = 16 * 1024 * 1024;

export class LoadNotices {
  private readonly started: number;
  private lastSaid = -Infinity;

  constructor(
    private readonly say: (message: string) => void,
    private readonly quietMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** Seconds since loading began. */
  get seconds(): number {
    return (this.now() - this.started) / 1000;
  }

  /** A phase begins (`phase`) or moves on: said past the quiet second, progress not within a second of the last. */
  note(message: string, phase = false): void {
    const t = this.now();
    if (t - this.started < this.quietMs) return;
    if (!phase && t - this.lastSaid < 1000) return;
    this.lastSaid = t;
    this.say(message);
  }

  /** Loading is over: said only where it took longer than the quiet second. */
  done(message: string): void {
    if (this.now() - this.started >= this.quietMs) this.say(message);
  }
}
