import type { z } from 'zod';
import type { ContentTemplate } from '../content/content-template.ts';
import { err, ok, type Result } from '../result.ts';
import type { SegmentRuleContext } from '../segments/check-segment-rule.ts';
import { rfmConfig } from '../segments/features.ts';
import type { SegmentRule } from '../segments/segment-rule.ts';
import type { Purpose, SchemaIssue } from '../workspace/workspace-schema.ts';
import {
  type Campaign,
  type CampaignGoal,
  type CampaignInput,
  type CampaignSchedule,
  parseCampaign,
} from './campaign.ts';
import { type Audience, type Offer, type OfferInput, parseOffer } from './offer.ts';

/**
 * Ready campaign scenarios for the gallery: audience, a suggested offer, content in English and
 * Russian (SMS and push), goal, control group and schedule. They are written for the demo telecom
 * schema and name only what they need (see `requires`), so they apply to any workspace schema
 * with those names; `checkCampaignTemplate` says what is missing otherwise.
 *
 * The recurring ones pick the same customers on several runs (a welcome audience is everyone
 * activated in the last 14 days); the suggested offer's `cooldownDays` is what keeps a customer
 * from getting the message again, so keep a cooldown at least as long as the audience window.
 */

export const CAMPAIGN_TEMPLATE_KEYS = [
  'win-back',
  'churn-prevention',
  'welcome',
  'upsell',
  'topup-reminder',
  'birthday',
] as const;
export type CampaignTemplateKey = (typeof CAMPAIGN_TEMPLATE_KEYS)[number];

export const TEMPLATE_LOCALES = ['en', 'ru'] as const;
export type TemplateLocale = (typeof TEMPLATE_LOCALES)[number];
type Localized = Readonly<Record<TemplateLocale, string>>;

export interface CampaignTemplate {
  readonly key: CampaignTemplateKey;
  readonly name: Localized;
  readonly description: Localized;
  /** The names the scenario uses, for a gallery to show; checking is `checkCampaignTemplate`'s. */
  readonly requires: {
    readonly customerAttributes: readonly string[];
    readonly eventTypes: readonly string[];
    readonly features: readonly string[];
  };
  readonly audience: Audience;
  /** The offer to create with it (validity dates are the user's to give). */
  readonly offer: Omit<OfferInput, 'validFrom' | 'validTo'>;
  readonly content: {
    readonly sms: Extract<ContentTemplate, { type: 'sms' }>;
    readonly push: Extract<ContentTemplate, { type: 'push' }>;
  };
  readonly schedule: CampaignSchedule;
  readonly goal: z.input<typeof CampaignGoal>;
  readonly controlShare: number;
  readonly priority: number;
  readonly purpose: Purpose;
}

const UNTIL_EN = "{% if offer.validTo %} until {{ offer.validTo | date: '%d.%m' }}{% endif %}";
const UNTIL_RU = "{% if offer.validTo %} до {{ offer.validTo | date: '%d.%m' }}{% endif %}";

const sms = (en: string, ru: string): Extract<ContentTemplate, { type: 'sms' }> => ({
  type: 'sms',
  locales: { en: { text: en }, ru: { text: ru } },
});

const push = (
  en: { readonly title: string; readonly body: string },
  ru: { readonly title: string; readonly body: string },
): Extract<ContentTemplate, { type: 'push' }> => ({ type: 'push', locales: { en, ru } });

const daily = (hour: number): CampaignSchedule => ({ type: 'recurring', cron: `0 ${hour} * * *` });
const weekly = (day: 'MON' | 'TUE' | 'WED', hour: number): CampaignSchedule => ({
  type: 'recurring',
  cron: `0 ${hour} * * ${day}`,
});

/**
 * "Birthday today" cannot be said in the rule language: it compares whole dates and has no month
 * or day of a date. The closest it can say: for each age k, `birth_date` between k × 365 + ⌈k/4⌉
 * and k × 365 + ⌊k/4⌋ days ago. A k-year span holds ⌊k/4⌋ or ⌈k/4⌉ leap days (1901–2099), so
 * a customer matches on their birthday and on one neighbouring day, never more than a day before
 * it and, with the offer's cooldown making the first match the only message, never after it.
 * The youngest age has only the later day, k × 365 + ⌈k/4⌉ days: nobody below `fromAge` ever
 * matches, at the price of that birthday's message coming a day late in some years. The
 * scenario uses ages 18–100: no birthday marketing to minors.
 */
export const birthdayRule = (fromAge: number, toAge: number): SegmentRule => {
  const rules: SegmentRule[] = [];
  for (let age = fromAge; age <= toAge; age += 1) {
    const latest = age * 365 + Math.ceil(age / 4);
    const earliest = age === fromAge ? latest : age * 365 + Math.floor(age / 4);
    rules.push(
      earliest === latest
        ? { type: 'attribute', attribute: 'birth_date', op: '=', value: { daysAgo: latest } }
        : {
            type: 'attribute',
            attribute: 'birth_date',
            op: 'between',
            from: { daysAgo: latest },
            to: { daysAgo: earliest },
          },
    );
  }
  return { type: 'or', rules };
};

export const CAMPAIGN_TEMPLATES: Readonly<Record<CampaignTemplateKey, CampaignTemplate>> = {
  'win-back': {
    key: 'win-back',
    name: { en: 'Win back lapsed buyers', ru: 'Возврат ушедших покупателей' },
    description: {
      en: 'Customers whose last add-on purchase was 2 to 12 months ago get 30% off the next one.',
      ru: 'Клиенты, которые последний раз покупали опцию от 2 до 12 месяцев назад, получают скидку 30% на следующую.',
    },
    requires: { customerAttributes: [], eventTypes: ['purchase'], features: [] },
    audience: {
      type: 'rule',
      rule: { type: 'recency', eventType: 'purchase', op: 'between', from: 61, to: 365 },
    },
    offer: {
      id: 'winback-30-off',
      name: '30% off the next add-on',
      kind: 'discount',
      value: '90',
      cost: '45',
      expectedValue: '30',
      priority: 600,
      cooldownDays: 60,
      channels: ['sms', 'push', 'email'],
    },
    content: {
      sms: sms(
        `We miss you! Take 30% off your next add-on in the app${UNTIL_EN}.`,
        `Мы скучаем! Скидка 30% на следующую опцию в приложении${UNTIL_RU}.`,
      ),
      push: push(
        {
          title: '30% off, just for you',
          body: `We miss you! Your next add-on is 30% off in the app${UNTIL_EN}.`,
        },
        {
          title: 'Скидка 30% для вас',
          body: `Мы скучаем! Следующая опция со скидкой 30% в приложении${UNTIL_RU}.`,
        },
      ),
    },
    schedule: weekly('TUE', 11),
    goal: { eventType: 'purchase', attributionDays: 14, kpi: 'conversion' },
    controlShare: 10,
    priority: 600,
    purpose: 'marketing',
  },
  'churn-prevention': {
    key: 'churn-prevention',
    name: { en: 'Churn prevention', ru: 'Предотвращение оттока' },
    description: {
      en: 'At-risk customers (RFM "at risk", or data use that stopped in the last two weeks) get 5 GB for 30 days.',
      ru: 'Клиенты в зоне риска (RFM «в зоне риска» или пропавший за две недели интернет-трафик) получают 5 ГБ на 30 дней.',
    },
    requires: {
      customerAttributes: [],
      eventTypes: ['data_session'],
      features: ['rfm_r', 'rfm_f'],
    },
    audience: {
      type: 'rule',
      rule: {
        type: 'or',
        rules: [
          // The RFM "at_risk" preset: once frequent, no longer recent.
          {
            type: 'and',
            rules: [
              { type: 'feature', feature: 'rfm_r', op: '<=', value: 2 },
              { type: 'feature', feature: 'rfm_f', op: '>=', value: 3 },
            ],
          },
          // Activity drop: used data in the last 90 days, none in the last 14.
          {
            type: 'and',
            rules: [
              { type: 'activity', eventType: 'data_session', window: { days: 90 }, done: true },
              { type: 'activity', eventType: 'data_session', window: { days: 14 }, done: false },
            ],
          },
        ],
      },
    },
    offer: {
      id: 'retention-5gb',
      name: '5 GB free for 30 days',
      kind: 'bonus',
      value: '250',
      cost: '15',
      expectedValue: '120',
      priority: 800,
      cooldownDays: 30,
      channels: ['sms', 'push'],
    },
    content: {
      sms: sms(
        'A gift for staying with us: 5 GB of free data for 30 days. Activate it in the app.',
        'Подарок за то, что вы с нами: 5 ГБ интернета на 30 дней. Подключите в приложении.',
      ),
      push: push(
        { title: '5 GB on us', body: 'Thank you for staying with us. Your 5 GB gift is waiting in the app.' },
        { title: '5 ГБ в подарок', body: 'Спасибо, что вы с нами! Подарок 5 ГБ ждёт вас в приложении.' },
      ),
    },
    schedule: weekly('MON', 12),
    goal: { eventType: 'data_session', attributionDays: 30, kpi: 'retention' },
    controlShare: 20,
    priority: 800,
    purpose: 'marketing',
  },
  welcome: {
    key: 'welcome',
    name: { en: 'Welcome new customers', ru: 'Приветствие новых клиентов' },
    description: {
      en: 'Customers activated in the last 14 days get a 3 GB welcome bonus and an invitation to the app.',
      ru: 'Клиенты, подключившиеся за последние 14 дней, получают приветственный бонус 3 ГБ и приглашение в приложение.',
    },
    requires: { customerAttributes: ['activation_date'], eventTypes: ['app_open'], features: [] },
    audience: {
      type: 'rule',
      rule: { type: 'attribute', attribute: 'activation_date', op: '>=', value: { daysAgo: 14 } },
    },
    offer: {
      id: 'welcome-3gb',
      name: '3 GB welcome bonus',
      kind: 'bonus',
      value: '150',
      cost: '10',
      expectedValue: '40',
      priority: 500,
      // Once per customer: the audience window is 14 days, the welcome is for life.
      cooldownDays: 365,
      channels: ['sms', 'push', 'email'],
    },
    content: {
      sms: sms(
        'Welcome aboard! Here is 3 GB of bonus data for your first month. Get our app to keep an eye on your balance.',
        'Добро пожаловать! Дарим 3 ГБ интернета на первый месяц. Следите за балансом в нашем приложении.',
      ),
      push: push(
        { title: 'Welcome!', body: 'Your 3 GB welcome bonus is active. Open the app to see your balance.' },
        {
          title: 'Добро пожаловать!',
          body: 'Бонус 3 ГБ уже подключён. Откройте приложение, чтобы увидеть баланс.',
        },
      ),
    },
    schedule: daily(10),
    goal: { eventType: 'app_open', attributionDays: 14, kpi: 'conversion' },
    controlShare: 10,
    priority: 500,
    purpose: 'marketing',
  },
  upsell: {
    key: 'upsell',
    name: { en: 'Up-sell to a bigger plan', ru: 'Переход на тариф выше' },
    description: {
      en: 'Customers on Basic or Smart who used over 15 GB in the last 30 days are invited to Smart+.',
      ru: 'Клиентам на тарифах Basic и Smart, потратившим больше 15 ГБ за 30 дней, предлагаем Smart+.',
    },
    requires: {
      customerAttributes: ['tariff', 'data_plan_gb'],
      eventTypes: ['data_session', 'plan_change'],
      features: [],
    },
    audience: {
      type: 'rule',
      rule: {
        type: 'and',
        rules: [
          { type: 'attribute', attribute: 'tariff', op: 'in', values: ['basic', 'smart'] },
          {
            type: 'event',
            eventType: 'data_session',
            window: { days: 30 },
            aggregate: 'sum',
            field: 'mb',
            op: '>=',
            value: 15_000,
          },
        ],
      },
    },
    offer: {
      id: 'upgrade-smart-plus',
      name: 'Upgrade to Smart+',
      kind: 'product',
      value: '200',
      cost: '0',
      expectedValue: '80',
      priority: 400,
      cooldownDays: 90,
      channels: ['sms', 'push', 'email'],
    },
    content: {
      sms: sms(
        'You use a lot of data{% if customer.data_plan_gb > 0 %}, more than the {{ customer.data_plan_gb }} GB in your plan{% endif %}. Smart+ gives you more for less per GB: see the app.',
        'Вы активно пользуетесь интернетом{% if customer.data_plan_gb > 0 %}, больше {{ customer.data_plan_gb }} ГБ по тарифу{% endif %}. На Smart+ больше ГБ и дешевле гигабайт. Подробнее в приложении.',
      ),
      push: push(
        {
          title: 'More data, less per GB',
          body: 'Upgrade to Smart+ in the app: more gigabytes at a lower price per GB.',
        },
        {
          title: 'Больше интернета',
          body: 'Перейдите на Smart+ в приложении: больше гигабайт и ниже цена за ГБ.',
        },
      ),
    },
    schedule: weekly('WED', 12),
    goal: {
      eventType: 'plan_change',
      where: [{ attribute: 'to_tariff', op: 'in', values: ['smart_plus', 'unlimited'] }],
      attributionDays: 30,
      kpi: 'conversion',
    },
    controlShare: 10,
    priority: 400,
    purpose: 'marketing',
  },
  'topup-reminder': {
    key: 'topup-reminder',
    name: { en: 'Top-up reminder', ru: 'Напоминание о пополнении' },
    description: {
      en: 'Prepaid customers who topped up in the last 6 months but not in the last 30 days get +10% on a top-up.',
      ru: 'Абоненты с предоплатой, пополнявшие счёт за полгода, но не за последние 30 дней, получают +10% к пополнению.',
    },
    requires: { customerAttributes: ['plan_type'], eventTypes: ['topup'], features: [] },
    audience: {
      type: 'rule',
      rule: {
        type: 'and',
        rules: [
          { type: 'attribute', attribute: 'plan_type', op: '=', value: 'prepaid' },
          { type: 'activity', eventType: 'topup', window: { days: 180 }, done: true },
          { type: 'activity', eventType: 'topup', window: { days: 30 }, done: false },
        ],
      },
    },
    offer: {
      id: 'topup-plus-10',
      name: '+10% on a top-up',
      kind: 'bonus',
      value: '30',
      cost: '30',
      expectedValue: '50',
      priority: 500,
      cooldownDays: 7,
      channels: ['sms', 'push'],
    },
    content: {
      sms: sms(
        `Time to top up? Top up now and get +10% on your balance${UNTIL_EN}.`,
        `Пора пополнить баланс? Пополните сейчас и получите +10% на счёт${UNTIL_RU}.`,
      ),
      push: push(
        { title: 'Top up and get +10%', body: 'Top up your balance in the app and we add 10% on top.' },
        {
          title: 'Пополните и получите +10%',
          body: 'Пополните баланс в приложении, и мы добавим 10% сверху.',
        },
      ),
    },
    schedule: daily(18),
    goal: { eventType: 'topup', attributionDays: 7, kpi: 'revenue' },
    controlShare: 10,
    priority: 500,
    purpose: 'marketing',
  },
  birthday: {
    key: 'birthday',
    name: { en: 'Birthday gift', ru: 'Подарок на день рождения' },
    description: {
      en: 'Adult customers get a gift on their birthday (or a day off it: see the audience rule).',
      ru: 'Совершеннолетние клиенты получают подарок в день рождения (или на день раньше или позже: см. правило аудитории).',
    },
    requires: { customerAttributes: ['birth_date'], eventTypes: ['purchase'], features: [] },
    audience: { type: 'rule', rule: birthdayRule(18, 100) },
    offer: {
      id: 'birthday-gift',
      name: 'Birthday gift: 2 GB and 100 minutes',
      kind: 'bonus',
      value: '200',
      cost: '12',
      expectedValue: '25',
      priority: 700,
      // The audience matches on two days a year; the cooldown makes it one message.
      cooldownDays: 300,
      channels: ['sms', 'push'],
    },
    content: {
      sms: sms(
        'Happy birthday! Our gift to you: 2 GB of data and 100 minutes for 7 days. Activate it in the app.',
        'С днём рождения! Наш подарок: 2 ГБ интернета и 100 минут на 7 дней. Подключите в приложении.',
      ),
      push: push(
        {
          title: 'Happy birthday!',
          body: 'Your gift is waiting in the app: 2 GB and 100 minutes for 7 days.',
        },
        { title: 'С днём рождения!', body: 'Подарок ждёт вас в приложении: 2 ГБ и 100 минут на 7 дней.' },
      ),
    },
    schedule: daily(10),
    goal: { eventType: 'purchase', attributionDays: 14, kpi: 'revenue' },
    controlShare: 10,
    priority: 700,
    purpose: 'marketing',
  },
};

export type CampaignTemplateOptions = Partial<CampaignInput> & {
  readonly id: string;
  readonly createdBy: string;
  /** The language of the campaign's name and description; `en` when absent. */
  readonly locale?: TemplateLocale | undefined;
};

/**
 * A draft campaign from a scenario, for a form to edit and `parseCampaign` to check. Anything in
 * `options` replaces the scenario's value. The scenario has SMS and push content; for email or a
 * webhook give `content` too, or parsing says it does not fit the channel.
 */
export const campaignFromTemplate = (
  key: CampaignTemplateKey,
  options: CampaignTemplateOptions,
): CampaignInput => {
  const template = CAMPAIGN_TEMPLATES[key];
  const { locale = 'en', ...overrides } = options;
  const channel = overrides.channel ?? 'sms';
  return {
    name: template.name[locale],
    description: template.description[locale],
    audience: template.audience,
    offers: [template.offer.id],
    channel,
    content: channel === 'push' ? template.content.push : template.content.sms,
    schedule: template.schedule,
    controlShare: template.controlShare,
    goal: template.goal,
    priority: template.priority,
    purpose: template.purpose,
    status: 'draft',
    ...overrides,
  };
};

/** The scenario's suggested offer, valid from `validFrom` (and to `validTo` when given). */
export const offerFromTemplate = (
  key: CampaignTemplateKey,
  options: {
    readonly validFrom: string;
    readonly validTo?: string | undefined;
    readonly id?: string | undefined;
  },
): OfferInput => {
  const { offer } = CAMPAIGN_TEMPLATES[key];
  return {
    ...offer,
    id: options.id ?? offer.id,
    validFrom: options.validFrom,
    ...(options.validTo === undefined ? {} : { validTo: options.validTo }),
  };
};

export type CampaignTemplateError = {
  readonly type: 'template_not_applicable';
  readonly key: CampaignTemplateKey;
  readonly issues: readonly SchemaIssue[];
};

const ruleUsesFeatures = (rule: SegmentRule): boolean => {
  switch (rule.type) {
    case 'feature':
      return true;
    case 'and':
    case 'or':
      return rule.rules.some(ruleUsesFeatures);
    case 'not':
      return ruleUsesFeatures(rule.rule);
    case 'graph':
      return ruleUsesFeatures(rule.base);
    case 'top':
      return rule.by.type === 'feature' || (rule.of !== undefined && ruleUsesFeatures(rule.of));
    case 'sample':
      return rule.of !== undefined && ruleUsesFeatures(rule.of);
    default:
      return false;
  }
};

/**
 * Whether a scenario applies to a workspace: its campaign and offer parse against the schema, and
 * RFM features it uses can be computed. Issues name the key and what is missing, e.g.
 * `audience.rule.attribute: unknown attribute "birth_date"`; offer issues come under `offer.`.
 */
export const checkCampaignTemplate = (
  key: CampaignTemplateKey,
  context: SegmentRuleContext,
): Result<{ readonly campaign: Campaign; readonly offer: Offer }, CampaignTemplateError> => {
  const template = CAMPAIGN_TEMPLATES[key];
  const issues: SchemaIssue[] = [];
  const offer = parseOffer(offerFromTemplate(key, { validFrom: '2000-01-01' }), context);
  if (!offer.ok) {
    issues.push(...offer.error.issues.map((issue) => ({ ...issue, path: `offer.${issue.path}` })));
  }
  const offers = new Map([[template.offer.id, { channels: offer.ok ? offer.value.channels : [] }]]);
  const campaign = parseCampaign(campaignFromTemplate(key, { id: key, createdBy: 'template' }), {
    ...context,
    offers: offer.ok ? offers : new Set([template.offer.id]),
  });
  if (!campaign.ok) issues.push(...campaign.error.issues);
  if (
    template.audience.type === 'rule' &&
    ruleUsesFeatures(template.audience.rule) &&
    rfmConfig(context.schema).eventTypes.length === 0
  ) {
    issues.push({
      path: 'audience.rule',
      message: 'uses RFM features, which need at least one event type with an amount',
    });
  }
  if (!offer.ok || !campaign.ok || issues.length > 0) {
    return err({ type: 'template_not_applicable', key, issues });
  }
  return ok({ campaign: campaign.value, offer: offer.value });
};
