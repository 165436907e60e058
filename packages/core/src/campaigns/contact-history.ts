import { z } from 'zod';
import { err, ok, type Result } from '../result.ts';
import { POLICY_RULES, type PolicyRule } from './contact-policy.ts';

/**
 * The outcome vocabulary of contact history: one row per customer per campaign run, whose outcome
 * is stored and counted in the run's funnel as text such as `excluded:no_consent` or
 * `suppressed:cap:sms:week`.
 */

/** Why a customer left the run before the contact policy: consent and contactability. */
export const EXCLUSION_REASONS = [
  'no_consent',
  'no_contact_point',
  'stop_list',
  'not_eligible',
  /** The content could not be rendered for the customer; the run goes on without them. */
  'render_failed',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/**
 * Why the contact policy or arbitration held a message back, or the campaign's volume cap (the
 * run had queued as many as it may).
 */
export type SuppressionRule = PolicyRule | 'arbitration' | 'volume_cap';
export const SUPPRESSION_RULES: readonly SuppressionRule[] = [...POLICY_RULES, 'arbitration', 'volume_cap'];

/** Outcomes with nothing after the step name; the later ones follow the message through delivery. */
export const PLAIN_OUTCOMES = ['ucg', 'control', 'queued', 'sent', 'delivered', 'failed'] as const;
export type PlainOutcome = (typeof PLAIN_OUTCOMES)[number];

export type ContactOutcome = PlainOutcome | `excluded:${ExclusionReason}` | `suppressed:${SuppressionRule}`;

const CONTACT_OUTCOMES: readonly ContactOutcome[] = [
  ...PLAIN_OUTCOMES,
  ...EXCLUSION_REASONS.map((reason): ContactOutcome => `excluded:${reason}`),
  ...SUPPRESSION_RULES.map((rule): ContactOutcome => `suppressed:${rule}`),
];

/** The stored text form: the one schema of an outcome for the API, the stores and the web. */
export const ContactOutcome = z.enum(CONTACT_OUTCOMES);

/** An outcome taken apart, told apart by `type`. */
export type ContactOutcomeParts =
  | { readonly type: PlainOutcome }
  | { readonly type: 'excluded'; readonly reason: ExclusionReason }
  | { readonly type: 'suppressed'; readonly rule: SuppressionRule };

export const formatContactOutcome = (parts: ContactOutcomeParts): ContactOutcome => {
  switch (parts.type) {
    case 'excluded':
      return `excluded:${parts.reason}`;
    case 'suppressed':
      return `suppressed:${parts.rule}`;
    default:
      return parts.type;
  }
};

export type OutcomeError = { readonly type: 'unknown_outcome'; readonly text: string };

const isPlain = (text: string): text is PlainOutcome => PLAIN_OUTCOMES.some((outcome) => outcome === text);

export const parseContactOutcome = (text: string): Result<ContactOutcomeParts, OutcomeError> => {
  if (isPlain(text)) return ok({ type: text });
  const separator = text.indexOf(':');
  const step = text.slice(0, separator);
  const detail = text.slice(separator + 1);
  if (separator > 0 && step === 'excluded') {
    const reason = EXCLUSION_REASONS.find((candidate) => candidate === detail);
    if (reason !== undefined) return ok({ type: 'excluded', reason });
  }
  if (separator > 0 && step === 'suppressed') {
    const rule = SUPPRESSION_RULES.find((candidate) => candidate === detail);
    if (rule !== undefined) return ok({ type: 'suppressed', rule });
  }
  return err({ type: 'unknown_outcome', text });
};
