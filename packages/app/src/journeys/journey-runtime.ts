import { randomUUID } from 'node:crypto';
import {
  ContactPolicy,
  eventRuleFields,
  type Journey,
  type JourneyEntryRecord,
  type NormalizedRow,
  type Offer,
  type PendingTrigger,
  rowMatcher,
  type SavedSegment,
  type Store,
  todayIn,
  type UcgSettings,
  type WorkspaceSchema,
  zonedWallTimeToInstant,
} from '@opencvm/core';
import { type BatchOutcome, type JourneyWork, type LoadedJourney, runJourneyBatch } from './journey-batch.ts';

/**
 * Journeys at work: events are evaluated as they are accepted (`accept`, called by every way in
 * after the events are stored), timers and triggers as they fall due (`tick`), and what no event
 * announces — segment membership, dates — by a sweep at least hourly (`sweep`). State and timers
 * live in the store; a process that stops (even killed) loses nothing: a claimed timer whose
 * change was not written is claimed again when its lease ends, and a change is written only over
 * the state it was decided on, so nothing is done twice. Several processes may run it over one
 * PostgreSQL: claims keep them apart.
 */

export interface JourneyRuntimeDeps {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly clock: () => Date;
  readonly randomId: () => string;
  readonly policy?: (() => Promise<ContactPolicy>) | undefined;
  /** Entries or triggers claimed and decided at a time (a tick's first batch). */
  readonly batchSize?: number | undefined;
  /**
   * The most a tick claims at a time: while a full batch comes back, each next one is twice as
   * big, up to this (a batch's statements cost less a row the more rows they carry).
   */
  readonly largestBatch?: number | undefined;
  /** How long a claim holds before another process may take the work over. */
  readonly leaseMs?: number | undefined;
  /** Who claims (a process); random when absent. */
  readonly claimant?: string | undefined;
}

/** How long what every batch reads (journeys, offers, segments, policy, UCG) is reused. */
const CACHE_MS = 2_000;
const DAY_MS = 86_400_000;

interface Cached {
  readonly at: number;
  readonly running: readonly LoadedJourney[];
  readonly offers: readonly Offer[];
  readonly segments: ReadonlyMap<string, SavedSegment>;
  readonly policy: ContactPolicy;
  readonly ucg: UcgSettings | null;
}

const EMPTY_POLICY: ContactPolicy = ContactPolicy.parse({});

/** Rounds in which each customer appears at most once: one event per entry per decision. */
const rounds = (events: readonly NormalizedRow[]): NormalizedRow[][] => {
  const sorted = [...events].sort((a, b) => String(a.ts).localeCompare(String(b.ts)));
  const result: NormalizedRow[][] = [];
  const depth = new Map<string, number>();
  for (const event of sorted) {
    const id = String(event.customer_id);
    const round = depth.get(id) ?? 0;
    depth.set(id, round + 1);
    const list = result[round] ?? [];
    list.push(event);
    result[round] = list;
  }
  return result;
};

export const journeyRuntime = (deps: JourneyRuntimeDeps) => {
  const { store, schema } = deps;
  const batchSize = deps.batchSize ?? 1_000;
  const largestBatch = Math.max(batchSize, deps.largestBatch ?? 16_000);
  const leaseMs = deps.leaseMs ?? 60_000;
  // Its own id, not one of `randomId`'s: those are the workspace's draws (salts, entries).
  const claimant = deps.claimant ?? `journeys-${randomUUID()}`;
  const timezone = schema.workspace.timezone;
  let cached: Cached | null = null;
  const versions = new Map<string, Promise<Journey | null>>();

  const load = async (): Promise<Cached> => {
    const now = deps.clock().getTime();
    if (cached !== null && now - cached.at < CACHE_MS) return cached;
    const [stored, offers, segments, policy, ucg] = await Promise.all([
      store.journeys.listJourneys(),
      store.campaigns.listOffers(),
      store.segments.listSegments(),
      deps.policy === undefined ? Promise.resolve(EMPTY_POLICY) : deps.policy(),
      store.campaigns.getUcgSettings(),
    ]);
    cached = {
      at: now,
      running: stored
        .filter((entry) => entry.journey.status === 'running')
        .map((entry) => ({ journey: entry.journey, version: entry.version })),
      offers: offers.map((entry) => entry.offer),
      segments: new Map(segments.map((segment) => [segment.id, segment])),
      policy,
      ucg,
    };
    return cached;
  };

  const versionOf = async (journeyId: string, version: number): Promise<LoadedJourney | null> => {
    const key = `${journeyId}@${version}`;
    let found = versions.get(key);
    if (found === undefined) {
      found = store.journeys.getJourneyVersion(journeyId, version);
      versions.set(key, found);
    }
    const journey = await found;
    return journey === null ? null : { journey, version };
  };

  const listeners = new Set<(outcome: BatchOutcome) => void>();
  /** `active`: the active entries of the work's customers, when just read. */
  const decide = async (
    work: readonly JourneyWork[],
    active?: readonly JourneyEntryRecord[],
  ): Promise<BatchOutcome> => {
    if (work.length === 0) return { entered: 0, moved: 0, messages: 0, conflicts: [] };
    const context = await load();
    const outcome = await runJourneyBatch(
      {
        store,
        schema,
        now: deps.clock(),
        randomId: deps.randomId,
        policy: context.policy,
        ucg: context.ucg,
        offers: context.offers,
        segments: context.segments,
        active,
      },
      work,
    );
    for (const listener of listeners) listener(outcome);
    return outcome;
  };

  /** Calls `listener` with every batch written (the dispatcher wakes for the messages it queued). */
  const onBatch = (listener: (outcome: BatchOutcome) => void): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };

  const matchers = new WeakMap<Journey, (row: NormalizedRow) => boolean>();
  /** When the journey was (last) started: events from before it never start an entry. */
  const startedAtOf = (journey: Journey): number => {
    const start = journey.history.findLast((step) => step.action === 'start');
    return start === undefined ? Number.POSITIVE_INFINITY : Date.parse(start.at);
  };
  const entryMatches = (journey: Journey, event: NormalizedRow, now: Date): boolean => {
    const entry = journey.entry;
    if (entry.type !== 'event' || entry.eventType !== event.type) return false;
    // A file of last year's history, loaded today, does not put anyone on today's journeys.
    if (Date.parse(String(event.ts)) < startedAtOf(journey)) return false;
    let test = matchers.get(journey);
    if (test === undefined) {
      const fields = eventRuleFields(schema, entry.eventType);
      test = fields === undefined ? () => false : rowMatcher(entry.where ?? [], fields, { now, timezone });
      matchers.set(journey, test);
    }
    return test(event);
  };

  const add = (total: BatchOutcome, more: BatchOutcome): BatchOutcome => ({
    entered: total.entered + more.entered,
    moved: total.moved + more.moved,
    messages: total.messages + more.messages,
    conflicts: [...total.conflicts, ...more.conflicts],
  });

  /** Events just stored: entries they start, entries waiting for them, goals they reach, timers they re-arm. */
  const accept = async (events: readonly NormalizedRow[]): Promise<BatchOutcome> => {
    let total: BatchOutcome = { entered: 0, moved: 0, messages: 0, conflicts: [] };
    if (events.length === 0) return total;
    const { running } = await load();
    const now = deps.clock();
    const inactivity: PendingTrigger[] = [];
    for (const round of rounds(events)) {
      const work: JourneyWork[] = [];
      const customers = [...new Set(round.map((event) => String(event.customer_id)))];
      const eventOf = new Map(round.map((event) => [String(event.customer_id), event]));
      for (const event of round) {
        for (const loaded of running) {
          const { journey } = loaded;
          if (entryMatches(journey, event, now)) {
            work.push({
              kind: 'enter',
              journey: loaded,
              customerId: String(event.customer_id),
              key: `event:${String(event.id)}`,
              at: now,
            });
          } else if (journey.entry.type === 'inactivity' && journey.entry.eventType === event.type) {
            const due = Date.parse(String(event.ts)) + journey.entry.days * DAY_MS;
            if (due > now.getTime()) {
              inactivity.push({
                journeyId: journey.id,
                customerId: String(event.customer_id),
                key: `inactive:${String(event.ts)}`,
                dueAt: new Date(due).toISOString(),
              });
            }
          }
        }
      }
      for (const loaded of running) {
        const entry = loaded.journey.entry;
        if (entry.type !== 'segment') continue;
        const { segments } = await load();
        const rule = segments.get(entry.segment)?.rule;
        if (rule === undefined) continue;
        const changes = await store.journeys.segmentChanges({
          journeyId: loaded.journey.id,
          query: { rule, clock: { now, timezone }, segmentRule: (id) => segments.get(id)?.rule },
          customerIds: customers,
          seed: false,
        });
        for (const customerId of entry.on === 'entry' ? changes.entered : changes.exited) {
          work.push({
            kind: 'enter',
            journey: loaded,
            customerId,
            key: `segment:${entry.on}:${now.toISOString()}`,
            at: now,
          });
        }
      }
      const active = await store.journeys.activeEntries(customers);
      for (const entry of active) {
        const event = eventOf.get(entry.customerId);
        if (event === undefined || entry.status !== 'active') continue;
        const loaded = await versionOf(entry.journeyId, entry.version);
        if (loaded === null) continue;
        work.push({ kind: 'advance', journey: loaded, entry, input: { type: 'event', event } });
      }
      total = add(total, await decide(work, active));
    }
    if (inactivity.length > 0) await store.journeys.schedule(inactivity, { replace: true });
    return total;
  };

  /** Due entries and triggers claimed for this process, `limit` of each at most. */
  const claim = async (
    limit: number,
    lease: number,
  ): Promise<{
    readonly now: Date;
    readonly limit: number;
    readonly due: readonly JourneyEntryRecord[];
    readonly triggers: readonly PendingTrigger[];
  }> => {
    const now = deps.clock();
    const leaseUntil = new Date(now.getTime() + lease);
    const due = await store.journeys.claimDue({ now, limit, claimant, leaseUntil });
    const triggers = await store.journeys.claimDueTriggers({ now, limit, claimant, leaseUntil });
    return { now, limit, due, triggers };
  };

  /**
   * Timers and triggers due now, a batch at a time until none is left. While a batch is decided
   * and written, the next one is claimed (claims are leases: one this process does not get to
   * write is taken over when it ends).
   */
  const tick = async (options: { readonly leaseMs?: number | undefined } = {}): Promise<BatchOutcome> => {
    const lease = options.leaseMs ?? leaseMs;
    let total: BatchOutcome = { entered: 0, moved: 0, messages: 0, conflicts: [] };
    let next: ReturnType<typeof claim> | null = claim(batchSize, lease);
    while (next !== null) {
      const claimed: Awaited<ReturnType<typeof claim>> = await next;
      const { now, limit, due, triggers } = claimed;
      next =
        due.length < limit && triggers.length < limit
          ? null
          : claim(Math.min(largestBatch, limit * 2), lease);
      // Should this batch fail, the claim under way ends unread: its leases run out.
      next?.catch(() => undefined);
      const work: JourneyWork[] = [];
      for (const entry of due) {
        const loaded = await versionOf(entry.journeyId, entry.version);
        if (loaded !== null) work.push({ kind: 'advance', journey: loaded, entry, input: { type: 'timer' } });
      }
      const { running } = await load();
      const byId = new Map(running.map((loaded) => [loaded.journey.id, loaded]));
      const orphans: { journeyId: string; customerId: string; key: string }[] = [];
      for (const trigger of triggers) {
        const loaded = byId.get(trigger.journeyId);
        if (loaded === undefined) orphans.push(trigger);
        else
          work.push({
            kind: 'enter',
            journey: loaded,
            customerId: trigger.customerId,
            key: trigger.key,
            at: now,
            trigger: true,
          });
      }
      if (orphans.length > 0) {
        await store.journeys.apply({
          at: now,
          entries: [],
          updates: [],
          steps: [],
          messages: [],
          withdraw: [],
          firedTriggers: orphans,
        });
      }
      if (work.length > 0) total = add(total, await decide(work));
    }
    return total;
  };

  /** Date triggers of today and tomorrow (each customer's local time), and segment membership. */
  const sweep = async (only?: string): Promise<BatchOutcome> => {
    const { running, segments } = await load();
    const now = deps.clock();
    const today = todayIn({ now, timezone });
    const tomorrow = todayIn({ now: new Date(now.getTime() + DAY_MS), timezone });
    let total: BatchOutcome = { entered: 0, moved: 0, messages: 0, conflicts: [] };
    for (const loaded of running) {
      const { journey } = loaded;
      if (only !== undefined && journey.id !== only) continue;
      const entry = journey.entry;
      if (entry.type === 'date') {
        const matches = await store.journeys.dateMatches({
          attribute: entry.attribute,
          offsetDays: entry.offsetDays,
          yearly: entry.yearly,
          days: [today, tomorrow],
        });
        const [hours, minutes] = entry.at.split(':').map(Number) as [number, number];
        const triggers = matches.map((match): PendingTrigger => {
          const wall = Date.parse(`${match.day}T00:00:00Z`) + (hours * 60 + minutes) * 60_000;
          const due = zonedWallTimeToInstant(wall, match.timezone ?? timezone);
          return {
            journeyId: journey.id,
            customerId: match.customerId,
            key: `date:${match.day}`,
            dueAt: new Date(due).toISOString(),
          };
        });
        if (triggers.length > 0) await store.journeys.schedule(triggers, { replace: false });
      } else if (entry.type === 'segment') {
        const rule = segments.get(entry.segment)?.rule;
        if (rule === undefined) continue;
        const changes = await store.journeys.segmentChanges({
          journeyId: journey.id,
          query: { rule, clock: { now, timezone }, segmentRule: (id) => segments.get(id)?.rule },
          customerIds: null,
          seed: false,
        });
        const ids = entry.on === 'entry' ? changes.entered : changes.exited;
        for (let start = 0; start < ids.length; start += batchSize) {
          const work: JourneyWork[] = ids.slice(start, start + batchSize).map((customerId) => ({
            kind: 'enter',
            journey: loaded,
            customerId,
            key: `segment:${entry.on}:${now.toISOString()}`,
            at: now,
          }));
          total = add(total, await decide(work));
        }
      }
    }
    return total;
  };

  /** A journey was started: what its trigger needs recorded before the first event. */
  const started = async (journey: Journey): Promise<void> => {
    cached = null;
    const now = deps.clock();
    const entry = journey.entry;
    if (entry.type === 'inactivity') {
      await store.journeys.seedInactivity({
        journeyId: journey.id,
        eventType: entry.eventType,
        days: entry.days,
        now,
      });
    } else if (entry.type === 'segment') {
      const { segments } = await load();
      const rule = segments.get(entry.segment)?.rule;
      if (rule !== undefined) {
        await store.journeys.segmentChanges({
          journeyId: journey.id,
          query: { rule, clock: { now, timezone }, segmentRule: (id) => segments.get(id)?.rule },
          customerIds: null,
          seed: true,
        });
      }
    } else if (entry.type === 'date') {
      await sweep(journey.id);
    }
  };

  /** A journey was stopped: everyone on it leaves. */
  const stopped = async (journeyId: string): Promise<number> => {
    cached = null;
    return store.journeys.stopEntries(journeyId, deps.clock());
  };

  /**
   * Runs until `signal` aborts: timers as they fall due (woken early by `nudge`), the sweep every
   * `sweepMs`. A failed round is reported to `onError` and tried again after a pause.
   */
  const run = async (options: {
    readonly signal: AbortSignal;
    readonly sweepMs?: number;
    readonly idleMs?: number;
    /** How long this process's claims hold (the runtime's default when absent). */
    readonly leaseMs?: number | undefined;
    readonly onError?: (error: unknown) => void;
  }): Promise<void> => {
    const sweepMs = options.sweepMs ?? 3_600_000;
    const idleMs = options.idleMs ?? 1_000;
    let lastSweep = 0;
    while (!options.signal.aborted) {
      try {
        if (deps.clock().getTime() - lastSweep >= sweepMs) {
          lastSweep = deps.clock().getTime();
          await sweep();
        }
        await tick({ leaseMs: options.leaseMs });
        const next = await store.journeys.nextWake();
        const wait =
          next === null ? idleMs : Math.max(0, Math.min(idleMs, next.getTime() - deps.clock().getTime()));
        await pause(wait, options.signal, nudges);
      } catch (error) {
        options.onError?.(error);
        await pause(idleMs, options.signal, nudges);
      }
    }
  };

  const nudges = new Set<() => void>();
  /** Wakes a waiting `run` now (a journey started, a timer was set sooner). */
  const nudge = (): void => {
    for (const wake of nudges) wake();
  };

  /** Journeys changed (edited, completed): read again on the next batch. */
  const reload = (): void => {
    cached = null;
  };

  return {
    accept,
    tick,
    sweep,
    started,
    stopped,
    run,
    nudge,
    reload,
    onBatch,
    nextWake: () => store.journeys.nextWake(),
  };
};

const pause = (ms: number, signal: AbortSignal, nudges: Set<() => void>): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted || ms <= 0) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      nudges.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
    nudges.add(done);
  });

export type JourneyRuntime = ReturnType<typeof journeyRuntime>;
