import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCampaign } from '../src/campaigns/campaign.ts';
import {
  birthdayRule,
  CAMPAIGN_TEMPLATE_KEYS,
  CAMPAIGN_TEMPLATES,
  campaignFromTemplate,
  checkCampaignTemplate,
  offerFromTemplate,
} from '../src/campaigns/campaign-templates.ts';
import { offerTemplateValues, parseOffer } from '../src/campaigns/offer.ts';
import { checkTemplate, renderTemplate } from '../src/content/render-template.ts';
import { type TemplateContext, templateVariables } from '../src/content/template-variables.ts';
import { checkSegmentRule } from '../src/segments/check-segment-rule.ts';
import { evaluateSegment } from '../src/segments/evaluate-segment.ts';
import { addDays } from '../src/segments/rule-time.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../src/workspace/workspace-schema.ts';
import { pathsAndMessages } from './issue-text.ts';

const schemaOf = (input: unknown): WorkspaceSchema => {
  const parsed = parseWorkspaceSchema(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
};

const telecom = schemaOf(parse(readFileSync(new URL('../../../cvm.config.yaml', import.meta.url), 'utf8')));

const variables = templateVariables(telecom);

const customer = (values: Record<string, string | number | boolean | null>): TemplateContext['customer'] => ({
  ...Object.fromEntries(
    [...variables]
      .filter((variable) => variable.startsWith('customer.'))
      .map((variable) => [variable.slice('customer.'.length), null]),
  ),
  ...values,
});

describe('campaign templates', () => {
  it('are six, each named and described in English and Russian', () => {
    expect(CAMPAIGN_TEMPLATE_KEYS).toEqual([
      'win-back',
      'churn-prevention',
      'welcome',
      'upsell',
      'topup-reminder',
      'birthday',
    ]);
    for (const key of CAMPAIGN_TEMPLATE_KEYS) {
      const template = CAMPAIGN_TEMPLATES[key];
      expect(template.key).toBe(key);
      for (const text of [
        template.name.en,
        template.name.ru,
        template.description.en,
        template.description.ru,
      ]) {
        expect(text.length, key).toBeGreaterThan(0);
      }
      expect(template.description.ru).toMatch(/[а-я]/);
    }
  });

  it.each(CAMPAIGN_TEMPLATE_KEYS)('%s parses against the demo telecom schema', (key) => {
    const checked = checkCampaignTemplate(key, { schema: telecom });
    expect(checked.ok ? [] : checked.error.issues).toEqual([]);
    const offer = parseOffer(offerFromTemplate(key, { validFrom: '2026-03-01', validTo: '2026-03-31' }), {
      schema: telecom,
    });
    expect(offer.ok ? [] : offer.error.issues).toEqual([]);
    for (const channel of ['sms', 'push'] as const) {
      const draft = campaignFromTemplate(key, {
        id: `${key}-${channel}`,
        createdBy: 'ann',
        channel,
        locale: 'ru',
      });
      const parsed = parseCampaign(draft, {
        schema: telecom,
        offers: new Set([CAMPAIGN_TEMPLATES[key].offer.id]),
      });
      expect(parsed.ok ? [] : parsed.error.issues).toEqual([]);
      expect(parsed.ok && parsed.value).toMatchObject({
        status: 'draft',
        createdBy: 'ann',
        name: CAMPAIGN_TEMPLATES[key].name.ru,
        channel,
        content: { type: channel },
      });
    }
  });

  it.each(CAMPAIGN_TEMPLATE_KEYS)('%s content passes checkTemplate and renders in both languages', (key) => {
    const template = CAMPAIGN_TEMPLATES[key];
    const offer = parseOffer(offerFromTemplate(key, { validFrom: '2026-03-01', validTo: '2026-03-31' }), {
      schema: telecom,
    });
    if (!offer.ok) throw new Error(JSON.stringify(offer.error.issues));
    const context: TemplateContext = {
      customer: customer({ id: 'c1', data_plan_gb: 10, region: 'moscow' }),
      offer: offerTemplateValues(offer.value),
      campaign: { id: key, name: template.name.en },
    };
    for (const content of [template.content.sms, template.content.push]) {
      const checked = checkTemplate(content, { variables, maxSmsSegments: 2 });
      expect(checked.ok ? checked.value.warnings : checked.error.issues).toEqual([]);
      expect(Object.keys(content.locales)).toEqual(['en', 'ru']);
    }
    for (const locale of ['en', 'ru']) {
      const sms = renderTemplate(template.content.sms, context, {
        locale,
        fallbackLocale: 'ru',
        maxSmsSegments: 2,
      });
      if (sms.type !== 'sms') throw new Error('expected an SMS');
      expect(sms.locale).toBe(locale);
      expect(sms.text).not.toMatch(/\{|\}/);
      expect(sms.warnings).toEqual([]);
      // English texts stay in GSM-7, so an English SMS costs what its length says.
      if (locale === 'en') expect(sms.sms.encoding).toBe('GSM-7');
      const push = renderTemplate(template.content.push, context, { locale, fallbackLocale: 'ru' });
      expect(push.type === 'push' && push.title.length).toBeGreaterThan(0);
    }
  });

  it('fills the offer validity into the text when there is one', () => {
    const offer = parseOffer(
      offerFromTemplate('topup-reminder', { validFrom: '2026-03-01', validTo: '2026-03-31' }),
      {
        schema: telecom,
      },
    );
    if (!offer.ok) throw new Error('offer');
    const context: TemplateContext = {
      customer: customer({ id: 'c1' }),
      offer: offerTemplateValues(offer.value),
      campaign: { id: 'topup-reminder', name: 'Top-up reminder' },
    };
    const sms = CAMPAIGN_TEMPLATES['topup-reminder'].content.sms;
    expect(renderTemplate(sms, context, { locale: 'en', fallbackLocale: 'ru' })).toMatchObject({
      text: 'Time to top up? Top up now and get +10% on your balance until 31.03.',
    });
    const open = { ...context, offer: { ...context.offer, validTo: null } };
    expect(renderTemplate(sms, open, { locale: 'ru', fallbackLocale: 'ru' })).toMatchObject({
      text: 'Пора пополнить баланс? Пополните сейчас и получите +10% на счёт.',
    });
  });

  it('builds a draft that overrides replace', () => {
    const draft = campaignFromTemplate('welcome', {
      id: 'welcome-spring',
      createdBy: 'ann',
      channel: 'push',
      priority: 900,
      controlShare: 5,
      schedule: { type: 'once', at: '2026-03-01T10:00:00+03:00' },
    });
    expect(draft).toMatchObject({
      id: 'welcome-spring',
      name: 'Welcome new customers',
      channel: 'push',
      content: CAMPAIGN_TEMPLATES.welcome.content.push,
      offers: ['welcome-3gb'],
      priority: 900,
      controlShare: 5,
      schedule: { type: 'once', at: '2026-03-01T10:00:00+03:00' },
      status: 'draft',
    });
    expect(draft).not.toHaveProperty('locale');
    expect(offerFromTemplate('welcome', { validFrom: '2026-03-01', id: 'welcome-gift' })).toMatchObject({
      id: 'welcome-gift',
      validFrom: '2026-03-01',
    });
  });

  it('asks for content when the channel has none in the scenario', () => {
    const draft = campaignFromTemplate('birthday', { id: 'bday', createdBy: 'ann', channel: 'email' });
    const parsed = parseCampaign(draft, { schema: telecom });
    expect(parsed.ok ? [] : pathsAndMessages(parsed.error.issues)).toEqual([
      { path: 'content.type', message: "must be the campaign's channel (email)" },
    ]);
  });

  it('says what a workspace lacks for a scenario', () => {
    const shop = schemaOf({
      workspace: { name: 'Shop', currency: 'EUR', timezone: 'Europe/Berlin', defaultLocale: 'en' },
      customer: { attributes: { birth_date: { type: 'date' }, tier: { type: 'enum', values: ['gold'] } } },
      events: { purchase: { amount: true }, visit: {} },
    });
    expect(checkCampaignTemplate('win-back', { schema: shop }).ok).toBe(true);
    expect(checkCampaignTemplate('birthday', { schema: shop }).ok).toBe(true);
    const topup = checkCampaignTemplate('topup-reminder', { schema: shop });
    expect(topup.ok ? [] : pathsAndMessages(topup.error.issues)).toEqual([
      {
        path: 'audience.rule.rules[0].attribute',
        message: 'unknown attribute "plan_type"',
      },
      { path: 'audience.rule.rules[1].eventType', message: 'unknown event type "topup"' },
      { path: 'audience.rule.rules[2].eventType', message: 'unknown event type "topup"' },
      { path: 'goal.eventType', message: 'unknown event type "topup"' },
    ]);
    const upsell = checkCampaignTemplate('upsell', { schema: shop });
    // Each use of the missing customer.data_plan_gb is reported, with its place in the text.
    expect(upsell.ok ? [] : upsell.error.issues.map((issue) => issue.path)).toEqual([
      'audience.rule.rules[0].attribute',
      'audience.rule.rules[1].eventType',
      'goal.eventType',
      'content.locales.en.text',
      'content.locales.en.text',
      'content.locales.ru.text',
      'content.locales.ru.text',
    ]);

    const noAmounts = schemaOf({
      workspace: { name: 'Telco', currency: 'EUR', timezone: 'UTC', defaultLocale: 'ru' },
      events: { data_session: {} },
    });
    const churn = checkCampaignTemplate('churn-prevention', { schema: noAmounts });
    expect(churn.ok ? [] : pathsAndMessages(churn.error.issues)).toEqual([
      {
        path: 'audience.rule',
        message: 'uses RFM features, which need at least one event type with an amount',
      },
    ]);
  });

  it('reports the default locale a workspace needs when the scenario has no content for it', () => {
    const german = schemaOf({
      ...parse(readFileSync(new URL('../../../cvm.config.yaml', import.meta.url), 'utf8')),
    });
    const de = { ...german, workspace: { ...german.workspace, defaultLocale: 'de' } };
    const welcome = checkCampaignTemplate('welcome', { schema: de });
    expect(welcome.ok ? [] : welcome.error.issues.map((issue) => issue.path)).toEqual(['content.locales']);
  });
});

describe('birthdayRule', () => {
  const rule = birthdayRule(18, 100);

  it('fits the rule limits and the demo schema', () => {
    expect(checkSegmentRule(rule, { schema: telecom }).ok).toBe(true);
  });

  it('picks an adult on their birthday and at most one neighbouring day, never two days off', () => {
    const births = [
      '1990-06-15', // age 36 in 2026: divisible by 4
      '1991-03-01', // just after a 29 February
      '1985-12-31',
      '2007-01-01', // 18 in 2025
      '2008-07-20', // 18 in 2026
      '2001-02-28',
      '1967-07-04',
      '1979-11-10',
      '2000-02-29', // no birthday in non-leap years: Feb 28 or Mar 1 stands in
    ];
    const data = {
      customers: births.map((birth) => ({ id: birth, birth_date: birth })),
      events: [],
      relations: [],
    };
    const birthdayIn = (birth: string, year: number): string => `${year}${birth.slice(4)}`;
    // Only the days around each birthday: the evaluator is the plain reference, not a fast one.
    const days = new Set<string>();
    for (const birth of births) {
      for (let year = 2025; year <= 2028; year += 1) {
        for (let offset = -3; offset <= 3; offset += 1) days.add(addDays(birthdayIn(birth, year), offset));
      }
    }
    const matches = new Map<string, string[]>(births.map((birth) => [birth, []]));
    for (const day of [...days].sort()) {
      const clock = { now: new Date(`${day}T12:00:00Z`), timezone: 'UTC' };
      for (const id of evaluateSegment(rule, data, { schema: telecom, clock })) matches.get(id)?.push(day);
    }
    for (const birth of births) {
      const matched = matches.get(birth) ?? [];
      for (let year = 2025; year <= 2028; year += 1) {
        const birthday = birthdayIn(birth, year);
        const around = matched.filter((day) => day >= addDays(birthday, -3) && day <= addDays(birthday, 3));
        const age = year - Number(birth.slice(0, 4));
        const label = `${birth} in ${year}: ${around.join(', ')}`;
        if (age < 18) {
          expect(around, label).toEqual([]);
        } else if (birth.endsWith('-02-29')) {
          expect(around.length, label).toBeGreaterThan(0);
        } else if (age === 18) {
          // Never before the 18th birthday; possibly a day late.
          expect([[birthday], [addDays(birthday, 1)]], label).toContainEqual(around);
        } else {
          // The first match is the birthday or the day before, never later.
          expect([addDays(birthday, -1), birthday], label).toContain(around[0]);
          expect(around, label).toContain(birthday);
          expect(around.length, label).toBe(age % 4 === 0 ? 1 : 2);
        }
      }
    }
  });
});
