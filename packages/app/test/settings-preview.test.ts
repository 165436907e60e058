import type { NormalizedRow } from '@opencvm/core';
import { ADAPTERS, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/create-app.ts';

/** Content previews on real customers of a workspace shaped like the demo telecom one. */

const schema = testSchema({
  workspace: { name: 'Demo Telecom', currency: 'RUB', timezone: 'Europe/Moscow', defaultLocale: 'ru' },
  customer: {
    attributes: {
      first_name: { type: 'string' },
      region: { type: 'enum', values: ['moscow', 'samara', 'kamchatka'] },
      tariff: { type: 'enum', values: ['basic', 'smart', 'unlimited'] },
      arpu: { type: 'number' },
      data_plan_gb: { type: 'integer' },
    },
  },
  events: { topup: { amount: true }, app_open: {} },
  relations: { kinds: ['call', 'family'] },
});

const CUSTOMERS: NormalizedRow[] = [
  {
    id: 'irina',
    locale: 'ru',
    msisdn: '+79161234567',
    first_name: 'Ирина',
    region: 'moscow',
    tariff: 'smart',
    arpu: 512.5,
    data_plan_gb: 20,
  },
  {
    id: 'john',
    locale: 'en',
    msisdn: '+79169876543',
    first_name: 'John',
    region: 'kamchatka',
    tariff: 'basic',
    arpu: null,
    data_plan_gb: 0,
  },
];

const SMS = {
  type: 'sms',
  locales: {
    ru: { text: '{{ customer.first_name }}, тариф {{ customer.tariff }}: {{ offer.name }}' },
    en: { text: '{{ customer.first_name }}, your {{ customer.tariff }} plan: {{ offer.name }}' },
  },
};

const open = async (store: Parameters<typeof createApp>[0]['store']): Promise<App> => {
  const app = await createApp({ store, schema }, { clock: () => new Date('2026-01-15T10:00:00.000Z') });
  await store.importRows('customers', CUSTOMERS, new Set(CUSTOMERS.flatMap((row) => Object.keys(row))));
  const offer = await app.campaigns.createOffer(
    offerInput({ id: 'data-20', name: '20 GB for 299 ₽', kind: 'product', channels: ['sms', 'email'] }),
  );
  expect(offer.ok ? null : offer.error).toBeNull();
  return app;
};

for (const adapter of ADAPTERS) {
  describe(`content preview on ${adapter.name}`, () => {
    it('renders in the customer locale with the variables used and the SMS encoding', async () => {
      await using test = await adapter.open(schema);
      const app = await open(test.store);

      const ru = await app.settings.previewContent({ content: SMS, customerId: 'irina', offerId: 'data-20' });
      if (!ru.ok) throw new Error(JSON.stringify(ru.error));
      const ruText = 'Ирина, тариф smart: 20 GB for 299 ₽';
      expect(ru.value).toMatchObject({
        customerId: 'irina',
        locale: 'ru',
        rendered: { type: 'sms', locale: 'ru', text: ruText },
        issues: [],
        sms: { encoding: 'UCS-2', characters: ruText.length, segments: 1 },
      });
      expect(ru.value.variables).toEqual([
        { name: 'customer.first_name', value: 'Ирина' },
        { name: 'customer.tariff', value: 'smart' },
        { name: 'offer.name', value: '20 GB for 299 ₽' },
      ]);

      // The rouble sign is not in the GSM alphabet; without an offer the text is GSM-7.
      const en = await app.settings.previewContent({ content: SMS, customerId: 'john', channel: 'sms' });
      if (!en.ok) throw new Error(JSON.stringify(en.error));
      expect(en.value).toMatchObject({
        locale: 'en',
        rendered: { text: 'John, your basic plan: ' },
        sms: { encoding: 'GSM-7', characters: 23, segments: 1 },
      });
      expect(en.value.variables).toContainEqual({ name: 'offer.name', value: null });

      const asked = await app.settings.previewContent({ content: SMS, customerId: 'irina', locale: 'en' });
      expect(asked.ok && asked.value.rendered).toMatchObject({
        locale: 'en',
        text: 'Ирина, your smart plan: ',
      });
    });

    it('counts the segments of a long text', async () => {
      await using test = await adapter.open(schema);
      const app = await open(test.store);
      const long = { type: 'sms', locales: { en: { text: `${'x'.repeat(150)} {{ customer.region }}` } } };
      const preview = await app.settings.previewContent({ content: long, customerId: 'john' });
      // 150 + 1 + 9 = 160 septets fit one message; one more character would take two.
      expect(preview.ok && preview.value.sms).toEqual({
        encoding: 'GSM-7',
        segments: 1,
        characters: 160,
        perSegment: 160,
      });
      const longer = { type: 'sms', locales: { en: { text: `${'x'.repeat(151)} {{ customer.region }}` } } };
      const split = await app.settings.previewContent({ content: longer, customerId: 'john' });
      expect(split.ok && split.value.sms).toEqual({
        encoding: 'GSM-7',
        segments: 2,
        characters: 161,
        perSegment: 153,
      });
    });

    it('reports unknown variables with their paths and still renders a sound locale', async () => {
      await using test = await adapter.open(schema);
      const app = await open(test.store);
      const content = {
        type: 'sms',
        locales: {
          ru: { text: 'Привет, {{ customer.first_name }}' },
          en: { text: 'Hi {{ customer.nickname }}, {{ offer.cost }}' },
        },
      };
      const ru = await app.settings.previewContent({ content, customerId: 'irina' });
      if (!ru.ok) throw new Error(JSON.stringify(ru.error));
      expect(ru.value.rendered).toMatchObject({ text: 'Привет, Ирина' });
      expect(ru.value.issues.map((issue) => issue.path)).toEqual([
        'content.locales.en.text',
        'content.locales.en.text',
      ]);
      expect(ru.value.issues[0]?.message).toContain('unknown variable "customer.nickname"');
      expect(ru.value.issues[1]?.message).toContain('unknown variable "offer.cost"');

      const en = await app.settings.previewContent({ content, customerId: 'john' });
      if (!en.ok) throw new Error(JSON.stringify(en.error));
      expect(en.value).toMatchObject({ locale: 'en', rendered: null, variables: [], sms: null });
      expect(en.value.issues).toHaveLength(2);
    });

    it('refuses malformed input with paths, and an unknown customer or offer as not found', async () => {
      await using test = await adapter.open(schema);
      const app = await open(test.store);
      const bad = await app.settings.previewContent({
        content: { type: 'sms', locales: { ru: { text: '' } } },
      });
      expect(bad.ok ? null : bad.error).toMatchObject({
        type: 'invalid_input',
        issues: expect.arrayContaining([
          expect.objectContaining({ path: 'customerId' }),
          expect.objectContaining({ path: 'content.locales.ru.text' }),
        ]),
      });
      const mismatch = await app.settings.previewContent({
        content: SMS,
        customerId: 'irina',
        channel: 'email',
      });
      expect(mismatch.ok ? null : mismatch.error).toMatchObject({
        type: 'invalid_input',
        issues: [{ path: 'content.type' }],
      });
      const nobody = await app.settings.previewContent({ content: SMS, customerId: 'nobody' });
      expect(nobody.ok ? null : nobody.error).toMatchObject({ type: 'not_found' });
      const noOffer = await app.settings.previewContent({
        content: SMS,
        customerId: 'irina',
        offerId: 'gone',
      });
      expect(noOffer.ok ? null : noOffer.error).toMatchObject({ type: 'not_found' });
    });

    it('masks contact points for a masked caller, in every rendered field', async () => {
      await using test = await adapter.open(schema);
      const app = await open(test.store);
      const content = {
        type: 'email',
        locales: {
          ru: {
            subject: 'Для {{ customer.msisdn }}',
            html: '<p>{{ customer.first_name }} ({{ customer.msisdn }})</p>',
            text: '{{ customer.first_name }}',
          },
        },
      };
      const masked = await app.settings.previewContent({ content, customerId: 'irina' }, { masked: true });
      if (!masked.ok) throw new Error(JSON.stringify(masked.error));
      expect(JSON.stringify(masked.value)).not.toContain('+79161234567');
      expect(masked.value).toMatchObject({
        rendered: { type: 'email', subject: 'Для +7916*****67', html: '<p>Ирина (+7916*****67)</p>' },
        sms: null,
      });
      const plain = await app.settings.previewContent({ content, customerId: 'irina' });
      expect(plain.ok && plain.value.rendered).toMatchObject({ subject: 'Для +79161234567' });
    });
  });
}
