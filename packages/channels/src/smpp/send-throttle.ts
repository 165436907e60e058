/**
 * The SMSC's submit rate, kept on our side: a token bucket that holds one token, refilled every
 * `1000 / tps` ms, shared by every send on the session. A bucket of one spaces submits evenly, so
 * no second-long window (however the SMSC aligns its count) sees more than `tps` of them.
 *
 * Waiting is one timer per caller: each caller books the next free slot and sleeps until it, so
 * nothing polls and callers go in arrival order. A slot less than a timer tick away is taken at
 * once (timers fire a millisecond late at best, which would cap a fast SMSC near 1,000 a second);
 * the slots stay booked, so the rate over any longer span is still `tps`.
 */
const TIMER_TICK_MS = 1;

export class SendThrottle {
  private readonly intervalMs: number;
  private readonly now: () => number;
  /** When the next submit may go, on the `now` clock. */
  private nextSlot = Number.NEGATIVE_INFINITY;

  constructor(options: { readonly tps: number; readonly now?: () => number }) {
    this.intervalMs = 1000 / options.tps;
    this.now = options.now ?? (() => performance.now());
  }

  /** Resolves at the caller's slot with true, or with false once `signal` aborts (the slot is lost). */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    const now = this.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    const wait = slot - now;
    if (wait < TIMER_TICK_MS) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, wait);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Holds every later submit back for `ms`, after the SMSC said we send too fast. */
  pause(ms: number): void {
    this.nextSlot = Math.max(this.nextSlot, this.now() + ms);
  }
}
