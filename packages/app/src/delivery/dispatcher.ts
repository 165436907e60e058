import {
  type ChannelAdapter,
  type ClaimedMessage,
  type DeliveryMessage,
  type DeliveryReport,
  deliveryKey,
  parseStoredContent,
  type SendOutcome,
  type SendResult,
  type Store,
  type StoredReceipt,
  StoreError,
  type StoreErrorReason,
  withUnsubscribeUrl,
} from '@opencvm/core';

/**
 * The dispatcher: sends due outbox messages through each channel's adapter.
 *
 * - Per channel, a loop claims the best due messages under a lease, sends them with at most
 *   `concurrency` in flight and at most `ratePerSecond` started per second, and writes their
 *   outcomes in batches.
 * - Exactly once over a crash: a message is `sending` (claimed) in the store before its first
 *   byte leaves, and its outcome is written after the gateway answers. A dispatcher killed in
 *   between leaves it `sending`; when the lease ends (at once on a restart of the embedded store,
 *   where no other dispatcher can exist) it is sent again with the same idempotency key, which
 *   the adapter puts on the wire so the gateway recognises the repeat.
 * - Temporary failures are retried with exponential backoff (or the gateway's Retry-After) up to
 *   `maxAttempts`; permanent ones and exhausted retries end `failed` or `bounced`: the dead letters.
 * - Gateways' receipts and opt-outs ("STOP") are written as they come: receipts in batches,
 *   opt-outs at once (they withdraw consent and cancel the customer's pending messages).
 */

export interface ChannelRoute {
  /** The campaign channel routed: `sms`, `email`, `push`, `webhook`. */
  readonly channel: string;
  readonly adapter: ChannelAdapter;
  readonly ratePerSecond: number;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly sendTimeoutMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}

export interface DispatcherDeps {
  readonly store: Store;
  readonly routes: readonly ChannelRoute[];
  readonly clock: () => Date;
  /** In [0, 1): spreads retries so a gateway's recovery is not met by every retry at once. */
  readonly random: () => number;
  /** This dispatcher's name in claims; unique per process. */
  readonly claimant: string;
  /** The signed unsubscribe link for a marketing message, when the server's address is known. */
  readonly unsubscribeUrl?: ((message: ClaimedMessage) => string | undefined) | undefined;
  readonly log?: ((line: string) => void) | undefined;
  /** Longest wait between looks at the outbox when nothing is due (new runs also wake it). */
  readonly idlePollMs?: number | undefined;
  /** Outcomes are written at least this often. */
  readonly flushMs?: number | undefined;
}

export interface DispatchTotals {
  readonly sent: number;
  readonly retried: number;
  readonly failed: number;
  readonly bounced: number;
  /**
   * Messages a stopped dispatcher had claimed without recording an outcome, sent again with the
   * same key (some may never have left; the receiver recognises those that did).
   */
  readonly inDoubt: number;
  readonly receipts: number;
  readonly optOuts: number;
}

export interface Dispatcher {
  /** Connects the adapters and starts sending; resolves once every adapter has started. */
  start(): Promise<void>;
  /** Looks at the outbox now rather than at the next poll (after a run queued messages). */
  wake(): void;
  /**
   * Sends until nothing is due within `withinMs` (messages due later are left: retries far off,
   * next week's sends), then resolves; `start` first.
   */
  drain(options?: { readonly withinMs?: number | undefined }): Promise<DispatchTotals>;
  totals(): DispatchTotals;
  /** Stops claiming, waits for sends in flight, writes their outcomes and closes the adapters. */
  stop(): Promise<void>;
}

const OPT_OUT_PURPOSE = 'marketing';

/**
 * Store failures that pass if the claim is simply made again: the embedded engine refuses one of
 * two transactions that touch the same rows at once (two channels' claims, an outcome write), and
 * PostgreSQL aborts one side of a serialization failure. Anything else stops the channel.
 */
const TRANSIENT_STORE_ERRORS: ReadonlySet<StoreErrorReason> = new Set(['conflict', 'retryable']);
const CLAIM_ATTEMPTS = 8;
const CLAIM_RETRY_MS = 20;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Starts at most `perSecond` a second, smoothly: each start books the next free slot. */
class RateLimiter {
  private next = 0;
  constructor(private readonly perSecond: number) {}

  async take(): Promise<void> {
    const now = performance.now();
    const slot = Math.max(now, this.next);
    this.next = slot + 1000 / this.perSecond;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }
}

/** The retry delay after `attempt` failed: exponential, half of it random. */
export const retryDelay = (options: {
  readonly attempt: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly random: number;
}): number => {
  const full = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, options.attempt - 1));
  return Math.round(full / 2 + (full / 2) * options.random);
};

export const createDispatcher = (deps: DispatcherDeps): Dispatcher => {
  const { store, clock } = deps;
  const log = deps.log ?? (() => undefined);
  const idlePollMs = deps.idlePollMs ?? 5_000;
  const flushMs = deps.flushMs ?? 100;
  const stopping = new AbortController();
  let wakeUp = new AbortController();
  const totals = { sent: 0, retried: 0, failed: 0, bounced: 0, inDoubt: 0, receipts: 0, optOuts: 0 };
  const outcomes: SendOutcome[] = [];
  const receipts: StoredReceipt[] = [];
  const reportWrites = new Set<Promise<void>>();
  let loops: Promise<void>[] = [];
  let flusher: Promise<void> | null = null;
  /** While draining: how far ahead a due message is still waited for; null when not draining. */
  let drainWithinMs: number | null = null;
  let failure: unknown = null;

  const writeBuffered = async () => {
    if (outcomes.length > 0) {
      const batch = outcomes.splice(0, outcomes.length);
      await store.delivery.recordOutcomes(deps.claimant, batch);
    }
    if (receipts.length > 0) {
      const batch = receipts.splice(0, receipts.length);
      await store.delivery.recordReceipts(batch);
    }
  };
  /**
   * One write at a time, in order: a caller returns only once everything buffered before its
   * call is written, whichever caller's write took it.
   */
  let writing: Promise<void> = Promise.resolve();
  let writeQueued = false;
  const flush = (): Promise<void> => {
    const next = writing.catch(() => undefined).then(writeBuffered);
    writing = next;
    return next;
  };
  /**
   * Group commit: an outcome is written as soon as the write before it ends, together with every
   * outcome that came meanwhile. The time a sent message is not yet recorded as sent (and would
   * be sent again after a crash) stays about one write long, however busy the channel.
   */
  const writeSoon = () => {
    if (writeQueued) return;
    writeQueued = true;
    void writing
      .catch(() => undefined)
      .then(() => {
        writeQueued = false;
        return flushLogged();
      });
  };

  const flushLogged = async () => {
    try {
      await flush();
    } catch (error) {
      // Outcomes not written stay `sending`; their lease ends and they are sent again, with the
      // same key. Better than dropping them: log and go on.
      log(`delivery outcomes not written: ${String(error)}`);
    }
  };

  const onReport = (channel: string) => (report: DeliveryReport) => {
    if (report.type === 'receipt') {
      totals.receipts += 1;
      receipts.push({
        channel,
        providerId: report.providerId,
        status: report.status,
        reason: report.reason ?? null,
        at: report.at,
      });
      return;
    }
    totals.optOuts += 1;
    const write = store.delivery
      .changeConsent(
        { channel: report.channel, contactPoint: report.recipient },
        {
          channel: report.channel,
          purpose: OPT_OUT_PURPOSE,
          consent: false,
          source: `${report.channel}_stop`,
          detail: report.text.slice(0, 160),
          at: report.at,
        },
      )
      .then(
        (result) =>
          log(
            `opt-out on ${report.channel}: ${result.customers} customer(s), ${result.cancelled} pending message(s) cancelled`,
          ),
        (error: unknown) => log(`opt-out on ${report.channel} not recorded: ${String(error)}`),
      )
      .finally(() => reportWrites.delete(write));
    reportWrites.add(write);
  };

  const outcomeOf = (route: ChannelRoute, message: ClaimedMessage, result: SendResult): SendOutcome => {
    const at = clock();
    const base = {
      runId: message.runId,
      customerId: message.customerId,
      step: message.step,
      at,
    };
    if (result.type === 'sent') {
      totals.sent += 1;
      return { ...base, status: 'sent', providerId: result.providerId, reason: null, nextAttemptAt: null };
    }
    if (result.type === 'failed') {
      if (result.bounced === true) totals.bounced += 1;
      else totals.failed += 1;
      return {
        ...base,
        status: result.bounced === true ? 'bounced' : 'failed',
        providerId: null,
        reason: result.reason,
        nextAttemptAt: null,
      };
    }
    if (message.attempt >= route.maxAttempts) {
      totals.failed += 1;
      return {
        ...base,
        status: 'failed',
        providerId: null,
        reason: `gave up after ${message.attempt} attempts: ${result.reason}`,
        nextAttemptAt: null,
      };
    }
    totals.retried += 1;
    const delay =
      result.retryAfterMs ??
      retryDelay({
        attempt: message.attempt,
        baseMs: route.retryBaseMs,
        maxMs: route.retryMaxMs,
        random: deps.random(),
      });
    return {
      ...base,
      status: 'retry',
      providerId: null,
      reason: result.reason,
      nextAttemptAt: new Date(at.getTime() + delay),
    };
  };

  const sendOne = async (route: ChannelRoute, message: ClaimedMessage): Promise<SendResult> => {
    const stored = parseStoredContent(message.content);
    if (stored === null) return { type: 'failed', reason: 'the stored content is not a rendered message' };
    const unsubscribeUrl = message.purpose === 'marketing' ? deps.unsubscribeUrl?.(message) : undefined;
    const content = withUnsubscribeUrl(stored, unsubscribeUrl);
    const delivery: DeliveryMessage = {
      key: deliveryKey(message),
      runId: message.runId,
      campaignId: message.campaignId,
      customerId: message.customerId,
      step: message.step,
      channel: message.channel,
      purpose: message.purpose,
      recipient: message.recipient,
      content,
      attempt: message.attempt,
      ...(unsubscribeUrl === undefined ? {} : { unsubscribeUrl }),
    };
    try {
      return await route.adapter.send(delivery, AbortSignal.timeout(route.sendTimeoutMs));
    } catch (error) {
      // An adapter must answer, not throw; if one does, the message is tried again later.
      return {
        type: 'retry',
        reason: `adapter error: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  };

  const claimDue = async (options: Parameters<Store['delivery']['claimDue']>[0]) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await store.delivery.claimDue(options);
      } catch (error) {
        const transient = error instanceof StoreError && TRANSIENT_STORE_ERRORS.has(error.reason);
        if (!transient || attempt >= CLAIM_ATTEMPTS || stopping.signal.aborted) throw error;
        // Spread out, so two channels that collided do not collide again at once.
        await sleep(CLAIM_RETRY_MS * attempt * (0.5 + deps.random()), stopping.signal);
      }
    }
  };

  const channelLoop = async (route: ChannelRoute) => {
    const limiter = new RateLimiter(route.ratePerSecond);
    const inFlight = new Set<Promise<void>>();
    // A claim is what the channel can start in about a quarter of a second: leases stay short,
    // and few claimed messages are left unstarted (to be sent later, flagged in doubt) by a crash.
    const claimSize = Math.max(route.concurrency, Math.min(1000, Math.ceil(route.ratePerSecond / 4)));
    while (!stopping.signal.aborted) {
      const now = clock();
      const leaseMs = Math.ceil((claimSize / route.ratePerSecond) * 1000) + 2 * route.sendTimeoutMs;
      const claimed = await claimDue({
        channel: route.channel,
        now,
        limit: claimSize,
        claimant: deps.claimant,
        leaseUntil: new Date(now.getTime() + leaseMs),
      });
      if (claimed.length === 0) {
        await Promise.all(inFlight);
        // Written now, so the rows just sent no longer count as due when their lease ends.
        await flushLogged();
        const next = await store.delivery.nextDue([route.channel]);
        const untilNext = next === null ? null : next.getTime() - clock().getTime();
        if (drainWithinMs !== null && (untilNext === null || untilNext > drainWithinMs)) return;
        const wait = untilNext === null ? idlePollMs : Math.min(idlePollMs, Math.max(10, untilNext));
        await sleep(wait, AbortSignal.any([stopping.signal, wakeUp.signal]));
        continue;
      }
      for (const message of claimed) {
        if (message.inDoubt) totals.inDoubt += 1;
        // Claimed but not started when stopping: the lease ends and a later dispatcher sends them.
        if (stopping.signal.aborted) break;
        while (inFlight.size >= route.concurrency) await Promise.race(inFlight);
        await limiter.take();
        const send: Promise<void> = sendOne(route, message).then((result) => {
          outcomes.push(outcomeOf(route, message, result));
          inFlight.delete(send);
          writeSoon();
        });
        inFlight.add(send);
      }
    }
    await Promise.all(inFlight);
  };

  const flushLoop = async () => {
    while (!stopping.signal.aborted) {
      await sleep(flushMs, stopping.signal);
      await flushLogged();
    }
  };

  const startLoops = () => {
    loops = deps.routes.map((route) =>
      channelLoop(route).catch((error: unknown) => {
        failure = error;
        log(`dispatch on ${route.channel} stopped: ${String(error)}`);
      }),
    );
  };

  return {
    async start() {
      if (store.engine === 'duckdb') {
        // One process holds the embedded store: whatever is `sending` was left by a crash.
        const expired = await store.delivery.expireClaims(clock());
        if (expired > 0)
          log(`${expired} message(s) were being sent when the dispatcher last stopped: sending them again`);
      }
      await Promise.all(deps.routes.map((route) => route.adapter.start(onReport(route.channel))));
      flusher = flushLoop();
      startLoops();
    },
    wake() {
      const current = wakeUp;
      wakeUp = new AbortController();
      current.abort();
    },
    async drain(options) {
      drainWithinMs = options?.withinMs ?? 0;
      this.wake();
      await Promise.all(loops);
      drainWithinMs = null;
      await flush();
      if (failure !== null) throw failure;
      if (!stopping.signal.aborted) startLoops();
      return { ...totals };
    },
    totals: () => ({ ...totals }),
    async stop() {
      stopping.abort();
      await Promise.all(loops);
      await flusher;
      await Promise.all(reportWrites);
      await flush();
      await Promise.all(deps.routes.map((route) => route.adapter.close()));
    },
  };
};
