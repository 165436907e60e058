import type { CampaignContext } from '../campaigns/campaign.ts';
import type { TemplateLocale } from '../campaigns/campaign-templates.ts';
import type { ContentTemplate } from '../content/content-template.ts';
import { err, ok, type Result } from '../result.ts';
import { type JourneyIssue, parseJourney } from './check-journey.ts';
import type { Journey, JourneyInput } from './journey.ts';

/**
 * Ready journey scenarios for the gallery: an entry trigger, the steps with their content in
 * English and Russian (SMS and push), a 10% holdout, a goal and positions for the canvas. They
 * are written for the demo telecom schema and name only what they need (see `requires`);
 * `checkJourneyTemplate` says what a workspace is missing for one.
 *
 * The sends name no offer: offers are the workspace's own, and the user picks one on the canvas.
 */

export const JOURNEY_TEMPLATE_KEYS = [
  'welcome-series',
  'topup-upsell',
  'win-back',
  'payment-rescue',
] as const;
export type JourneyTemplateKey = (typeof JOURNEY_TEMPLATE_KEYS)[number];

type Localized = Readonly<Record<TemplateLocale, string>>;

/** A journey of a scenario without what the user gives: its id and author. */
export type JourneyTemplateDefinition = Omit<JourneyInput, 'id' | 'createdBy'>;

export interface JourneyTemplate {
  readonly key: JourneyTemplateKey;
  readonly name: Localized;
  readonly description: Localized;
  /** The names the scenario uses, for a gallery to show; checking is `checkJourneyTemplate`'s. */
  readonly requires: {
    readonly customerAttributes: readonly string[];
    readonly eventTypes: readonly string[];
  };
  /** The definition, its name, description and node labels in `locale` (content has both). */
  readonly definition: (locale: TemplateLocale) => JourneyTemplateDefinition;
}

const sms = (en: string, ru: string): Extract<ContentTemplate, { type: 'sms' }> => ({
  type: 'sms',
  locales: { en: { text: en }, ru: { text: ru } },
});

const push = (
  en: { readonly title: string; readonly body: string },
  ru: { readonly title: string; readonly body: string },
): Extract<ContentTemplate, { type: 'push' }> => ({ type: 'push', locales: { en, ru } });

/** Canvas positions: a column every 280 px, a row every 140 px. */
const at = (column: number, row: number) => ({ x: column * 280, y: row * 140 });

const pick = (locale: TemplateLocale, text: Localized): string => text[locale];

const WELCOME: JourneyTemplate = {
  key: 'welcome-series',
  name: { en: 'Welcome series', ru: 'Приветственная серия' },
  description: {
    en: 'A new customer opens the app for the first time: a welcome push, two days to buy an add-on, then an SMS reminder for those who did not.',
    ru: 'Новый клиент впервые открывает приложение: приветственный пуш, два дня на покупку опции, затем SMS-напоминание тем, кто не купил.',
  },
  requires: { customerAttributes: ['activation_date'], eventTypes: ['app_open', 'purchase'] },
  definition: (locale) => ({
    name: pick(locale, WELCOME.name),
    description: pick(locale, WELCOME.description),
    // Once per customer: the first app open of someone activated in the last 30 days.
    entry: {
      type: 'event',
      eventType: 'app_open',
      customer: { type: 'attribute', attribute: 'activation_date', op: '>=', value: { daysAgo: 30 } },
    },
    start: 'welcome',
    nodes: [
      {
        id: 'welcome',
        type: 'send',
        channel: 'push',
        label: pick(locale, { en: 'Welcome push', ru: 'Приветственный пуш' }),
        position: at(1, 1),
        content: push(
          {
            title: 'Welcome aboard!',
            body: 'Your first add-on is waiting in the app: data, roaming or music.',
          },
          {
            title: 'Добро пожаловать!',
            body: 'Первая опция ждёт вас в приложении: интернет, роуминг или музыка.',
          },
        ),
        next: 'wait_2_days',
      },
      {
        id: 'wait_2_days',
        type: 'wait',
        label: pick(locale, { en: 'Wait 2 days', ru: 'Ждать 2 дня' }),
        position: at(1, 2),
        wait: { type: 'duration', duration: { days: 2 } },
        next: 'bought',
      },
      {
        id: 'bought',
        type: 'branch',
        label: pick(locale, { en: 'Bought an add-on?', ru: 'Купил опцию?' }),
        position: at(1, 3),
        branches: [
          {
            name: pick(locale, { en: 'Converted', ru: 'Купил' }),
            when: { type: 'message', node: 'welcome', outcome: 'converted' },
            next: 'done',
          },
        ],
        defaultNext: 'reminder',
      },
      {
        id: 'reminder',
        type: 'send',
        channel: 'sms',
        label: pick(locale, { en: 'SMS reminder', ru: 'SMS-напоминание' }),
        position: at(2, 4),
        content: sms(
          'Still deciding? Pick your first add-on in the app: data packs start at 5 GB.',
          'Ещё выбираете? Подключите первую опцию в приложении: пакеты интернета от 5 ГБ.',
        ),
        next: 'reminded',
      },
      { id: 'done', type: 'exit', label: pick(locale, { en: 'Converted', ru: 'Купил' }), position: at(0, 4) },
      {
        id: 'reminded',
        type: 'exit',
        label: pick(locale, { en: 'Reminded', ru: 'Напомнили' }),
        position: at(2, 5),
      },
    ],
    reEntry: { mode: 'once' },
    holdoutShare: 10,
    goal: { eventType: 'purchase', attributionDays: 7, kpi: 'conversion' },
    priority: 500,
    purpose: 'marketing',
  }),
};

const UPSELL: JourneyTemplate = {
  key: 'topup-upsell',
  name: { en: 'Up-sell after a large top-up', ru: 'Допродажа после крупного пополнения' },
  description: {
    en: 'A prepaid customer tops up more than 500: an offer of a data pack at once, then three days to buy it.',
    ru: 'Клиент на предоплате пополняет счёт больше чем на 500: сразу предложение пакета интернета, затем три дня на покупку.',
  },
  requires: { customerAttributes: ['plan_type'], eventTypes: ['topup', 'purchase'] },
  definition: (locale) => ({
    name: pick(locale, UPSELL.name),
    description: pick(locale, UPSELL.description),
    entry: {
      type: 'event',
      eventType: 'topup',
      where: [{ attribute: 'amount', op: '>', value: 500 }],
      customer: { type: 'attribute', attribute: 'plan_type', op: '=', value: 'prepaid' },
    },
    start: 'offer',
    nodes: [
      {
        id: 'offer',
        type: 'send',
        channel: 'sms',
        label: pick(locale, { en: 'Data pack offer', ru: 'Предложение пакета' }),
        position: at(1, 1),
        content: sms(
          'Thanks for topping up! Add 20 GB of data for the month in the app in one tap.',
          'Спасибо за пополнение! Подключите 20 ГБ интернета на месяц в приложении в одно касание.',
        ),
        next: 'wait_purchase',
      },
      {
        id: 'wait_purchase',
        type: 'wait',
        label: pick(locale, { en: 'Purchase within 3 days', ru: 'Покупка за 3 дня' }),
        position: at(1, 2),
        wait: { type: 'event', eventType: 'purchase', timeout: { days: 3 } },
        next: 'bought',
        timeoutNext: 'not_bought',
      },
      { id: 'bought', type: 'exit', label: pick(locale, { en: 'Bought', ru: 'Купил' }), position: at(0, 3) },
      {
        id: 'not_bought',
        type: 'exit',
        label: pick(locale, { en: 'Did not buy', ru: 'Не купил' }),
        position: at(2, 3),
      },
    ],
    reEntry: { mode: 'after', days: 30 },
    holdoutShare: 10,
    goal: { eventType: 'purchase', attributionDays: 3, kpi: 'revenue' },
    priority: 600,
    purpose: 'marketing',
  }),
};

const WIN_BACK: JourneyTemplate = {
  key: 'win-back',
  name: { en: 'Win back inactive customers', ru: 'Возврат неактивных клиентов' },
  description: {
    en: 'No top-up for 30 days: an SMS, three days to top up, then a push reminder for those who did not.',
    ru: 'Нет пополнений 30 дней: SMS, три дня на пополнение, затем пуш-напоминание тем, кто не пополнил.',
  },
  requires: { customerAttributes: [], eventTypes: ['topup'] },
  definition: (locale) => ({
    name: pick(locale, WIN_BACK.name),
    description: pick(locale, WIN_BACK.description),
    entry: { type: 'inactivity', eventType: 'topup', days: 30 },
    start: 'miss_you',
    nodes: [
      {
        id: 'miss_you',
        type: 'send',
        channel: 'sms',
        label: pick(locale, { en: 'We miss you', ru: 'Мы скучаем' }),
        position: at(1, 1),
        content: sms(
          'We miss you! Top up your balance today to keep your number and your minutes.',
          'Мы скучаем! Пополните баланс сегодня, чтобы сохранить номер и минуты.',
        ),
        next: 'wait_topup',
      },
      {
        id: 'wait_topup',
        type: 'wait',
        label: pick(locale, { en: 'Top-up within 3 days', ru: 'Пополнение за 3 дня' }),
        position: at(1, 2),
        wait: { type: 'event', eventType: 'topup', timeout: { days: 3 } },
        next: 'back',
        timeoutNext: 'reminder',
      },
      {
        id: 'reminder',
        type: 'send',
        channel: 'push',
        label: pick(locale, { en: 'Push reminder', ru: 'Пуш-напоминание' }),
        position: at(2, 3),
        content: push(
          { title: 'Your balance is waiting', body: 'Top up in the app in a minute and stay connected.' },
          {
            title: 'Баланс ждёт пополнения',
            body: 'Пополните счёт в приложении за минуту и оставайтесь на связи.',
          },
        ),
        next: 'reminded',
      },
      {
        id: 'back',
        type: 'exit',
        label: pick(locale, { en: 'Came back', ru: 'Вернулся' }),
        position: at(0, 3),
      },
      {
        id: 'reminded',
        type: 'exit',
        label: pick(locale, { en: 'Reminded', ru: 'Напомнили' }),
        position: at(2, 4),
      },
    ],
    reEntry: { mode: 'after', days: 60 },
    holdoutShare: 10,
    goal: { eventType: 'topup', attributionDays: 7, kpi: 'conversion' },
    priority: 700,
    purpose: 'marketing',
  }),
};

const PAYMENT_RESCUE: JourneyTemplate = {
  key: 'payment-rescue',
  name: { en: 'Payment failure rescue', ru: 'Помощь при неудачном платеже' },
  description: {
    en: 'A payment fails: an SMS on how to pay (held until quiet hours end), a day to pay a bill or top up, then a reminder.',
    ru: 'Платёж не прошёл: SMS о том, как оплатить (после окончания тихих часов), день на оплату счёта или пополнение, затем напоминание.',
  },
  requires: { customerAttributes: [], eventTypes: ['payment_failed', 'bill_payment', 'topup'] },
  definition: (locale) => ({
    name: pick(locale, PAYMENT_RESCUE.name),
    description: pick(locale, PAYMENT_RESCUE.description),
    entry: { type: 'event', eventType: 'payment_failed' },
    start: 'how_to_pay',
    nodes: [
      {
        id: 'how_to_pay',
        type: 'send',
        channel: 'sms',
        label: pick(locale, { en: 'How to pay', ru: 'Как оплатить' }),
        position: at(1, 1),
        content: sms(
          'Your payment did not go through. Pay in the app by card or at any terminal to keep your services on.',
          'Платёж не прошёл. Оплатите в приложении картой или в любом терминале, чтобы услуги не отключились.',
        ),
        next: 'wait_bill',
      },
      {
        id: 'wait_bill',
        type: 'wait',
        label: pick(locale, { en: 'Bill paid within a day', ru: 'Счёт оплачен за день' }),
        position: at(1, 2),
        wait: { type: 'event', eventType: 'bill_payment', timeout: { days: 1 } },
        next: 'paid',
        timeoutNext: 'topped_up',
      },
      {
        id: 'topped_up',
        type: 'branch',
        label: pick(locale, { en: 'Topped up instead?', ru: 'Пополнил счёт?' }),
        position: at(2, 3),
        branches: [
          {
            name: pick(locale, { en: 'Topped up', ru: 'Пополнил' }),
            when: { type: 'message', node: 'how_to_pay', outcome: 'event', eventType: 'topup' },
            next: 'paid_by_topup',
          },
        ],
        defaultNext: 'reminder',
      },
      {
        id: 'reminder',
        type: 'send',
        channel: 'sms',
        label: pick(locale, { en: 'Reminder', ru: 'Напоминание' }),
        position: at(3, 4),
        content: sms(
          'A reminder: your payment is still due. Pay in the app now so that your services stay on.',
          'Напоминаем: платёж всё ещё не внесён. Оплатите в приложении сейчас, чтобы услуги не отключились.',
        ),
        next: 'reminded',
      },
      { id: 'paid', type: 'exit', label: pick(locale, { en: 'Paid', ru: 'Оплатил' }), position: at(0, 3) },
      {
        id: 'paid_by_topup',
        type: 'exit',
        label: pick(locale, { en: 'Topped up', ru: 'Пополнил' }),
        position: at(1, 4),
      },
      {
        id: 'reminded',
        type: 'exit',
        label: pick(locale, { en: 'Reminded', ru: 'Напомнили' }),
        position: at(3, 5),
      },
    ],
    reEntry: { mode: 'after', days: 7 },
    holdoutShare: 10,
    goal: { eventType: 'bill_payment', attributionDays: 3, kpi: 'revenue' },
    priority: 900,
    // Marketing, so that the contact policy holds it: an SMS due in quiet hours goes when they end.
    purpose: 'marketing',
  }),
};

export const JOURNEY_TEMPLATES: Readonly<Record<JourneyTemplateKey, JourneyTemplate>> = {
  'welcome-series': WELCOME,
  'topup-upsell': UPSELL,
  'win-back': WIN_BACK,
  'payment-rescue': PAYMENT_RESCUE,
};

export const isJourneyTemplateKey = (key: string): key is JourneyTemplateKey =>
  (JOURNEY_TEMPLATE_KEYS as readonly string[]).includes(key);

export interface JourneyTemplateOptions {
  /** The new journey's id. */
  readonly id: string;
  readonly locale?: TemplateLocale | undefined;
  readonly createdBy: string;
}

/** The draft of a scenario as decoded JSON would give it, for `parseJourney`. */
export const journeyTemplateInput = (
  key: JourneyTemplateKey,
  options: JourneyTemplateOptions,
): JourneyInput => ({
  ...JOURNEY_TEMPLATES[key].definition(options.locale ?? 'en'),
  id: options.id,
  createdBy: options.createdBy,
  status: 'draft',
});

export type JourneyTemplateError = {
  readonly type: 'template_not_applicable';
  readonly key: JourneyTemplateKey;
  readonly issues: readonly JourneyIssue[];
};

/**
 * A draft journey from a scenario, parsed and checked against the workspace: the journey when it
 * has no issues, otherwise what the workspace lacks for it (e.g. `entry.eventType: unknown event
 * type "payment_failed"`).
 */
export const journeyFromTemplate = (
  key: JourneyTemplateKey,
  options: JourneyTemplateOptions,
  context: CampaignContext,
): Result<Journey, JourneyTemplateError> => {
  const parsed = parseJourney(journeyTemplateInput(key, options), context);
  if (!parsed.ok) return err({ type: 'template_not_applicable', key, issues: parsed.error.issues });
  if (parsed.value.issues.length > 0) {
    return err({ type: 'template_not_applicable', key, issues: parsed.value.issues });
  }
  return ok(parsed.value.journey);
};

/** Whether a scenario applies to a workspace: its journey, in either language, has no issues there. */
export const checkJourneyTemplate = (
  key: JourneyTemplateKey,
  context: CampaignContext,
): Result<Journey, JourneyTemplateError> =>
  journeyFromTemplate(key, { id: key, locale: 'en', createdBy: 'template' }, context);
