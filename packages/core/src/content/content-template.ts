import { z } from 'zod';
import { CHANNELS } from '../workspace/workspace-schema.ts';

/**
 * What a campaign sends: the fields of one channel, per locale, each a Liquid template. The
 * content lives inside the campaign rather than being referenced by id, so that what the approver
 * approved is exactly what is sent: editing a shared template later cannot change a running
 * campaign.
 */

/** Where a message can go: the customer channels (with consent) plus a webhook to another system. */
export const DELIVERY_CHANNELS = [...CHANNELS, 'webhook'] as const;
export const DeliveryChannel = z.enum(DELIVERY_CHANNELS, {
  error: `must be one of ${DELIVERY_CHANNELS.join(', ')}`,
});
export type DeliveryChannel = z.infer<typeof DeliveryChannel>;

/** A language tag as customers' `locale` holds it: `ru`, `en`, `en-GB`. */
export const LOCALE_TAG = /^[a-z]{2,3}(-[A-Z]{2})?$/;

/** Lengths of the source templates, not of what they render to (SMS length is checked as SMS). */
export const CONTENT_LIMITS = {
  smsText: 2000,
  pushTitle: 200,
  pushBody: 2000,
  emailSubject: 500,
  emailText: 100_000,
  emailHtml: 500_000,
  webhookPayload: 100_000,
} as const;

const field = (max: number) =>
  z
    .string({ error: 'must be text' })
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

export const SmsContent = z.strictObject({ text: field(CONTENT_LIMITS.smsText) });
export type SmsContent = z.infer<typeof SmsContent>;

export const EmailContent = z.strictObject({
  subject: field(CONTENT_LIMITS.emailSubject),
  html: field(CONTENT_LIMITS.emailHtml),
  /** The plain-text alternative, which mail clients without HTML and spam filters read. */
  text: field(CONTENT_LIMITS.emailText),
});
export type EmailContent = z.infer<typeof EmailContent>;

export const PushContent = z.strictObject({
  title: field(CONTENT_LIMITS.pushTitle),
  body: field(CONTENT_LIMITS.pushBody),
});
export type PushContent = z.infer<typeof PushContent>;

/**
 * A JSON document whose strings are Liquid templates: `{"msisdn": "{{ customer.msisdn }}"}`.
 * Rendering fills in the strings and keeps the structure, so customer data can never break the
 * JSON; every rendered value is a string.
 */
export const WebhookContent = z.strictObject({
  payload: z
    .json({ error: 'must be a JSON value' })
    .refine(
      (payload) => JSON.stringify(payload).length <= CONTENT_LIMITS.webhookPayload,
      `must be at most ${CONTENT_LIMITS.webhookPayload} characters of JSON`,
    ),
});
export type WebhookContent = z.infer<typeof WebhookContent>;

const byLocale = <T extends z.ZodType>(fields: T) =>
  z.record(z.string(), fields).superRefine((locales, ctx) => {
    const tags = Object.keys(locales);
    if (tags.length === 0) ctx.addIssue({ code: 'custom', message: 'must hold at least one locale' });
    for (const tag of tags) {
      if (!LOCALE_TAG.test(tag)) {
        ctx.addIssue({
          code: 'custom',
          path: [tag],
          message: 'is not a language tag such as en, ru or en-GB',
        });
      }
    }
  });

export const ContentTemplate = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('sms'), locales: byLocale(SmsContent) }),
    z.strictObject({ type: z.literal('email'), locales: byLocale(EmailContent) }),
    z.strictObject({ type: z.literal('push'), locales: byLocale(PushContent) }),
    z.strictObject({ type: z.literal('webhook'), locales: byLocale(WebhookContent) }),
  ],
  { error: `type must be one of ${DELIVERY_CHANNELS.join(', ')}` },
);
export type ContentTemplate = z.infer<typeof ContentTemplate>;

/** The locales a template has content for, in the order written. */
export const templateLocales = (template: ContentTemplate): string[] => Object.keys(template.locales);

const language = (tag: string): string => tag.split('-')[0] ?? tag;

/**
 * The locale to send a customer: theirs if the template has it, else one of the same language
 * (`en-GB` → `en`, `en` → `en-GB`), else the workspace default (or its language), else the first
 * the template has. Never fails: a customer without a locale still gets a message.
 */
export const chooseLocale = (
  available: readonly string[],
  options: { readonly wanted: string | null; readonly fallback: string },
): string => {
  const pick = (tag: string | null): string | undefined => {
    if (tag === null) return undefined;
    if (available.includes(tag)) return tag;
    return (
      available.find((candidate) => candidate === language(tag)) ??
      available.find((candidate) => language(candidate) === language(tag))
    );
  };
  return pick(options.wanted) ?? pick(options.fallback) ?? available[0] ?? options.fallback;
};
