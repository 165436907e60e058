import type { Campaign, DeliveryChannel, Purpose } from '@opencvm/core';

/**
 * The wizard's form: what the user types, as text and numbers, turned into a campaign definition
 * for the API (which checks it and answers every issue with its path) and back.
 */

export const CONTENT_FIELDS: Readonly<Record<DeliveryChannel, readonly string[]>> = {
  sms: ['text'],
  email: ['subject', 'html', 'text'],
  push: ['title', 'body'],
  webhook: ['payload'],
};

export type Kpi = Campaign['goal']['kpi'];

export interface CampaignForm {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly purpose: Purpose;
  readonly priority: number | string;
  readonly audienceType: 'segment' | 'rule';
  readonly segment: string;
  readonly ruleText: string;
  readonly offers: readonly string[];
  readonly channel: DeliveryChannel;
  readonly locales: readonly string[];
  /** Locale → field → template text (a webhook's payload as JSON text). */
  readonly content: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly scheduleType: 'once' | 'recurring';
  /** `YYYY-MM-DDTHH:mm` in the browser's time zone, as a datetime-local input holds it. */
  readonly at: string;
  readonly cron: string;
  readonly volumeCap: number | string;
  readonly controlShare: number | string;
  readonly goalEvent: string;
  /** Conditions on the goal event, kept as loaded: the wizard does not edit them. */
  readonly goalWhere: Campaign['goal']['where'];
  readonly kpi: Kpi;
  readonly attributionDays: number | string;
  readonly expectedLift: number | string;
}

export interface Issue {
  readonly path: string;
  readonly message: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as a datetime-local input shows it, in the browser's zone. */
export const toLocalInput = (instant: string | Date): string => {
  const date = new Date(instant);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
};

/** Tomorrow at 10:00 local time: a sensible first schedule. */
const tomorrowMorning = (): string => {
  const date = new Date();
  date.setDate(date.getDate() + 1);
  date.setHours(10, 0, 0, 0);
  return toLocalInput(date);
};

export const emptyForm = (options: { defaultLocale: string; goalEvent: string }): CampaignForm => ({
  id: '',
  name: '',
  description: '',
  purpose: 'marketing',
  priority: 500,
  audienceType: 'segment',
  segment: '',
  ruleText: '',
  offers: [],
  channel: 'sms',
  locales: [options.defaultLocale],
  content: { [options.defaultLocale]: { text: '' } },
  scheduleType: 'once',
  at: tomorrowMorning(),
  cron: '0 10 * * *',
  volumeCap: '',
  controlShare: 10,
  goalEvent: options.goalEvent,
  goalWhere: undefined,
  kpi: 'conversion',
  attributionDays: 14,
  expectedLift: 10,
});

const contentFields = (content: Campaign['content']): Record<string, Record<string, string>> => {
  const out: Record<string, Record<string, string>> = {};
  for (const [locale, fields] of Object.entries(content.locales)) {
    out[locale] = Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : JSON.stringify(value, null, 2),
      ]),
    );
  }
  return out;
};

export const formOf = (campaign: Campaign): CampaignForm => ({
  id: campaign.id,
  name: campaign.name,
  description: campaign.description ?? '',
  purpose: campaign.purpose,
  priority: campaign.priority,
  audienceType: campaign.audience.type,
  segment: campaign.audience.type === 'segment' ? campaign.audience.segment : '',
  ruleText: campaign.audience.type === 'rule' ? JSON.stringify(campaign.audience.rule, null, 2) : '',
  offers: campaign.offers,
  channel: campaign.channel,
  locales: Object.keys(campaign.content.locales),
  content: contentFields(campaign.content),
  scheduleType: campaign.schedule.type,
  at: campaign.schedule.type === 'once' ? toLocalInput(campaign.schedule.at) : tomorrowMorning(),
  cron: campaign.schedule.type === 'recurring' ? campaign.schedule.cron : '0 10 * * *',
  volumeCap: campaign.volumeCap ?? '',
  controlShare: campaign.controlShare,
  goalEvent: campaign.goal.eventType,
  goalWhere: campaign.goal.where,
  kpi: campaign.goal.kpi,
  attributionDays: campaign.goal.attributionDays,
  expectedLift: campaign.goal.expectedLiftPercent ?? '',
});

const numberOr = (value: number | string): number | undefined => {
  if (typeof value === 'number') return value;
  if (value.trim() === '') return undefined;
  const parsed = Number(value.replace(',', '.'));
  return Number.isFinite(parsed) ? parsed : undefined;
};

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

/** The audience as the API takes it, or null when the rule is not JSON yet. */
export const audienceOf = (form: CampaignForm): unknown => {
  if (form.audienceType === 'segment')
    return form.segment === '' ? null : { type: 'segment', segment: form.segment };
  const rule = parseJson(form.ruleText);
  return rule.ok ? { type: 'rule', rule: rule.value } : null;
};

/** The content as the API takes it; a webhook payload that is not JSON is an issue here. */
export const contentOf = (form: CampaignForm): { content: unknown; issues: Issue[] } => {
  const issues: Issue[] = [];
  const locales: Record<string, Record<string, unknown>> = {};
  for (const locale of form.locales) {
    const fields = form.content[locale] ?? {};
    const out: Record<string, unknown> = {};
    for (const key of CONTENT_FIELDS[form.channel]) {
      const text = fields[key] ?? '';
      if (form.channel === 'webhook') {
        const parsed = parseJson(text);
        if (parsed.ok) out[key] = parsed.value;
        else issues.push({ path: `content.locales.${locale}.${key}`, message: 'is not valid JSON' });
      } else out[key] = text;
    }
    locales[locale] = out;
  }
  return { content: { type: form.channel, locales }, issues };
};

/**
 * The campaign definition for POST/PUT, and the issues found before asking the API (JSON that
 * does not parse). Empty optional numbers are left out; the API says what else is wrong.
 */
export const definitionOf = (
  form: CampaignForm,
  messages: { readonly notJson: string },
): { definition: Record<string, unknown>; issues: Issue[] } => {
  const issues: Issue[] = [];
  let audience: unknown;
  if (form.audienceType === 'segment') audience = { type: 'segment', segment: form.segment };
  else {
    const rule = parseJson(form.ruleText);
    if (rule.ok) audience = { type: 'rule', rule: rule.value };
    else issues.push({ path: 'audience.rule', message: messages.notJson });
  }
  const content = contentOf(form);
  issues.push(...content.issues.map((issue) => ({ ...issue, message: messages.notJson })));
  const at = new Date(form.at);
  const schedule =
    form.scheduleType === 'once'
      ? { type: 'once', at: Number.isNaN(at.getTime()) ? form.at : at.toISOString() }
      : { type: 'recurring', cron: form.cron.trim() };
  const priority = numberOr(form.priority);
  const volumeCap = numberOr(form.volumeCap);
  const controlShare = numberOr(form.controlShare);
  const attributionDays = numberOr(form.attributionDays);
  const expectedLift = numberOr(form.expectedLift);
  const definition: Record<string, unknown> = {
    id: form.id.trim(),
    name: form.name,
    ...(form.description.trim() === '' ? {} : { description: form.description }),
    audience,
    offers: form.offers,
    channel: form.channel,
    content: content.content,
    schedule,
    controlShare: controlShare ?? 0,
    goal: {
      eventType: form.goalEvent,
      ...(form.goalWhere === undefined ? {} : { where: form.goalWhere }),
      attributionDays: attributionDays ?? 14,
      kpi: form.kpi,
      ...(expectedLift === undefined ? {} : { expectedLiftPercent: expectedLift }),
    },
    priority: priority ?? 0,
    ...(volumeCap === undefined ? {} : { volumeCap }),
    purpose: form.purpose,
  };
  return { definition, issues };
};

export const STEP_KEYS = [
  'audience',
  'offers',
  'content',
  'schedule',
  'control',
  'policy',
  'submit',
] as const;
export type StepKey = (typeof STEP_KEYS)[number];

/** The wizard step whose fields an issue's path names. */
export const stepOf = (path: string): number => {
  const head = path.split(/[.[]/)[0] ?? '';
  switch (head) {
    case 'offers':
      return 1;
    case 'channel':
    case 'content':
      return 2;
    case 'schedule':
    case 'volumeCap':
      return 3;
    case 'controlShare':
    case 'goal':
      return 4;
    default:
      return 0;
  }
};

/** The messages of the issues at `path` or under it, joined; null when there are none. */
export const messagesAt = (issues: readonly Issue[], path: string): string | null => {
  const found = issues.filter(
    (issue) => issue.path === path || issue.path.startsWith(`${path}.`) || issue.path.startsWith(`${path}[`),
  );
  if (found.length === 0) return null;
  return found
    .map((issue) =>
      issue.path === path ? issue.message : `${issue.path.slice(path.length + 1)}: ${issue.message}`,
    )
    .join('; ');
};
