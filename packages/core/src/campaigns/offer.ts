import { z } from 'zod';
import { issueKindOf } from '../api/errors.ts';
import { closestName } from '../closest-name.ts';
import { DeliveryChannel } from '../content/content-template.ts';
import type { OfferContentField } from '../content/template-variables.ts';
import { parseMoney } from '../money/money.ts';
import { err, ok, type Result } from '../result.ts';
import {
  checkSegmentRule,
  parseSegmentRule,
  type SegmentRuleContext,
} from '../segments/check-segment-rule.ts';
import { SegmentRule } from '../segments/segment-rule.ts';
import { isDate } from '../time/time-zones.ts';
import { formatPath, type SchemaIssue } from '../workspace/workspace-schema.ts';

/**
 * What a campaign proposes: a product, a bonus or a discount, with who may get it, when, what it
 * is worth and what it costs. Also the building blocks campaigns share with offers: ids, amounts,
 * priorities and audiences.
 */

/** Ids of offers, campaigns and saved segments: short, URL- and SQL-safe. */
export const Slug = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must start with a lower-case letter and hold only a-z, 0-9, _ and -');

/** A calendar date `YYYY-MM-DD`, read in the workspace time zone. */
export const CalendarDate = z
  .string({ error: 'must be a date YYYY-MM-DD' })
  .refine(isDate, 'must be a date YYYY-MM-DD');

/**
 * An amount in the workspace currency as decimal text ("12.5"), at most four decimals, never
 * negative; stored in canonical form ("12.50" → "12.5"). Text only: a JSON number could already
 * have been rounded on its way in.
 */
export const MoneyAmount = z
  .string({ error: 'must be a decimal amount as text, such as "12.50"' })
  .transform((text, ctx) => {
    const parsed = parseMoney(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: `must be an amount: ${parsed.error}` });
      return z.NEVER;
    }
    if (parsed.value.startsWith('-')) {
      ctx.addIssue({ code: 'custom', message: 'must not be negative' });
      return z.NEVER;
    }
    return parsed.value;
  });

/** Higher wins arbitration (together with expected value). */
export const Priority = z
  .number({ error: 'must be a whole number from 0 to 1000' })
  .int('must be a whole number from 0 to 1000')
  .min(0, 'must be a whole number from 0 to 1000')
  .max(1000, 'must be a whole number from 0 to 1000');

/** Customers picked by a saved segment or by a rule written in place. */
export const Audience = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('segment'), segment: Slug }),
    z.strictObject({ type: z.literal('rule'), rule: SegmentRule }),
  ],
  { error: 'type must be segment or rule' },
);
export type Audience = z.infer<typeof Audience>;

/** A name people read in lists: offers and campaigns. */
export const DisplayName = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

export const Description = z
  .string({ error: 'must be a string' })
  .max(2000, 'must be at most 2000 characters');

export const OFFER_KINDS = ['product', 'bonus', 'discount'] as const;

export const Offer = z
  .strictObject({
    id: Slug,
    name: DisplayName,
    description: Description.optional(),
    kind: z.enum(OFFER_KINDS, { error: `must be one of ${OFFER_KINDS.join(', ')}` }),
    /** Who may get it; everyone when absent. */
    eligibility: Audience.optional(),
    /** First and last day it may be given, both included; no last day when `validTo` is absent. */
    validFrom: CalendarDate,
    validTo: CalendarDate.optional(),
    /** Worth to the customer (price of the product, size of the bonus or discount). */
    value: MoneyAmount,
    /** Cost to the business of one offer taken up. */
    cost: MoneyAmount,
    /** Expected margin of one offer made, up-take included: what arbitration weighs with priority. */
    expectedValue: MoneyAmount,
    priority: Priority,
    /** Days after a customer was sent this offer before they may be sent it again; 0 for none. */
    cooldownDays: z
      .number({ error: 'must be a whole number of days, 0 or more' })
      .int('must be a whole number of days, 0 or more')
      .min(0, 'must be a whole number of days, 0 or more')
      .max(3650, 'must be at most 3650 days'),
    /** Channels the offer may be sent through. */
    channels: z
      .array(DeliveryChannel)
      .min(1, 'must list at least one channel')
      .refine((channels) => new Set(channels).size === channels.length, 'lists a channel twice'),
  })
  .superRefine((offer, ctx) => {
    if (offer.validTo !== undefined && offer.validTo < offer.validFrom) {
      ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'must not be before validFrom' });
    }
  });
export type Offer = z.infer<typeof Offer>;
/** What an API body or a form holds before parsing (amounts as text, in any accepted spelling). */
export type OfferInput = z.input<typeof Offer>;

export type OfferError = { readonly type: 'invalid_offer'; readonly issues: readonly SchemaIssue[] };

// ---------------------------------------------------------------------------------------------
// Audiences against the workspace

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const under = (prefix: string, issue: SchemaIssue): SchemaIssue => {
  if (issue.path === '(root)' || issue.path === '') return { ...issue, path: prefix };
  return {
    ...issue,
    path: issue.path.startsWith('[') ? `${prefix}${issue.path}` : `${prefix}.${issue.path}`,
  };
};

/**
 * Issues reported under a key: `rules[0].attribute` under `audience.rule` → `audience.rule.rules[0].attribute`.
 */
export const issuesUnder = (prefix: string, issues: readonly SchemaIssue[]): SchemaIssue[] =>
  issues.map((issue) => under(prefix, issue));

/** Stands in for a refused rule so that the rest of the object is still checked. */
const PLACEHOLDER_RULE: SegmentRule = { type: 'list', list: 'placeholder' };

/**
 * Checks an inline audience rule of raw input the way `parseSegmentRule` does (size first, so a
 * hostile nesting never reaches zod's recursion) and, when refused, swaps it for a placeholder:
 * the caller parses the rest as usual and adds these issues.
 */
export const precheckAudienceRule = (
  input: unknown,
  key: string,
  context: SegmentRuleContext,
): { readonly input: unknown; readonly issues: readonly SchemaIssue[] } => {
  if (!isRecord(input)) return { input, issues: [] };
  const audience = input[key];
  if (!isRecord(audience) || audience.type !== 'rule' || !('rule' in audience)) return { input, issues: [] };
  const parsed = parseSegmentRule(audience.rule, context);
  if (parsed.ok) return { input, issues: [] };
  return {
    input: { ...input, [key]: { ...audience, rule: PLACEHOLDER_RULE } },
    issues: issuesUnder(`${key}.rule`, parsed.error.issues),
  };
};

/** A saved segment that exists (when the context lists them), or a rule that fits the schema. */
export const checkAudience = (
  audience: Audience,
  context: SegmentRuleContext,
  key: string,
): SchemaIssue[] => {
  if (audience.type === 'rule') {
    const checked = checkSegmentRule(audience.rule, context);
    return checked.ok ? [] : issuesUnder(`${key}.rule`, checked.error.issues);
  }
  const known = context.segments;
  if (known === undefined || known.has(audience.segment)) return [];
  const closest = closestName(audience.segment, known);
  const hint = closest === undefined ? '' : ` (did you mean "${closest}"?)`;
  return [
    { path: `${key}.segment`, message: `unknown segment "${audience.segment}"${hint}`, kind: 'unknown_name' },
  ];
};

/** Zod's issues in our form: a path of keys, and the message. */
export const zodIssues = (error: z.ZodError): SchemaIssue[] =>
  error.issues.map((issue) => ({
    path: formatPath(issue.path) || '(root)',
    message: issue.message,
    kind: issueKindOf(issue),
  }));

// ---------------------------------------------------------------------------------------------
// Offers

/**
 * Parses an offer from decoded JSON/YAML: its shape, then its eligibility against the workspace
 * (rule issues under `eligibility.rule.…`). Every issue comes with the path of its key.
 */
export const parseOffer = (input: unknown, context: SegmentRuleContext): Result<Offer, OfferError> => {
  const prechecked = precheckAudienceRule(input, 'eligibility', context);
  const parsed = Offer.safeParse(prechecked.input);
  const issues = [...(parsed.success ? [] : zodIssues(parsed.error)), ...prechecked.issues];
  if (parsed.success && prechecked.issues.length === 0 && parsed.data.eligibility !== undefined) {
    issues.push(...checkAudience(parsed.data.eligibility, context, 'eligibility'));
  }
  if (!parsed.success || issues.length > 0) return err({ type: 'invalid_offer', issues });
  return ok(parsed.data);
};

/** Whether the offer may be given on `date` (today in the workspace time zone, `YYYY-MM-DD`). */
export const isOfferValid = (offer: Offer, date: string): boolean =>
  offer.validFrom <= date && (offer.validTo === undefined || date <= offer.validTo);

/** The offer as message templates see it (`offer.name`, …); absent fields are null. */
export const offerTemplateValues = (offer: Offer): Record<OfferContentField, string | null> => ({
  id: offer.id,
  name: offer.name,
  description: offer.description ?? null,
  kind: offer.kind,
  value: offer.value,
  validFrom: offer.validFrom,
  validTo: offer.validTo ?? null,
});
