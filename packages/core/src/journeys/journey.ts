import { z } from 'zod';
import {
  CampaignGoal,
  CampaignStatus,
  CampaignTransition,
  ControlShare,
  Instant,
  UserId,
} from '../campaigns/campaign.ts';
import { LocalTime as TimeOfDay } from '../campaigns/contact-policy.ts';
import { Description, DisplayName, Priority, Slug } from '../campaigns/offer.ts';
import { ContentTemplate, DeliveryChannel } from '../content/content-template.ts';
import { AttributeCondition, attributeConditionShape, SegmentRule } from '../segments/segment-rule.ts';
import { Purpose } from '../workspace/workspace-schema.ts';

/**
 * A journey: customers enter when they do something (or stop doing it, or a date comes), then
 * move through steps — send, wait, branch, split, exit — one at a time, each as it falls due.
 * It has a campaign's lifecycle (draft → approval by a second person → running → stopped /
 * completed), a holdout drawn at entry and a goal measured as a campaign's is.
 *
 * The steps form a graph without cycles: `start` names the first node, and every node but an
 * exit names where each of its ways out leads. `checkJourneyGraph` says what is wrong with one.
 */

export const MAX_JOURNEY_NODES = 200;

/** Node ids: what the canvas and the funnel show, and part of each message's key. */
export const NodeId = z
  .string({ error: 'must be a node id' })
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must start with a lower-case letter and hold only a-z, 0-9, _ and -');
export type NodeId = z.infer<typeof NodeId>;

const whole = (what: string, min: number, max: number) =>
  z
    .number({ error: `must be a whole number of ${what} from ${min} to ${max}` })
    .int(`must be a whole number of ${what} from ${min} to ${max}`)
    .min(min, `must be a whole number of ${what} from ${min} to ${max}`)
    .max(max, `must be a whole number of ${what} from ${min} to ${max}`);

const MINUTE_MS = 60_000;

/** A span of time: days, hours and minutes, together more than zero and at most a year. */
export const Duration = z
  .strictObject({
    days: whole('days', 0, 365).optional(),
    hours: whole('hours', 0, 8760).optional(),
    minutes: whole('minutes', 0, 525_600).optional(),
  })
  .refine((duration) => durationMs(duration) > 0, 'must be longer than zero')
  .refine((duration) => durationMs(duration) <= 366 * 86_400_000, 'must be at most a year');
export type Duration = z.infer<typeof Duration>;

export const durationMs = (duration: {
  readonly days?: number | undefined;
  readonly hours?: number | undefined;
  readonly minutes?: number | undefined;
}): number => ((duration.days ?? 0) * 1440 + (duration.hours ?? 0) * 60 + (duration.minutes ?? 0)) * MINUTE_MS;

const Where = z
  .array(AttributeCondition.superRefine(attributeConditionShape))
  .min(1, 'must hold at least one condition');

const EventType = z.string({ error: 'must be an event type' }).min(1, 'must not be empty');

// ---------------------------------------------------------------------------------------------
// Entry

/**
 * What puts a customer on the journey:
 * - `event`: an event of the type, meeting every `where` on its attributes, by a customer the
 *   `customer` rule selects (attributes, saved segments, scores);
 * - `inactivity`: no event of the type for `days` days, at the moment they pass;
 * - `segment`: entering (or leaving) a saved segment;
 * - `date`: a date attribute plus `offsetDays`, at `at` in the customer's time zone; `yearly`
 *   repeats it every year (a birthday).
 */
export const JourneyEntry = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('event'),
      eventType: EventType,
      where: Where.optional(),
      customer: SegmentRule.optional(),
    }),
    z.strictObject({
      type: z.literal('inactivity'),
      eventType: EventType,
      days: whole('days', 1, 365),
      customer: SegmentRule.optional(),
    }),
    z.strictObject({
      type: z.literal('segment'),
      segment: Slug,
      on: z.enum(['entry', 'exit'], { error: 'must be entry or exit' }),
    }),
    z.strictObject({
      type: z.literal('date'),
      attribute: z.string({ error: 'must be a date attribute' }).min(1, 'must not be empty'),
      offsetDays: whole('days', -365, 365).default(0),
      at: TimeOfDay.default('10:00'),
      yearly: z.boolean({ error: 'must be true or false' }).default(false),
      customer: SegmentRule.optional(),
    }),
  ],
  { error: 'type must be event, inactivity, segment or date' },
);
export type JourneyEntry = z.infer<typeof JourneyEntry>;
export const ENTRY_TYPES = ['event', 'inactivity', 'segment', 'date'] as const;

/** Whether a customer who has been on the journey may enter it again. */
export const ReEntry = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('once') }),
    z.strictObject({ mode: z.literal('after'), days: whole('days', 1, 3650) }),
    z.strictObject({ mode: z.literal('every_time') }),
  ],
  { error: 'mode must be once, after or every_time' },
);
export type ReEntry = z.infer<typeof ReEntry>;

// ---------------------------------------------------------------------------------------------
// Nodes

const Position = z.strictObject({ x: z.number(), y: z.number() });

const nodeBase = {
  id: NodeId,
  /** A label people read on the canvas. */
  label: z.string().max(200, 'must be at most 200 characters').optional(),
  /** Where the canvas draws it. */
  position: Position.optional(),
};

/** A send: the channel's message with an offer, through consent, the contact policy and arbitration. */
export const SendNode = z.strictObject({
  ...nodeBase,
  type: z.literal('send'),
  channel: DeliveryChannel,
  offer: Slug.optional(),
  /** Absent only while the journey is being drawn; a journey is not submitted without it. */
  content: ContentTemplate.optional(),
  next: NodeId.optional(),
});
export type SendNode = z.infer<typeof SendNode>;

export const Wait = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('duration'), duration: Duration }),
    z.strictObject({ type: z.literal('time_of_day'), at: TimeOfDay }),
    z.strictObject({
      type: z.literal('event'),
      eventType: EventType,
      where: Where.optional(),
      /** How long to wait for it; then the customer goes to `timeoutNext`. */
      timeout: Duration,
    }),
  ],
  { error: 'type must be duration, time_of_day or event' },
);
export type Wait = z.infer<typeof Wait>;

export const WaitNode = z.strictObject({
  ...nodeBase,
  type: z.literal('wait'),
  wait: Wait,
  next: NodeId.optional(),
  /** For a wait for an event: where the customer goes when it does not come in time. */
  timeoutNext: NodeId.optional(),
});
export type WaitNode = z.infer<typeof WaitNode>;

export const MESSAGE_OUTCOMES = ['delivered', 'converted', 'event'] as const;

/**
 * What a branch asks of the customer: their attributes, a saved segment, or what became of an
 * earlier message (`delivered` by the gateway; `converted`: the journey's goal since it was
 * sent; `event`: an event of `eventType` since it was sent, such as an open or a click).
 */
export const BranchCondition = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('attributes'), where: Where }),
    z.strictObject({
      type: z.literal('segment'),
      segment: Slug,
      member: z.boolean({ error: 'must be true or false' }).default(true),
    }),
    z.strictObject({
      type: z.literal('message'),
      node: NodeId,
      outcome: z.enum(MESSAGE_OUTCOMES, { error: `must be one of ${MESSAGE_OUTCOMES.join(', ')}` }),
      eventType: EventType.optional(),
    }),
  ],
  { error: 'type must be attributes, segment or message' },
);
export type BranchCondition = z.infer<typeof BranchCondition>;

export const BranchNode = z.strictObject({
  ...nodeBase,
  type: z.literal('branch'),
  /** Tried in order; the first that holds decides. */
  branches: z
    .array(z.strictObject({ name: z.string().min(1).max(100), when: BranchCondition, next: NodeId.optional() }))
    .min(1, 'must hold at least one branch')
    .max(20, 'must hold at most 20 branches'),
  /** Where everyone else goes. */
  defaultNext: NodeId.optional(),
});
export type BranchNode = z.infer<typeof BranchNode>;

/** A random split (an A/B test inside the journey): fixed shares, drawn per customer and node. */
export const SplitNode = z.strictObject({
  ...nodeBase,
  type: z.literal('split'),
  paths: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(100),
        share: z.number().positive('must be above 0').max(100, 'must be at most 100'),
        next: NodeId.optional(),
      }),
    )
    .min(2, 'must hold at least two paths')
    .max(10, 'must hold at most 10 paths'),
});
export type SplitNode = z.infer<typeof SplitNode>;

export const ExitNode = z.strictObject({ ...nodeBase, type: z.literal('exit') });
export type ExitNode = z.infer<typeof ExitNode>;

export const JourneyNode = z.discriminatedUnion('type', [SendNode, WaitNode, BranchNode, SplitNode, ExitNode], {
  error: 'type must be send, wait, branch, split or exit',
});
export type JourneyNode = z.infer<typeof JourneyNode>;
export const NODE_TYPES = ['send', 'wait', 'branch', 'split', 'exit'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// The journey

export const Journey = z.strictObject({
  id: Slug,
  name: DisplayName,
  description: Description.optional(),
  entry: JourneyEntry,
  /** The first node after the entry. */
  start: NodeId.optional(),
  nodes: z.array(JourneyNode).max(MAX_JOURNEY_NODES, `must hold at most ${MAX_JOURNEY_NODES} nodes`),
  reEntry: ReEntry.default({ mode: 'once' }),
  /** At most this many customers enter per day (workspace time zone). */
  dailyCap: z
    .number({ error: 'must be a whole number of 1 or more' })
    .int('must be a whole number of 1 or more')
    .min(1, 'must be a whole number of 1 or more')
    .optional(),
  /** Customers enter only between these instants. */
  window: z.strictObject({ from: Instant.optional(), to: Instant.optional() }).optional(),
  /** Entrants held out (drawn at entry, per journey): they get nothing, for the comparison. */
  holdoutShare: ControlShare.default(10),
  goal: CampaignGoal,
  priority: Priority,
  purpose: Purpose,
  status: CampaignStatus.default('draft'),
  createdBy: UserId,
  submittedBy: UserId.optional(),
  submittedAt: Instant.optional(),
  approvedBy: UserId.optional(),
  approvedAt: Instant.optional(),
  history: z.array(CampaignTransition).default([]),
});
export type Journey = z.infer<typeof Journey>;
export type JourneyInput = z.input<typeof Journey>;

/** Why a customer left a journey. */
export const EXIT_REASONS = ['goal', 'completed', 'timeout', 'policy', 'stopped', 'holdout', 'ucg'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

export const nodeById = (journey: Pick<Journey, 'nodes'>): ReadonlyMap<string, JourneyNode> =>
  new Map(journey.nodes.map((node) => [node.id, node]));

/** Every way out of a node, with the name of the edge (`next`, a branch's name, …). */
export const exitsOf = (
  node: JourneyNode,
): readonly { readonly handle: string; readonly to: string | undefined }[] => {
  switch (node.type) {
    case 'send':
      return [{ handle: 'next', to: node.next }];
    case 'wait':
      return node.wait.type === 'event'
        ? [
            { handle: 'next', to: node.next },
            { handle: 'timeout', to: node.timeoutNext },
          ]
        : [{ handle: 'next', to: node.next }];
    case 'branch':
      return [
        ...node.branches.map((branch, index) => ({ handle: `branch:${index}`, to: branch.next })),
        { handle: 'default', to: node.defaultNext },
      ];
    case 'split':
      return node.paths.map((path, index) => ({ handle: `path:${index}`, to: path.next }));
    case 'exit':
      return [];
  }
};
