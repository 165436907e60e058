import {
  type Advance,
  type AdvanceInput,
  advance,
  type BranchCondition,
  bucketOf,
  bucketsOf,
  type ContactPolicy,
  customerRuleFields,
  EMPTY_MEMORY,
  type EntryChange,
  type EntryGroup,
  type EntryUpdate,
  eventRuleFields,
  isInUcg,
  type Journey,
  type JourneyEntryRecord,
  type JourneyStep,
  journeyMessageRunId,
  type NewEntry,
  type NormalizedRow,
  type Offer,
  type RunCandidate,
  rowMatcher,
  type SavedSegment,
  type SegmentQuery,
  type Store,
  startOfDay,
  todayIn,
  type UcgSettings,
  ucgInForce,
  type WorkspaceSchema,
} from '@opencvm/core';
import { historySince, STOP_LIST } from '../campaigns/run/apply-policy.ts';
import { contentColumns } from '../campaigns/run/render.ts';
import { candidateKey, JourneySender } from './journey-send.ts';

/**
 * One batch of journey work, decided together and written in one transaction: customers who may
 * enter (an event, a trigger that fell due) and entries to move on (an event they may wait for,
 * a timer). Everything the decisions read — who already is on which journey, the re-entry and cap
 * counts, the entry rules, consent and contact history, offers, branch facts — is read once for
 * the whole batch, a statement per kind, never a customer at a time.
 */

/** A journey version as the runtime holds it. */
export interface LoadedJourney {
  readonly journey: Journey;
  readonly version: number;
}

export type JourneyWork =
  | {
      readonly kind: 'enter';
      readonly journey: LoadedJourney;
      readonly customerId: string;
      readonly key: string;
      /** When the trigger happened: the event's time, the trigger's due time. */
      readonly at: Date;
      /** The trigger this entry fires, removed with it. */
      readonly trigger?: boolean;
    }
  | {
      readonly kind: 'advance';
      readonly journey: LoadedJourney;
      readonly entry: JourneyEntryRecord;
      readonly input: AdvanceInput;
    };

export interface BatchDeps {
  readonly store: Store;
  readonly schema: WorkspaceSchema;
  readonly now: Date;
  readonly randomId: () => string;
  readonly policy: ContactPolicy;
  readonly ucg: UcgSettings | null;
  readonly offers: readonly Offer[];
  readonly segments: ReadonlyMap<string, SavedSegment>;
  /** The active entries of the work's customers, when the caller has just read them. */
  readonly active?: readonly JourneyEntryRecord[] | undefined;
}

export interface BatchOutcome {
  readonly entered: number;
  readonly moved: number;
  readonly messages: number;
  /** Entries whose change lost to a concurrent one: to be tried again with their new state. */
  readonly conflicts: readonly string[];
}

const changeOf = (result: Exclude<Advance, { type: 'unchanged' }>, at: string): EntryChange =>
  result.type === 'moved'
    ? { status: 'active', position: result.position, memory: result.memory, exit: null }
    : {
        status: 'left',
        position: null,
        memory: result.memory,
        exit: { reason: result.reason, node: result.node, detail: result.detail, at },
      };

const sendNodes = (journey: Journey) => journey.nodes.flatMap((node) => (node.type === 'send' ? [node] : []));
const branchConditions = (journey: Journey): BranchCondition[] =>
  journey.nodes.flatMap((node) => (node.type === 'branch' ? node.branches.map((branch) => branch.when) : []));

export const runJourneyBatch = async (
  deps: BatchDeps,
  input: readonly JourneyWork[],
): Promise<BatchOutcome> => {
  let work = input;
  const { store, schema, now } = deps;
  const timezone = schema.workspace.timezone;
  const clock = { now, timezone };
  const at = now.toISOString();
  const segmentRule = (id: string) => deps.segments.get(id)?.rule;
  const query = (rule: SegmentQuery['rule']): SegmentQuery => ({ rule, clock, segmentRule });
  // Each selection (a goal, a wait, a branch condition) is compiled once per batch, by identity:
  // two versions of a journey in one batch keep their own.
  const matchers = new Map<object, (row: NormalizedRow) => boolean>();
  const matcher = (
    selection: object,
    eventType: string,
    where: Parameters<typeof rowMatcher>[0] | undefined,
  ) => {
    let test = matchers.get(selection);
    if (test === undefined) {
      const fields = eventRuleFields(schema, eventType);
      const conditions = fields === undefined ? null : rowMatcher(where ?? [], fields, clock);
      test = (row) => row.type === eventType && (conditions === null || conditions(row));
      matchers.set(selection, test);
    }
    return test;
  };
  const customerFields = customerRuleFields(schema);
  const attributeMatchers = new Map<object, (row: NormalizedRow) => boolean>();
  const attributesHold = (
    condition: Extract<BranchCondition, { type: 'attributes' }>,
    row: NormalizedRow,
  ) => {
    let test = attributeMatchers.get(condition);
    if (test === undefined) {
      test = rowMatcher(condition.where, customerFields, clock);
      attributeMatchers.set(condition, test);
    }
    return test(row);
  };
  const goalOf = (journey: Journey) => matcher(journey.goal, journey.goal.eventType, journey.goal.where);
  // Only what happens once the customer waits counts: an older event arriving late does not.
  const awaited = (
    since: string,
    node: Extract<Journey['nodes'][number], { type: 'wait' }>,
    event: NormalizedRow,
  ): boolean =>
    node.wait.type === 'event' &&
    Date.parse(String(event.ts)) >= Date.parse(since) &&
    matcher(node.wait, node.wait.eventType, node.wait.where)(event);
  const isGoal = (journey: Journey, enteredAt: string, event: NormalizedRow): boolean =>
    Date.parse(String(event.ts)) >= Date.parse(enteredAt) && goalOf(journey)(event);
  // An event moves an entry only when it is the journey's goal or what the entry waits for (see
  // core's `advance`): the others change nothing, and the batch reads nothing for them.
  const concerned = (item: JourneyWork): boolean => {
    if (item.kind === 'enter' || item.input.type !== 'event') return true;
    const { journey } = item.journey;
    const { entry } = item;
    const { event } = item.input;
    if (isGoal(journey, entry.enteredAt, event)) return true;
    const node = journey.nodes.find((candidate) => candidate.id === entry.position?.node);
    return node?.type === 'wait' && awaited(entry.position?.since ?? entry.enteredAt, node, event);
  };
  work = work.filter(concerned);
  if (work.length === 0) return { entered: 0, moved: 0, messages: 0, conflicts: [] };
  const customerIds = [
    ...new Set(work.map((item) => (item.kind === 'enter' ? item.customerId : item.entry.customerId))),
  ];

  // Who may enter: not on the journey now, re-entry, window, daily cap, the entry rule.
  const entering = work.filter(
    (item): item is Extract<JourneyWork, { kind: 'enter' }> => item.kind === 'enter',
  );
  const active =
    entering.length === 0 ? [] : (deps.active ?? (await store.journeys.activeEntries(customerIds)));
  const onJourney = new Set(active.map((entry) => `${entry.journeyId}\u0000${entry.customerId}`));
  const byJourney = new Map<string, Extract<JourneyWork, { kind: 'enter' }>[]>();
  for (const item of entering) {
    const list = byJourney.get(item.journey.journey.id) ?? [];
    list.push(item);
    byJourney.set(item.journey.journey.id, list);
  }
  const admitted: { item: Extract<JourneyWork, { kind: 'enter' }>; group: EntryGroup }[] = [];
  const firedTriggers: { journeyId: string; customerId: string; key: string }[] = [];
  const ucg = deps.ucg === null ? null : ucgInForce(deps.ucg, now);
  for (const [journeyId, items] of byJourney) {
    const { journey } = (items[0] as (typeof items)[number]).journey;
    for (const item of items)
      if (item.trigger === true)
        firedTriggers.push({ journeyId, customerId: item.customerId, key: item.key });
    const window = journey.window;
    if (window?.from !== undefined && now.getTime() < Date.parse(window.from)) continue;
    if (window?.to !== undefined && now.getTime() >= Date.parse(window.to)) continue;
    const ids = [...new Set(items.map((item) => item.customerId))];
    const last =
      journey.reEntry.mode === 'every_time'
        ? new Map<string, string>()
        : await store.journeys.lastEntered(journeyId, ids);
    const rule = 'customer' in journey.entry ? journey.entry.customer : undefined;
    const selected = rule === undefined ? null : await store.journeys.matching(query(rule), ids);
    let room =
      journey.dailyCap === undefined
        ? Number.POSITIVE_INFINITY
        : journey.dailyCap -
          (await store.journeys.enteredSince(journeyId, new Date(startOfDay(todayIn(clock), clock))));
    const seen = new Set<string>();
    for (const item of items) {
      const id = item.customerId;
      if (seen.has(id) || onJourney.has(`${journeyId}\u0000${id}`)) continue;
      if (selected !== null && !selected.has(id)) continue;
      const previous = last.get(id);
      if (previous !== undefined) {
        if (journey.reEntry.mode === 'once') continue;
        if (
          journey.reEntry.mode === 'after' &&
          now.getTime() - Date.parse(previous) < journey.reEntry.days * 86_400_000
        )
          continue;
      }
      const group: EntryGroup =
        journey.purpose === 'marketing' && ucg !== null && isInUcg(id, ucg)
          ? 'ucg'
          : bucketOf(`journey:${journey.id}`, id) < bucketsOf(journey.holdoutShare)
            ? 'holdout'
            : 'treated';
      if (group !== 'ucg') {
        if (room <= 0) continue;
        room -= 1;
      }
      seen.add(id);
      admitted.push({ item, group });
    }
  }

  // What the sends and branches of the journeys in play read, for the whole batch.
  const moving = work.filter(
    (item): item is Extract<JourneyWork, { kind: 'advance' }> => item.kind === 'advance',
  );
  const inPlay = new Map<string, Journey>();
  for (const { item, group } of admitted)
    if (group === 'treated')
      inPlay.set(`${item.journey.journey.id}@${item.journey.version}`, item.journey.journey);
  for (const item of moving)
    inPlay.set(`${item.journey.journey.id}@${item.journey.version}`, item.journey.journey);
  const journeys = [...inPlay.values()];
  const reads = new Map<string, { channel: string; purpose: string; columns: Set<string> }>();
  const attributeColumns = new Set<string>();
  for (const journey of journeys) {
    for (const node of sendNodes(journey)) {
      const key = candidateKey(node.channel, journey.purpose);
      const read = reads.get(key) ?? { channel: node.channel, purpose: journey.purpose, columns: new Set() };
      if (node.content !== undefined)
        for (const column of contentColumns({ content: node.content }, schema)) read.columns.add(column);
      reads.set(key, read);
    }
    for (const condition of branchConditions(journey)) {
      if (condition.type === 'attributes')
        for (const where of condition.where) attributeColumns.add(where.attribute);
    }
  }
  const offersById = new Map(deps.offers.map((offer) => [offer.id, offer]));
  const since = historySince(now, deps.offers);
  const candidates = new Map<string, ReadonlyMap<string, RunCandidate>>();
  let attributes: ReadonlyMap<string, RunCandidate> | null = null;
  for (const [key, read] of reads) {
    const rows = await store.journeys.candidates({
      customerIds,
      channel: read.channel,
      purpose: read.purpose,
      columns: [...new Set([...read.columns, ...attributeColumns])],
      historySince: since,
      stopList: STOP_LIST,
    });
    const map = new Map(rows.map((row) => [row.customerId, row]));
    candidates.set(key, map);
    attributes ??= map;
  }
  if (attributes === null && attributeColumns.size > 0) {
    const rows = await store.journeys.candidates({
      customerIds,
      channel: 'webhook',
      purpose: 'marketing',
      columns: [...attributeColumns],
      historySince: now,
      stopList: STOP_LIST,
    });
    attributes = new Map(rows.map((row) => [row.customerId, row]));
  }
  const eligible = new Map<string, ReadonlySet<string>>();
  const usedOffers = new Set(
    journeys.flatMap((journey) =>
      sendNodes(journey).flatMap((node) => (node.offer === undefined ? [] : [node.offer])),
    ),
  );
  for (const id of usedOffers) {
    const offer = offersById.get(id);
    if (offer?.eligibility === undefined) continue;
    const rule =
      offer.eligibility.type === 'rule' ? offer.eligibility.rule : segmentRule(offer.eligibility.segment);
    eligible.set(
      id,
      rule === undefined ? new Set() : await store.journeys.matching(query(rule), customerIds),
    );
  }
  const members = new Map<string, ReadonlySet<string>>();
  const eventTypes = new Set<string>();
  let messageBranches = false;
  for (const journey of journeys) {
    for (const condition of branchConditions(journey)) {
      if (condition.type === 'segment' && !members.has(condition.segment)) {
        const rule = segmentRule(condition.segment);
        members.set(
          condition.segment,
          rule === undefined ? new Set() : await store.journeys.matching(query(rule), customerIds),
        );
      } else if (condition.type === 'message') {
        messageBranches = true;
        if (condition.outcome === 'event' && condition.eventType !== undefined)
          eventTypes.add(condition.eventType);
        if (condition.outcome === 'converted') eventTypes.add(journey.goal.eventType);
      }
    }
  }
  const runIds = messageBranches
    ? moving.flatMap((item) =>
        Object.keys(item.entry.memory.sent).map((node) => journeyMessageRunId(item.entry.id, node)),
      )
    : [];
  const statuses =
    runIds.length === 0 ? new Map<string, string>() : await store.journeys.messageStatuses(runIds);
  const earliest = moving.reduce(
    (min, item) => Math.min(min, Date.parse(item.entry.enteredAt)),
    now.getTime(),
  );
  const recent =
    eventTypes.size === 0
      ? []
      : await store.journeys.eventsSince({
          customerIds,
          eventTypes: [...eventTypes],
          since: new Date(earliest),
        });
  const eventsOf = new Map<string, NormalizedRow[]>();
  for (const row of recent) {
    const id = String(row.customer_id);
    eventsOf.set(id, [...(eventsOf.get(id) ?? []), row]);
  }

  const sender = new JourneySender({
    candidates,
    offers: offersById,
    eligible,
    policy: deps.policy,
    timezone,
    fallbackLocale: schema.workspace.defaultLocale,
    today: todayIn(clock),
  });
  const contextFor = (
    journey: Journey,
    entryId: string,
    customerId: string,
    enteredAt: string,
    since: string,
  ) => {
    const person = attributes?.get(customerId) ?? [...candidates.values()][0]?.get(customerId);
    const zone = person?.timezone ?? timezone;
    const goal = goalOf(journey);
    return {
      now,
      zone,
      customerId,
      send: (node: Parameters<JourneySender['decide']>[3]) =>
        sender.decide(journey, entryId, customerId, node, now),
      holds: (condition: BranchCondition, memory: typeof EMPTY_MEMORY): boolean => {
        switch (condition.type) {
          case 'attributes':
            return attributesHold(condition, person?.attributes ?? {});
          case 'segment':
            return (members.get(condition.segment)?.has(customerId) ?? false) === condition.member;
          case 'message': {
            const sentAt = memory.sent[condition.node];
            if (sentAt === undefined) return false;
            if (condition.outcome === 'delivered') {
              const status = statuses.get(journeyMessageRunId(entryId, condition.node));
              return status === 'sent' || status === 'delivered';
            }
            // Strictly after the message goes: the event that started the journey is not a reply to it.
            const after = Date.parse(sentAt);
            const test =
              condition.outcome === 'converted'
                ? goal
                : matcher(condition, condition.eventType ?? '', undefined);
            return (eventsOf.get(customerId) ?? []).some(
              (row) => Date.parse(String(row.ts)) > after && test(row),
            );
          }
        }
      },
      awaited: (node: Extract<Journey['nodes'][number], { type: 'wait' }>, event: NormalizedRow) =>
        awaited(since, node, event),
      isGoal: (event: NormalizedRow) => isGoal(journey, enteredAt, event),
    };
  };

  // Decide.
  const entries: NewEntry[] = [];
  const updates: EntryUpdate[] = [];
  const steps: JourneyStep[] = [];
  const record = (
    entry: { id: string; journeyId: string; version: number; customerId: string },
    result: Advance,
  ) => {
    if (result.type === 'unchanged') return;
    for (const step of result.steps)
      steps.push({
        ...step,
        entryId: entry.id,
        journeyId: entry.journeyId,
        version: entry.version,
        customerId: entry.customerId,
      });
  };
  for (const { item, group } of admitted) {
    const { journey, version } = item.journey;
    const id = deps.randomId();
    const base = {
      id,
      journeyId: journey.id,
      version,
      customerId: item.customerId,
      key: item.key,
      group,
      enteredAt: at,
    };
    if (group !== 'treated') {
      entries.push({
        ...base,
        status: 'left',
        position: null,
        memory: EMPTY_MEMORY,
        exit: { reason: group, node: null, detail: null, at },
      });
      continue;
    }
    const result = advance(
      journey,
      null,
      EMPTY_MEMORY,
      { type: 'enter' },
      contextFor(journey, id, item.customerId, at, at),
    );
    if (result.type === 'unchanged') continue;
    entries.push({ ...base, ...changeOf(result, at) });
    record(base, result);
  }
  for (const item of moving) {
    const { entry } = item;
    const result = advance(
      item.journey.journey,
      entry.position,
      entry.memory,
      item.input,
      contextFor(
        item.journey.journey,
        entry.id,
        entry.customerId,
        entry.enteredAt,
        entry.position?.since ?? entry.enteredAt,
      ),
    );
    if (result.type === 'unchanged') {
      // A claimed timer that changes nothing (not due after all) is released as it is.
      if (item.input.type === 'timer')
        updates.push({
          id: entry.id,
          rev: entry.rev,
          status: entry.status,
          position: entry.position,
          memory: entry.memory,
          exit: null,
        });
      continue;
    }
    updates.push({ id: entry.id, rev: entry.rev, ...changeOf(result, at) });
    record(entry, result);
  }
  if (entries.length === 0 && updates.length === 0 && firedTriggers.length === 0) {
    return { entered: 0, moved: 0, messages: 0, conflicts: [] };
  }
  const { written } = await store.journeys.apply({
    at: now,
    entries,
    updates,
    steps,
    messages: sender.messages,
    withdraw: sender.withdraw,
    firedTriggers,
  });
  return {
    entered: entries.filter((entry) => written.has(entry.id)).length,
    moved: updates.filter((update) => written.has(update.id)).length,
    messages: sender.messages.filter((message) => written.has(message.entryId)).length,
    conflicts: updates.filter((update) => !written.has(update.id)).map((update) => update.id),
  };
};
