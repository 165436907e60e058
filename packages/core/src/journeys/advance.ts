import type { NormalizedRow } from '../import/records.ts';
import { bucketOf } from '../segments/bucket.ts';
import { zoneOffset, zonedWallTimeToInstant } from '../time/time-zones.ts';
import {
  type BranchCondition,
  durationMs,
  type ExitReason,
  type Journey,
  type JourneyNode,
  nodeById,
  type SendNode,
  type WaitNode,
} from './journey.ts';

/**
 * The journey interpreter: where one customer's entry goes next, given what just happened (they
 * entered, their timer fell due, they did something). Pure: what it needs to know of the world
 * (is the customer in a segment, was a message delivered, may this message go) it asks
 * `AdvanceContext`, which the caller has read beforehand for a whole batch. It walks from node to
 * node until the entry has to wait (for a time or an event) or leaves, and returns every node it
 * passed, so the caller writes the entry, its steps and its messages in one transaction.
 */

/** Where an entry is: its node, since when, and what it waits for. */
export interface EntryPosition {
  readonly node: string;
  /** When the entry reached the node (ISO). */
  readonly since: string;
  /** When its timer falls due (ISO): the end of a wait, or a wait for an event's timeout. */
  readonly wakeAt: string | null;
  /** Waiting for an event of this type (a wait node's), or null. */
  readonly awaiting: string | null;
}

/** What an entry carries from node to node: when each send queued its message, each split's path. */
export interface EntryMemory {
  /** Send node → when its message was queued to go (ISO). */
  readonly sent: Readonly<Record<string, string>>;
  /** Split node → the path's name. */
  readonly paths: Readonly<Record<string, string>>;
}

export type AdvanceInput =
  | { readonly type: 'enter' }
  | { readonly type: 'timer' }
  | { readonly type: 'event'; readonly event: NormalizedRow };

/** What became of a send: queued (to go at `sendAt`, after quiet hours), or why it did not. */
export type SendDecision =
  | { readonly type: 'queued'; readonly sendAt: Date }
  | { readonly type: 'left'; readonly outcome: string };

export interface AdvanceContext {
  readonly now: Date;
  /** The customer's time zone (their own, else the workspace's). */
  readonly zone: string;
  readonly customerId: string;
  /** Decides a send and, when it is queued, queues its message (the caller writes it with the move). */
  send(node: SendNode): SendDecision;
  /** Whether a branch condition holds for the customer now, given the entry's memory. */
  holds(condition: BranchCondition, memory: EntryMemory): boolean;
  /** Whether the event is the one a wait for an event waits for (type and conditions). */
  awaited(node: WaitNode, event: NormalizedRow): boolean;
  /** Whether the event is the journey's goal (type and conditions). */
  isGoal(event: NormalizedRow): boolean;
}

/** One node passed: the funnel counts these. `outcome` says what happened there. */
export interface StepRecord {
  readonly node: string;
  readonly at: string;
  /** `reached`, `queued`, a branch's or a split path's name, `timeout`, `event`, or why it left. */
  readonly outcome: string;
}

export type Advance =
  /** Nothing to do: the input does not concern the entry (an event it does not wait for). */
  | { readonly type: 'unchanged' }
  | {
      readonly type: 'moved';
      readonly position: EntryPosition;
      readonly memory: EntryMemory;
      readonly steps: readonly StepRecord[];
    }
  | {
      readonly type: 'left';
      readonly reason: ExitReason;
      /** The node it left at (for `policy`, the send), or null when it left before any. */
      readonly node: string | null;
      readonly detail: string | null;
      readonly memory: EntryMemory;
      readonly steps: readonly StepRecord[];
    };

export const EMPTY_MEMORY: EntryMemory = { sent: {}, paths: {} };

/** A walk is bounded: a checked journey has no cycle and at most 200 nodes. */
const MAX_STEPS = 1_000;
const DAY_MS = 86_400_000;

/** The first instant strictly after `now` at which it is `at` (HH:MM) on the wall clock of `zone`. */
export const nextLocalTime = (now: Date, at: string, zone: string): Date => {
  const [hours, minutes] = at.split(':').map(Number) as [number, number];
  const wallNow = now.getTime() + zoneOffset(zone, now.getTime());
  const today = Math.floor(wallNow / DAY_MS) * DAY_MS;
  for (let day = 0; day < 3; day += 1) {
    const instant = zonedWallTimeToInstant(today + day * DAY_MS + (hours * 60 + minutes) * 60_000, zone);
    if (instant > now.getTime()) return new Date(instant);
  }
  throw new Error(`no ${at} in ${zone} within two days of ${now.toISOString()}`);
};

/** The split path a customer takes: fixed per journey, node and customer, by the shares. */
export const splitPath = (journeyId: string, node: Extract<JourneyNode, { type: 'split' }>, customerId: string) => {
  const bucket = bucketOf(`${journeyId}:${node.id}`, customerId);
  let upTo = 0;
  for (const path of node.paths) {
    upTo += Math.round(path.share * 100);
    if (bucket < upTo) return path;
  }
  return node.paths[node.paths.length - 1] as (typeof node.paths)[number];
};

interface Walk {
  readonly journey: Journey;
  readonly nodes: ReadonlyMap<string, JourneyNode>;
  readonly context: AdvanceContext;
  readonly steps: StepRecord[];
  memory: EntryMemory;
}

const leave = (walk: Walk, reason: ExitReason, node: string | null, detail: string | null = null): Advance => ({
  type: 'left',
  reason,
  node,
  detail,
  memory: walk.memory,
  steps: walk.steps,
});

/** Walks from `from` (just reached) until the entry waits or leaves. */
const walkFrom = (walk: Walk, from: string | undefined): Advance => {
  const { context, nodes } = walk;
  const at = context.now.toISOString();
  let id = from;
  for (let taken = 0; taken < MAX_STEPS; taken += 1) {
    if (id === undefined) return leave(walk, 'completed', null);
    const node = nodes.get(id);
    if (node === undefined) throw new Error(`journey ${walk.journey.id} leads to unknown node ${id}`);
    const step = (outcome: string) => walk.steps.push({ node: node.id, at, outcome });
    switch (node.type) {
      case 'exit':
        step('reached');
        return leave(walk, 'completed', node.id);
      case 'send': {
        const decision = context.send(node);
        if (decision.type === 'left') {
          step(decision.outcome);
          return leave(walk, 'policy', node.id, decision.outcome);
        }
        step('queued');
        walk.memory = { ...walk.memory, sent: { ...walk.memory.sent, [node.id]: decision.sendAt.toISOString() } };
        id = node.next;
        break;
      }
      case 'wait': {
        step('reached');
        const wait = node.wait;
        const wakeAt =
          wait.type === 'duration'
            ? new Date(context.now.getTime() + durationMs(wait.duration))
            : wait.type === 'time_of_day'
              ? nextLocalTime(context.now, wait.at, context.zone)
              : new Date(context.now.getTime() + durationMs(wait.timeout));
        return {
          type: 'moved',
          position: {
            node: node.id,
            since: at,
            wakeAt: wakeAt.toISOString(),
            awaiting: wait.type === 'event' ? wait.eventType : null,
          },
          memory: walk.memory,
          steps: walk.steps,
        };
      }
      case 'branch': {
        const taken = node.branches.find((branch) => context.holds(branch.when, walk.memory));
        step(taken?.name ?? 'default');
        id = taken === undefined ? node.defaultNext : taken.next;
        break;
      }
      case 'split': {
        const path = splitPath(walk.journey.id, node, context.customerId);
        step(path.name);
        walk.memory = { ...walk.memory, paths: { ...walk.memory.paths, [node.id]: path.name } };
        id = path.next;
        break;
      }
    }
  }
  throw new Error(`journey ${walk.journey.id} walked ${MAX_STEPS} nodes without waiting: it has a cycle`);
};

/**
 * Moves an entry on. `position` is null for `enter` (the entry starts at the journey's start).
 * A goal event ends the entry wherever it is; an event the entry waits for moves it on; a timer
 * that fell due ends a wait (for a wait for an event: by its timeout way, or out with `timeout`
 * when it has none). A timer not yet due, or an event of no concern, changes nothing.
 */
export const advance = (
  journey: Journey,
  position: EntryPosition | null,
  memory: EntryMemory,
  input: AdvanceInput,
  context: AdvanceContext,
): Advance => {
  const walk: Walk = { journey, nodes: nodeById(journey), context, steps: [], memory };
  if (input.type === 'enter' || position === null) return walkFrom(walk, journey.start);
  const node = walk.nodes.get(position.node);
  if (node === undefined) throw new Error(`journey ${journey.id} has no node ${position.node}`);
  const at = context.now.toISOString();
  if (input.type === 'event') {
    if (context.isGoal(input.event)) return leave(walk, 'goal', node.id);
    if (node.type !== 'wait' || node.wait.type !== 'event' || !context.awaited(node, input.event)) {
      return { type: 'unchanged' };
    }
    walk.steps.push({ node: node.id, at, outcome: 'event' });
    return walkFrom(walk, node.next);
  }
  if (position.wakeAt === null || Date.parse(position.wakeAt) > context.now.getTime()) return { type: 'unchanged' };
  if (node.type !== 'wait') return walkFrom(walk, node.id);
  if (node.wait.type === 'event') {
    walk.steps.push({ node: node.id, at, outcome: 'timeout' });
    if (node.timeoutNext === undefined) return leave(walk, 'timeout', node.id);
    return walkFrom(walk, node.timeoutNext);
  }
  walk.steps.push({ node: node.id, at, outcome: 'done' });
  return walkFrom(walk, node.next);
};
