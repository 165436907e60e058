import { z } from 'zod';
import { closestName } from '../closest-name.ts';
import { ContentTemplate, DeliveryChannel } from '../content/content-template.ts';
import { checkTemplate } from '../content/render-template.ts';
import { templateVariables } from '../content/template-variables.ts';
import { err, ok, type Result } from '../result.ts';
import { checkSegmentRule, type SegmentRuleContext } from '../segments/check-segment-rule.ts';
import { AttributeCondition, attributeConditionShape } from '../segments/segment-rule.ts';
import { Purpose, type SchemaIssue } from '../workspace/workspace-schema.ts';
import { nextRunAfter, parseCron } from './cron.ts';
import {
  Audience,
  checkAudience,
  Description,
  DisplayName,
  issuesUnder,
  type Offer,
  Priority,
  precheckAudienceRule,
  Slug,
  zodIssues,
} from './offer.ts';

/**
 * A campaign: whom (audience), what (offers), how (channel and content), when (schedule), and how
 * it is judged (control group and goal). Its lifecycle is a pure state machine:
 *
 *   draft ─submit→ pending_approval ─approve→ approved ─start→ running ─complete→ completed
 *   pending_approval ─reject→ draft;   approved or running ─stop→ stopped
 *
 * Approval needs a second person: neither the author nor the one who submitted it. Only a draft
 * is edited; every later change of state goes through `transition`, which records who and when.
 */

export const CAMPAIGN_STATUSES = [
  'draft',
  'pending_approval',
  'approved',
  'running',
  'completed',
  'stopped',
] as const;
export const CampaignStatus = z.enum(CAMPAIGN_STATUSES, {
  error: `must be one of ${CAMPAIGN_STATUSES.join(', ')}`,
});
export type CampaignStatus = z.infer<typeof CampaignStatus>;

export const CAMPAIGN_ACTIONS = ['submit', 'approve', 'reject', 'start', 'complete', 'stop'] as const;
export const CampaignAction = z.enum(CAMPAIGN_ACTIONS, {
  error: `must be one of ${CAMPAIGN_ACTIONS.join(', ')}`,
});
export type CampaignAction = z.infer<typeof CampaignAction>;

const TRANSITIONS: Readonly<
  Record<CampaignAction, { readonly from: readonly CampaignStatus[]; readonly to: CampaignStatus }>
> = {
  submit: { from: ['draft'], to: 'pending_approval' },
  approve: { from: ['pending_approval'], to: 'approved' },
  reject: { from: ['pending_approval'], to: 'draft' },
  start: { from: ['approved'], to: 'running' },
  complete: { from: ['running'], to: 'completed' },
  stop: { from: ['approved', 'running'], to: 'stopped' },
};

/** The actions a campaign in this status accepts: the buttons a UI shows. */
export const allowedActions = (status: CampaignStatus): CampaignAction[] =>
  CAMPAIGN_ACTIONS.filter((action) => TRANSITIONS[action].from.includes(status));

/** Only a draft's definition may change; a submitted one goes back to draft by `reject`. */
export const isEditable = (campaign: { readonly status: CampaignStatus }): boolean =>
  campaign.status === 'draft';

// ---------------------------------------------------------------------------------------------
// Definition

export const Instant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 instant with Z or an offset, e.g. 2026-03-01T10:00:00+03:00',
});

export const UserId = z
  .string({ error: 'must be a user id' })
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

/** When a campaign runs. Recurring runs are wall-clock times in the workspace time zone (see cron.ts). */
export const CampaignSchedule = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('once'), at: Instant }),
    z.strictObject({
      type: z.literal('recurring'),
      cron: z.string({ error: 'must be a cron expression' }).superRefine((cron, ctx) => {
        const parsed = parseCron(cron);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error.message });
      }),
    }),
  ],
  { error: 'type must be once or recurring' },
);
export type CampaignSchedule = z.infer<typeof CampaignSchedule>;

export const GOAL_KPIS = ['conversion', 'revenue', 'retention'] as const;

/**
 * What counts as success: a goal event of `eventType` (matching every `where` condition) within
 * `attributionDays` after the run. `conversion`: the share who did it; `revenue`: its amount per
 * customer (the event type must carry an amount); `retention`: the share still active.
 */
export const CampaignGoal = z.strictObject({
  eventType: z.string({ error: 'must be an event type' }).min(1, 'must not be empty'),
  where: z
    .array(AttributeCondition.superRefine(attributeConditionShape))
    .min(1, 'must hold at least one condition')
    .optional(),
  attributionDays: z
    .number({ error: 'must be a whole number of days from 1 to 90' })
    .int('must be a whole number of days from 1 to 90')
    .min(1, 'must be a whole number of days from 1 to 90')
    .max(90, 'must be a whole number of days from 1 to 90')
    .default(14),
  kpi: z.enum(GOAL_KPIS, { error: `must be one of ${GOAL_KPIS.join(', ')}` }),
  /**
   * The relative lift in conversion the campaign is planned to bring (10 = +10%); results warn
   * when the groups are too small to detect it. 10 when not given.
   */
  expectedLiftPercent: z
    .number({ error: 'must be a percentage above 0 and at most 1000' })
    .positive('must be a percentage above 0 and at most 1000')
    .max(1000, 'must be a percentage above 0 and at most 1000')
    .optional(),
});
export type CampaignGoal = z.infer<typeof CampaignGoal>;

const SHARE_MESSAGE = 'must be a percentage from 0 to 50 with at most two decimals';

/**
 * The holdout: a percentage with at most two decimals (10 = 10%), the unit of assignment's
 * shares: buckets 0 … share × 100 − 1 of the campaign's own salt are not contacted.
 */
export const ControlShare = z
  .number({ error: SHARE_MESSAGE })
  .min(0, SHARE_MESSAGE)
  .max(50, SHARE_MESSAGE)
  .refine((share) => Math.abs(Math.round(share * 100) - share * 100) < 1e-9, SHARE_MESSAGE);

/** One change of state, as `transition` records it. */
export const CampaignTransition = z.strictObject({
  action: CampaignAction,
  from: CampaignStatus,
  to: CampaignStatus,
  by: UserId,
  at: Instant,
  /** Why, when someone says: a rejection's reason, a stop's cause. */
  note: z.string().max(2000, 'must be at most 2000 characters').optional(),
});
export type CampaignTransition = z.infer<typeof CampaignTransition>;

const APPROVED_STATUSES: readonly CampaignStatus[] = ['approved', 'running', 'completed', 'stopped'];

export const Campaign = z
  .strictObject({
    id: Slug,
    name: DisplayName,
    description: Description.optional(),
    audience: Audience,
    /** Offer ids; when a customer may get several, arbitration picks one. */
    offers: z
      .array(Slug)
      .min(1, 'must list at least one offer')
      .refine((offers) => new Set(offers).size === offers.length, 'lists an offer twice'),
    channel: DeliveryChannel,
    /** The message itself, of the campaign's channel (`content.type` = `channel`). */
    content: ContentTemplate,
    schedule: CampaignSchedule,
    controlShare: ControlShare.default(10),
    goal: CampaignGoal,
    priority: Priority,
    /** At most this many messages per run. */
    volumeCap: z
      .number({ error: 'must be a whole number of 1 or more' })
      .int('must be a whole number of 1 or more')
      .min(1, 'must be a whole number of 1 or more')
      .optional(),
    /**
     * Which consent a message needs (per channel and purpose); the universal control group holds
     * back marketing only.
     */
    purpose: Purpose,
    status: CampaignStatus.default('draft'),
    createdBy: UserId,
    submittedBy: UserId.optional(),
    submittedAt: Instant.optional(),
    approvedBy: UserId.optional(),
    approvedAt: Instant.optional(),
    history: z.array(CampaignTransition).default([]),
  })
  .superRefine((campaign, ctx) => {
    if (campaign.content.type !== campaign.channel) {
      ctx.addIssue({
        code: 'custom',
        path: ['content', 'type'],
        message: `must be the campaign's channel (${campaign.channel})`,
      });
    }
    // The lifecycle fields say what the status says, so a body cannot smuggle in an approval.
    const submitted = campaign.status !== 'draft';
    const approved = APPROVED_STATUSES.includes(campaign.status);
    const expect = (
      key: 'submittedBy' | 'submittedAt' | 'approvedBy' | 'approvedAt',
      present: boolean,
    ): void => {
      if (present && campaign[key] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `is required when status is ${campaign.status}`,
        });
      } else if (!present && campaign[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `must be absent when status is ${campaign.status}`,
        });
      }
    };
    expect('submittedBy', submitted);
    expect('submittedAt', submitted);
    expect('approvedBy', approved);
    expect('approvedAt', approved);
    if (
      campaign.approvedBy !== undefined &&
      (campaign.approvedBy === campaign.createdBy || campaign.approvedBy === campaign.submittedBy)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvedBy'],
        message: 'must be someone other than the author and the submitter',
      });
    }
  });
export type Campaign = z.infer<typeof Campaign>;
/** What an API body, a form or `campaignFromTemplate` holds before parsing. */
export type CampaignInput = z.input<typeof Campaign>;

export type CampaignDefinitionError = {
  readonly type: 'invalid_campaign';
  readonly issues: readonly SchemaIssue[];
};

export interface CampaignContext extends SegmentRuleContext {
  /**
   * The offers that exist. A set of ids checks references; a map of offers also checks that each
   * offer may be sent through the campaign's channel.
   */
  readonly offers?: ReadonlySet<string> | ReadonlyMap<string, Pick<Offer, 'channels'>> | undefined;
}

const suggestion = (name: string, known: Iterable<string>): string => {
  const closest = closestName(name, known);
  return closest === undefined ? '' : ` (did you mean "${closest}"?)`;
};

const offerIssues = (campaign: Campaign, context: CampaignContext): SchemaIssue[] => {
  const known = context.offers;
  if (known === undefined) return [];
  const issues: SchemaIssue[] = [];
  campaign.offers.forEach((id, index) => {
    const path = `offers[${index}]`;
    if (!known.has(id)) {
      issues.push({ path, message: `unknown offer "${id}"${suggestion(id, known.keys())}` });
      return;
    }
    const offer = 'get' in known ? known.get(id) : undefined;
    if (offer !== undefined && !offer.channels.includes(campaign.channel)) {
      issues.push({
        path,
        message: `offer "${id}" may not be sent by ${campaign.channel}; its channels are ${offer.channels.join(', ')}`,
      });
    }
  });
  return issues;
};

const goalIssues = (goal: CampaignGoal, context: SegmentRuleContext): SchemaIssue[] => {
  // The goal selects events exactly as an activity condition does: the same names, the same checks.
  const checked = checkSegmentRule(
    { type: 'activity', eventType: goal.eventType, where: goal.where, done: true },
    context,
  );
  const issues = checked.ok ? [] : issuesUnder('goal', checked.error.issues);
  const definition = Object.hasOwn(context.schema.events, goal.eventType)
    ? context.schema.events[goal.eventType]
    : undefined;
  if (goal.kpi === 'revenue' && definition !== undefined && !definition.amount) {
    issues.push({
      path: 'goal.kpi',
      message: `revenue needs a goal event with an amount; "${goal.eventType}" carries none`,
    });
  }
  return issues;
};

const contentIssues = (campaign: Campaign, context: SegmentRuleContext): SchemaIssue[] => {
  const checked = checkTemplate(campaign.content, { variables: templateVariables(context.schema) });
  const issues = checked.ok ? [] : issuesUnder('content', checked.error.issues);
  const fallback = context.schema.workspace.defaultLocale;
  const language = fallback.split('-')[0];
  const locales = Object.keys(campaign.content.locales);
  if (!locales.some((locale) => locale === fallback || locale.split('-')[0] === language)) {
    issues.push({
      path: 'content.locales',
      message: `must include the workspace default locale "${fallback}", which customers without a locale of the content get`,
    });
  }
  return issues;
};

/**
 * Parses a campaign from decoded JSON/YAML: its shape, then against the workspace (audience, goal
 * event and its conditions, content variables and locales) and the known offers. Every issue
 * comes with the path of its key.
 */
export const parseCampaign = (
  input: unknown,
  context: CampaignContext,
): Result<Campaign, CampaignDefinitionError> => {
  const prechecked = precheckAudienceRule(input, 'audience', context);
  const parsed = Campaign.safeParse(prechecked.input);
  if (!parsed.success) {
    return err({ type: 'invalid_campaign', issues: [...zodIssues(parsed.error), ...prechecked.issues] });
  }
  const campaign = parsed.data;
  const issues = [
    ...(prechecked.issues.length > 0
      ? prechecked.issues
      : checkAudience(campaign.audience, context, 'audience')),
    ...offerIssues(campaign, context),
    ...goalIssues(campaign.goal, context),
    ...contentIssues(campaign, context),
  ];
  return issues.length > 0 ? err({ type: 'invalid_campaign', issues }) : ok(campaign);
};

// ---------------------------------------------------------------------------------------------
// Lifecycle

export type TransitionError =
  | { readonly type: 'invalid_transition'; readonly from: CampaignStatus; readonly action: CampaignAction }
  | { readonly type: 'self_approval' };

export interface TransitionOptions {
  /** The user (or `system` for the scheduler) doing it. */
  readonly by: string;
  readonly at: Date;
  readonly note?: string | undefined;
}

/** What goes through the approval lifecycle: a campaign, a journey. */
export interface Lifecycled {
  readonly status: CampaignStatus;
  readonly createdBy: string;
  readonly submittedBy?: string | undefined;
  readonly submittedAt?: string | undefined;
  readonly approvedBy?: string | undefined;
  readonly approvedAt?: string | undefined;
  readonly history: readonly CampaignTransition[];
}

const withoutSubmission = <T extends Lifecycled>(item: T): T => {
  const { submittedBy: _by, submittedAt: _at, ...rest } = item;
  return rest as T;
};

/**
 * Moves a campaign (or a journey) along its lifecycle, or says why it cannot: only the transitions drawn above,
 * and no approval by the campaign's author or submitter. Returns a new campaign with the status,
 * who/when of the submission or approval, and the transition appended to `history`.
 */
export const transition = <T extends Lifecycled>(
  campaign: T,
  action: CampaignAction,
  options: TransitionOptions,
): Result<T, TransitionError> => {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(campaign.status)) {
    return err({ type: 'invalid_transition', from: campaign.status, action });
  }
  if (action === 'approve' && (options.by === campaign.createdBy || options.by === campaign.submittedBy)) {
    return err({ type: 'self_approval' });
  }
  const at = options.at.toISOString();
  const entry: CampaignTransition = {
    action,
    from: campaign.status,
    to: rule.to,
    by: options.by,
    at,
    ...(options.note === undefined ? {} : { note: options.note }),
  };
  const moved: T = { ...campaign, status: rule.to, history: [...campaign.history, entry] };
  switch (action) {
    case 'submit':
      return ok({ ...moved, submittedBy: options.by, submittedAt: at });
    case 'approve':
      return ok({ ...moved, approvedBy: options.by, approvedAt: at });
    case 'reject':
      return ok(withoutSubmission(moved));
    default:
      return ok(moved);
  }
};

/**
 * The next time a campaign's schedule fires strictly after `after`, or null when it never will
 * again (a one-off whose time has passed). `timeZone` is the workspace's.
 */
export const nextScheduledRun = (schedule: CampaignSchedule, after: Date, timeZone: string): Date | null => {
  if (schedule.type === 'once') {
    const at = new Date(schedule.at);
    return at.getTime() > after.getTime() ? at : null;
  }
  const cron = parseCron(schedule.cron);
  // A parsed campaign's cron was accepted by the same parser: a refusal here is a bug.
  if (!cron.ok) throw new Error(`schedule.cron: ${cron.error.message}`);
  return nextRunAfter(cron.value, after, timeZone);
};
