import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ContentTemplate, chooseLocale } from '../src/content/content-template.ts';
import {
  checkTemplate,
  parseContentTemplate,
  type RenderedContent,
  renderTemplate,
} from '../src/content/render-template.ts';
import { isGsm7, smsEncoding } from '../src/content/sms-encoding.ts';
import {
  type TemplateContext,
  templateVariables,
  UNSUBSCRIBE_URL_PLACEHOLDER,
} from '../src/content/template-variables.ts';
import { withUnsubscribeUrl } from '../src/delivery/delivery.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../src/workspace/workspace-schema.ts';
import { pathsAndMessages } from './issue-text.ts';

const telecom = ((): WorkspaceSchema => {
  const text = readFileSync(new URL('../../../cvm.config.yaml', import.meta.url), 'utf8');
  const parsed = parseWorkspaceSchema(parse(text));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
})();

const variables = templateVariables(telecom);

const issuesOf = (template: ContentTemplate) => {
  const checked = checkTemplate(template, { variables });
  return checked.ok ? [] : pathsAndMessages(checked.error.issues);
};

const smsTemplate = (en: string, ru?: string): ContentTemplate => ({
  type: 'sms',
  locales: ru === undefined ? { en: { text: en } } : { en: { text: en }, ru: { text: ru } },
});

/** Every customer column, null unless given: what the run passes for a customer row. */
const context = (customer: Record<string, string | number | boolean | null> = {}): TemplateContext => {
  const columns = Object.fromEntries(
    [...variables]
      .filter((variable) => variable.startsWith('customer.'))
      .map((variable) => [variable.slice('customer.'.length), null]),
  );
  return {
    customer: { ...columns, id: 'c1', ...customer },
    offer: {
      id: 'gift',
      name: 'Gift "5 GB" & more',
      description: null,
      kind: 'bonus',
      value: '150',
      validFrom: '2026-03-01',
      validTo: '2026-03-31',
    },
    campaign: { id: 'spring', name: 'Spring' },
  };
};

const render = (template: ContentTemplate, locale: string | null = 'en', extra = {}): RenderedContent =>
  renderTemplate(template, context(extra), { locale, fallbackLocale: 'ru' });

describe('smsEncoding', () => {
  const a = (n: number): string => 'a'.repeat(n);
  const ya = (n: number): string => 'я'.repeat(n);

  it.each([
    ['', 'GSM-7', 0, 1],
    [a(1), 'GSM-7', 1, 1],
    [a(160), 'GSM-7', 160, 1],
    [a(161), 'GSM-7', 161, 2],
    [a(306), 'GSM-7', 306, 2],
    [a(307), 'GSM-7', 307, 3],
    [a(459), 'GSM-7', 459, 3],
    [a(460), 'GSM-7', 460, 4],
    [ya(70), 'UCS-2', 70, 1],
    [ya(71), 'UCS-2', 71, 2],
    [ya(134), 'UCS-2', 134, 2],
    [ya(135), 'UCS-2', 135, 3],
  ] as const)('%#: %s chars → %s, %i units, %i segments', (text, encoding, characters, segments) => {
    expect(smsEncoding(text)).toMatchObject({ encoding, characters, segments });
  });

  it('counts extension characters as two septets', () => {
    expect(smsEncoding('€')).toEqual({ encoding: 'GSM-7', segments: 1, characters: 2, perSegment: 160 });
    expect(smsEncoding(`${a(158)}€`)).toMatchObject({ characters: 160, segments: 1 });
    expect(smsEncoding(`${a(159)}€`)).toMatchObject({ characters: 161, segments: 2 });
    expect(smsEncoding(`${a(159)}[`)).toMatchObject({ characters: 161, segments: 2 });
    expect(smsEncoding('{}[]~|^\\\f€')).toMatchObject({ encoding: 'GSM-7', characters: 20 });
  });

  it('never splits an escape pair across two parts', () => {
    // 152 + 2 + 152 = 306 septets: two parts by length, but the € cannot start at septet 153.
    expect(smsEncoding(`${a(152)}€${a(152)}`)).toMatchObject({ characters: 306, segments: 3 });
    expect(smsEncoding(`${a(151)}€${a(153)}`)).toMatchObject({ characters: 306, segments: 2 });
    expect(smsEncoding(`${a(152)}[${a(152)}`)).toMatchObject({ segments: 3, perSegment: 153 });
  });

  it('counts emoji as two UTF-16 units and never splits a surrogate pair', () => {
    expect(smsEncoding('😀')).toEqual({ encoding: 'UCS-2', segments: 1, characters: 2, perSegment: 70 });
    expect(smsEncoding(`${a(68)}😀`)).toMatchObject({ encoding: 'UCS-2', characters: 70, segments: 1 });
    expect(smsEncoding(`${a(69)}😀`)).toMatchObject({ characters: 71, segments: 2 });
    expect(smsEncoding(`${ya(66)}😀${ya(66)}`)).toMatchObject({ characters: 134, segments: 3 });
    expect(smsEncoding(`${ya(65)}😀${ya(67)}`)).toMatchObject({ characters: 134, segments: 2 });
  });

  it('follows the GSM 03.38 default alphabet', () => {
    expect(isGsm7('@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!"#¤%&\'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\n\r')).toBe(true);
    expect(isGsm7('Hello, world! 0123456789')).toBe(true);
    // Not in the table: lower-case ç, á, the Greek capitals that look Latin, curly quotes, Cyrillic.
    for (const character of ['ç', 'á', 'Α', '’', 'Привет', '`']) {
      expect(isGsm7(character), character).toBe(false);
    }
    expect(smsEncoding('Привет')).toMatchObject({ encoding: 'UCS-2', characters: 6 });
    // One non-GSM character makes the whole text UCS-2.
    expect(smsEncoding(`${a(100)}ç`)).toMatchObject({ encoding: 'UCS-2', characters: 101, segments: 2 });
  });
});

describe('templateVariables', () => {
  it('offers every customer column, the public offer fields and the campaign', () => {
    for (const name of [
      'customer.id',
      'customer.msisdn',
      'customer.locale',
      'customer.consent_sms_marketing',
      'customer.region',
      'customer.birth_date',
      'offer.name',
      'offer.validTo',
      'campaign.name',
      'campaign.id',
    ]) {
      expect(variables.has(name), name).toBe(true);
    }
    expect(variables.has('offer.cost')).toBe(false);
    expect(variables.has('offer.expectedValue')).toBe(false);
  });
});

describe('checkTemplate', () => {
  it('lists every variable named, in output, tags and filter arguments', () => {
    const template = smsTemplate(
      '{{ customer.region | append: offer.name | upcase }} {% if customer.plan_type == "prepaid" %}{{ campaign.name }}{% endif %}',
      '{% assign gb = customer.data_plan_gb %}{{ gb }} {% for i in (1..2) %}{{ forloop.index }}{% endfor %}{% if customer.email.size > 0 %}!{% endif %}',
    );
    const checked = checkTemplate(template, { variables });
    expect(checked).toEqual({
      ok: true,
      value: {
        variables: [
          'campaign.name',
          'customer.data_plan_gb',
          'customer.email',
          'customer.plan_type',
          'customer.region',
          'offer.name',
        ],
        warnings: [],
      },
    });
  });

  it('refuses unknown variables with the path, the place and a suggestion', () => {
    expect(issuesOf(smsTemplate('Hi {{ customer.regoin }}', 'Привет {{ offer.cost }}'))).toEqual([
      {
        path: 'locales.en.text',
        message: 'unknown variable "customer.regoin" at line 1, column 7 (did you mean "customer.region"?)',
      },
      { path: 'locales.ru.text', message: expect.stringContaining('unknown variable "offer.cost"') },
    ]);
    expect(issuesOf(smsTemplate('{{ "x" | append: custmer.region }}'))).toEqual([
      {
        path: 'locales.en.text',
        message: expect.stringMatching(/unknown variable "custmer.region" .*did you mean "customer.region"/),
      },
    ]);
    // In the order written, whatever object they belong to.
    expect(
      issuesOf(smsTemplate('{{ offer.nme }} {{ customer.x }} {{ offer.y }}')).map((i) => i.message),
    ).toEqual([
      expect.stringContaining('"offer.nme" at line 1, column 4'),
      expect.stringContaining('"customer.x" at line 1, column 20'),
      expect.stringContaining('"offer.y" at line 1, column 37'),
    ]);
    expect(issuesOf(smsTemplate('{{ name }}'))).toEqual([
      { path: 'locales.en.text', message: 'unknown variable "name" at line 1, column 4' },
    ]);
  });

  it('refuses a whole group, a computed lookup and a variable used before it is assigned', () => {
    expect(issuesOf(smsTemplate('{{ customer }}'))).toEqual([
      {
        path: 'locales.en.text',
        message: expect.stringMatching(/"customer" .* is a group of fields; name one, e\.g\. customer\./),
      },
    ]);
    expect(issuesOf(smsTemplate('{{ customer[offer.kind] }}'))).toEqual([
      { path: 'locales.en.text', message: expect.stringContaining('computed name') },
    ]);
    expect(issuesOf(smsTemplate('{{ x }}{% assign x = 1 %}'))).toEqual([
      { path: 'locales.en.text', message: expect.stringContaining('unknown variable "x"') },
    ]);
  });

  it('refuses unknown filters, tags that read files and broken syntax', () => {
    expect(issuesOf(smsTemplate('{{ customer.id | shout }}'))).toEqual([
      { path: 'locales.en.text', message: 'does not parse: undefined filter: shout (line 1, column 1)' },
    ]);
    expect(issuesOf(smsTemplate('{% include "secrets" %}'))).toEqual([
      {
        path: 'locales.en.text',
        message: expect.stringContaining('the include tag is not available in message templates'),
      },
    ]);
    expect(issuesOf(smsTemplate('{% if customer.id %}open'))).toEqual([
      { path: 'locales.en.text', message: expect.stringContaining('not closed') },
    ]);
  });

  it('checks every field of e-mail, push and webhook content', () => {
    const email: ContentTemplate = {
      type: 'email',
      locales: {
        en: { subject: '{{ offer.nam }}', html: '<p>{{ customer.id }}</p>', text: '{{ customer.tarif }}' },
      },
    };
    expect(issuesOf(email).map((issue) => issue.path)).toEqual(['locales.en.subject', 'locales.en.text']);
    const push: ContentTemplate = { type: 'push', locales: { ru: { title: 'ok', body: '{{ x }}' } } };
    expect(issuesOf(push).map((issue) => issue.path)).toEqual(['locales.ru.body']);
    const webhook: ContentTemplate = {
      type: 'webhook',
      locales: { en: { payload: { customer: { id: '{{ customer.id }}' }, tags: [1, '{{ bad }}'] } } },
    };
    expect(issuesOf(webhook)).toEqual([
      { path: 'locales.en.payload.tags[1]', message: expect.stringContaining('unknown variable "bad"') },
    ]);
  });

  it('warns when the fixed text of an SMS already takes more segments than allowed', () => {
    const long = smsTemplate(`${'a'.repeat(200)} {{ customer.region }}`, 'я'.repeat(60));
    const checked = checkTemplate(long, { variables, maxSmsSegments: 1 });
    expect(checked.ok && checked.value.warnings).toEqual([
      {
        type: 'sms_too_long',
        path: 'locales.en.text',
        segments: 2,
        maxSegments: 1,
        message: 'takes at least 2 SMS segments before its variables are filled in; the maximum is 1',
      },
    ]);
    const relaxed = checkTemplate(long, { variables, maxSmsSegments: 2 });
    expect(relaxed.ok && relaxed.value.warnings).toEqual([]);
  });
});

describe('parseContentTemplate', () => {
  it('checks the shape before the Liquid', () => {
    const issues = (input: unknown) => {
      const parsed = parseContentTemplate(input, { variables });
      return parsed.ok ? [] : pathsAndMessages(parsed.error.issues);
    };
    expect(issues({ type: 'fax', locales: {} })).toEqual([
      { path: 'type', message: 'type must be one of sms, email, push, webhook' },
    ]);
    expect(issues({ type: 'sms', locales: {} })).toEqual([
      { path: 'locales', message: 'must hold at least one locale' },
    ]);
    expect(issues({ type: 'sms', locales: { EN: { text: 'hi' }, ru: { text: '' } } })).toEqual([
      { path: 'locales.ru.text', message: 'must not be empty' },
      { path: 'locales.EN', message: 'is not a language tag such as en, ru or en-GB' },
    ]);
    expect(issues({ type: 'push', locales: { en: { title: 'hi' } } })).toEqual([
      { path: 'locales.en.body', message: 'must be text' },
    ]);
    expect(issues({ type: 'sms', locales: { en: { text: '{{ customer.regio }}' } } })).toHaveLength(1);
    expect(parseContentTemplate({ type: 'sms', locales: { en: { text: 'Hi' } } }, { variables }).ok).toBe(
      true,
    );
  });
});

describe('chooseLocale', () => {
  it('prefers the customer locale, then its language, then the workspace default', () => {
    const choose = (available: string[], wanted: string | null, fallback = 'ru') =>
      chooseLocale(available, { wanted, fallback });
    expect(choose(['en', 'ru'], 'en')).toBe('en');
    expect(choose(['en', 'ru'], 'en-GB')).toBe('en');
    expect(choose(['en-GB', 'ru'], 'en')).toBe('en-GB');
    expect(choose(['en', 'ru'], 'de')).toBe('ru');
    expect(choose(['en', 'ru'], null)).toBe('ru');
    expect(choose(['en'], 'de', 'ru')).toBe('en');
  });
});

describe('renderTemplate', () => {
  const template = smsTemplate(
    'Hi! {{ offer.name }} for {{ customer.region }}{% if offer.validTo %} until {{ offer.validTo | date: "%d.%m" }}{% endif %}',
    'Привет! {{ offer.name }}',
  );

  it('renders the customer locale with every variable', () => {
    expect(render(template, 'en', { region: 'moscow' })).toEqual({
      type: 'sms',
      locale: 'en',
      text: 'Hi! Gift "5 GB" & more for moscow until 31.03',
      sms: { encoding: 'GSM-7', segments: 1, characters: 45, perSegment: 160 },
      warnings: [],
    });
    expect(render(template, 'de')).toMatchObject({ locale: 'ru', text: 'Привет! Gift "5 GB" & more' });
  });

  it('renders a missing value as nothing and throws on a variable the context lacks', () => {
    expect(render(template, 'en')).toMatchObject({ text: 'Hi! Gift "5 GB" & more for  until 31.03' });
    const partial: TemplateContext = { ...context(), customer: { id: 'c1' } };
    expect(() => renderTemplate(template, partial, { locale: 'en', fallbackLocale: 'en' })).toThrow(
      /undefined variable: customer.region/,
    );
  });

  it('warns when a rendered SMS takes more segments than allowed', () => {
    const rendered = renderTemplate(
      smsTemplate('{{ customer.region }}'),
      context({ region: 'я'.repeat(71) }),
      {
        locale: 'en',
        fallbackLocale: 'en',
        maxSmsSegments: 1,
      },
    );
    expect(rendered.type === 'sms' && rendered.warnings).toEqual([
      {
        type: 'sms_too_long',
        path: 'locales.en.text',
        segments: 2,
        maxSegments: 1,
        message: 'takes 2 SMS segments; the maximum is 1',
      },
    ]);
  });

  it('escapes HTML in e-mail bodies only, unless the template says raw', () => {
    const email: ContentTemplate = {
      type: 'email',
      locales: {
        en: {
          subject: 'For {{ customer.email }}',
          html: '<p>{{ offer.name }}</p>{{ "<b>bold</b>" | raw }}',
          text: '{{ offer.name }}',
        },
      },
    };
    expect(checkTemplate(email, { variables }).ok).toBe(true);
    expect(render(email, 'en', { email: 'a@b.c\r\nBcc: x@y.z' })).toEqual({
      type: 'email',
      locale: 'en',
      subject: 'For a@b.c Bcc: x@y.z',
      html: '<p>Gift &#34;5 GB&#34; &amp; more</p><b>bold</b>',
      text: 'Gift "5 GB" & more',
    });
  });

  it('renders push content', () => {
    const push: ContentTemplate = {
      type: 'push',
      locales: { en: { title: '{{ campaign.name }}', body: '{{ offer.name | downcase }}' } },
    };
    expect(render(push)).toEqual({ type: 'push', locale: 'en', title: 'Spring', body: 'gift "5 gb" & more' });
  });

  it('renders webhook payloads into the same JSON structure, whatever the data holds', () => {
    const webhook: ContentTemplate = {
      type: 'webhook',
      locales: {
        en: {
          payload: {
            customer: '{{ customer.id }}',
            offer: { name: '{{ offer.name }}', value: '{{ offer.value }}' },
            tags: ['cvm', 7, true, null],
          },
        },
      },
    };
    expect(checkTemplate(webhook, { variables }).ok).toBe(true);
    const rendered = render(webhook, 'en', { id: '","admin":true,"x":"' });
    expect(rendered).toEqual({
      type: 'webhook',
      locale: 'en',
      payload: {
        customer: '","admin":true,"x":"',
        offer: { name: 'Gift "5 GB" & more', value: '150' },
        tags: ['cvm', 7, true, null],
      },
    });
  });
});

describe('unsubscribe links in content', () => {
  const email: ContentTemplate = {
    type: 'email',
    locales: {
      en: {
        subject: 'Spring',
        html: '<p>Hi</p><a href="{{ message.unsubscribe_url }}">Unsubscribe</a>',
        text: 'Hi. Unsubscribe: {{ message.unsubscribe_url }}',
      },
    },
  };

  it('accepts message.unsubscribe_url and fills in the customer’s link when the message is sent', () => {
    expect(issuesOf(email)).toEqual([]);
    const rendered = render(email);
    if (rendered.type !== 'email') throw new Error('expected e-mail');
    expect(rendered.html).toContain(`href="${UNSUBSCRIBE_URL_PLACEHOLDER}"`);
    const link = 'https://cvm.example.org/unsubscribe/eyJjIjoiYzEifQ.c2ln';
    const sent = withUnsubscribeUrl(rendered, link);
    if (sent.type !== 'email') throw new Error('expected e-mail');
    expect(sent.html).toBe(`<p>Hi</p><a href="${link}">Unsubscribe</a>`);
    expect(sent.text).toBe(`Hi. Unsubscribe: ${link}`);
    // Without a public address there is no link, and nothing stands in its place.
    const none = withUnsubscribeUrl(rendered, undefined);
    expect(none.type === 'email' ? none.text : '').toBe('Hi. Unsubscribe: ');
  });

  it('counts an SMS again once the link is in it', () => {
    const rendered = render(smsTemplate('Offer! Stop: {{ message.unsubscribe_url }}'));
    const sent = withUnsubscribeUrl(rendered, `https://cvm.example.org/unsubscribe/${'x'.repeat(140)}`);
    if (sent.type !== 'sms') throw new Error('expected SMS');
    expect(sent.sms).toEqual(smsEncoding(sent.text));
    expect(sent.sms.segments).toBe(2);
  });
});
