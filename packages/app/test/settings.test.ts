import type { NormalizedRow, Store } from '@opencvm/core';
import { ADAPTERS, campaignInput, offerInput, TEST_SCHEMA_INPUT, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/create-app.ts';

/** Settings use cases: the contact policy edited at run time, channels without secrets, previews. */

const EVERYONE = { type: 'not', rule: { type: 'list', list: 'nobody' } } as const;

/** Credentials written into the config; none of them may appear in what `channels()` returns. */
const SECRETS = {
  smppPassword: 'smpp-inline-pa55word',
  smtpPasswordVariable: 'SMTP_PASSWORD_VARIABLE',
  webhookPathToken: 'T0PATHTOKEN',
  webhookQueryToken: 'query-s1gnature',
  webhookUserInfo: 'hookuser:hookpass',
  webhookHeader: 'Bearer header-t0ken',
  webhookSigning: 'signing-s3cret',
};

const schema = testSchema({
  ...TEST_SCHEMA_INPUT,
  contactPolicy: { caps: { sms: { week: 5 } } },
  delivery: {
    channels: {
      sms: {
        adapter: 'smpp',
        ratePerSecond: 20,
        concurrency: 2,
        options: {
          host: 'smsc.example.org',
          port: 2775,
          systemId: 'cvm',
          password: SECRETS.smppPassword,
          sourceAddr: 'TestShop',
        },
      },
      email: {
        adapter: 'smtp',
        options: {
          host: 'mail.example.org',
          port: 587,
          auth: { user: 'mailer', password: { env: SECRETS.smtpPasswordVariable } },
          from: { address: 'offers@example.org', name: 'Test shop' },
        },
      },
      webhook: {
        adapter: 'webhook',
        maxAttempts: 3,
        options: {
          url: `https://${SECRETS.webhookUserInfo}@hooks.example.org/services/${SECRETS.webhookPathToken}?sig=${SECRETS.webhookQueryToken}`,
          headers: { Authorization: SECRETS.webhookHeader },
          signingSecret: SECRETS.webhookSigning,
        },
      },
    },
  },
});

const customers = (n: number): NormalizedRow[] =>
  Array.from({ length: n }, (_, index) => ({
    id: `c-${String(index).padStart(3, '0')}`,
    city: 'Berlin',
    msisdn: `+4917000${String(index).padStart(4, '0')}`,
    consent_sms_marketing: true,
    timezone: 'Europe/Berlin',
  }));

const open = async (store: Parameters<typeof createApp>[0]['store'], now: () => Date): Promise<App> => {
  let next = 0;
  return createApp(
    { store, schema },
    {
      clock: now,
      randomId: () => {
        next += 1;
        return `id-${next}`;
      },
    },
  );
};

/** Running SMS campaigns to 40 consenting customers, with an offer without cooldown. */
const setUp = async (
  app: App,
  store: Store,
  campaigns: readonly { readonly id: string; readonly priority: number }[],
) => {
  const rows = customers(40);
  await store.importRows('customers', rows, new Set(Object.keys(rows[0] ?? {})));
  const offer = await app.campaigns.createOffer(offerInput({ cooldownDays: 0, channels: ['sms'] }));
  expect(offer.ok ? null : offer.error).toBeNull();
  await app.campaigns.showUcg();
  await store.segments.saveList('nobody', [], new Date('2026-01-01T00:00:00.000Z'));
  for (const { id, priority } of campaigns) {
    const { createdBy: _author, ...definition } = campaignInput({
      id,
      priority,
      controlShare: 0,
      audience: { type: 'rule', rule: EVERYONE },
    });
    const created = await app.campaigns.createCampaign(definition, { by: 'alice' });
    expect(created.ok ? null : created.error).toBeNull();
    for (const [action, by] of [
      ['submit', 'alice'],
      ['approve', 'bob'],
      ['start', 'bob'],
    ] as const) {
      const moved = await app.campaigns.act(id, action, { by });
      expect(moved.ok ? null : moved.error).toBeNull();
    }
  }
};

const runOk = async (app: App, campaignId: string) => {
  const run = await app.runs.run({ campaignId, dryRun: false });
  if (!run.ok) throw new Error(run.error.message);
  return run.value;
};

const reasonsOf = (run: Awaited<ReturnType<typeof runOk>>) =>
  run.funnel?.steps.find((step) => step.step === 'contact_policy')?.reasons ?? {};

for (const adapter of ADAPTERS) {
  describe(`settings on ${adapter.name}`, () => {
    it('starts from the config policy, applies an update to the next run and resets to the config', async () => {
      await using test = await adapter.open(schema);
      let now = new Date('2026-01-15T10:00:00.000Z');
      const app = await open(test.store, () => now);
      // The third outranks the first, so arbitration lets it replace the first's messages.
      await setUp(app, test.store, [
        { id: 'first', priority: 500 },
        { id: 'second', priority: 500 },
        { id: 'third', priority: 900 },
      ]);

      expect(await app.settings.contactPolicy()).toEqual({
        policy: schema.contactPolicy,
        source: 'config',
        version: 0,
        updatedAt: null,
        updatedBy: null,
      });

      const first = await runOk(app, 'first');
      expect(first.funnel?.queued).toBeGreaterThan(0);

      now = new Date('2026-01-15T11:00:00.000Z');
      const updated = await app.settings.updateContactPolicy(
        { policy: { caps: { sms: { day: 1 } } }, version: 0 },
        'carol',
      );
      expect(updated.ok ? updated.value : updated.error).toEqual({
        policy: { caps: { sms: { day: 1 } }, quietHours: {} },
        source: 'workspace',
        version: 1,
        updatedAt: '2026-01-15T11:00:00.000Z',
        updatedBy: 'carol',
      });
      expect(await app.settings.contactPolicy()).toMatchObject({ source: 'workspace', version: 1 });

      // Every customer had a message today: the new daily cap of one holds all of them back.
      const second = await runOk(app, 'second');
      expect(second.funnel?.queued).toBe(0);
      expect(reasonsOf(second)['suppressed:cap:sms:day']).toBe(first.funnel?.queued);

      now = new Date('2026-01-15T12:00:00.000Z');
      const reset = await app.settings.resetContactPolicy('dave');
      expect(reset).toEqual({
        policy: schema.contactPolicy,
        source: 'config',
        version: 2,
        updatedAt: '2026-01-15T12:00:00.000Z',
        updatedBy: 'dave',
      });
      // Nothing to undo: a second reset changes nothing.
      expect(await app.settings.resetContactPolicy('erin')).toEqual(reset);

      // The config's weekly cap of five allows a second message today.
      const third = await runOk(app, 'third');
      expect(third.funnel?.queued).toBe(first.funnel?.queued);
      expect(reasonsOf(third)['suppressed:cap:sms:day']).toBeUndefined();
    });

    it('refuses an invalid policy with every issue and its path, and changes nothing', async () => {
      await using test = await adapter.open(schema);
      const app = await open(test.store, () => new Date('2026-01-15T10:00:00.000Z'));
      const before = await app.settings.contactPolicy();

      const refused = await app.settings.updateContactPolicy(
        {
          policy: {
            caps: { sms: { day: -1 }, fax: { day: 1 } },
            quietHours: { default: { from: '25:00', to: '09:00' } },
          },
        },
        'carol',
      );
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect(refused.error.type).toBe('invalid_input');
      const paths =
        refused.error.type === 'invalid_input' ? refused.error.issues.map((issue) => issue.path) : [];
      expect(paths).toEqual(
        expect.arrayContaining(['policy.caps.sms.day', 'policy.caps', 'policy.quietHours.default.from']),
      );

      for (const input of [null, {}, { policy: {}, version: -1 }, { policy: {}, extra: true }]) {
        const result = await app.settings.updateContactPolicy(input, 'carol');
        expect(result.ok ? 'accepted' : result.error.type).toBe('invalid_input');
      }
      expect(await app.settings.contactPolicy()).toEqual(before);
    });

    it('refuses an update made against a version that has moved on', async () => {
      await using test = await adapter.open(schema);
      const app = await open(test.store, () => new Date('2026-01-15T10:00:00.000Z'));
      const policy = { caps: { total: { week: 3 } } };
      const first = await app.settings.updateContactPolicy({ policy, version: 0 }, 'carol');
      expect(first.ok && first.value.version).toBe(1);
      const stale = await app.settings.updateContactPolicy({ policy: {}, version: 0 }, 'dave');
      expect(stale.ok ? null : stale.error.type).toBe('conflict');
      await app.settings.resetContactPolicy('erin');
      // A reset moves the version too: one who saw version 1 cannot overwrite the reset unknowingly.
      const afterReset = await app.settings.updateContactPolicy({ policy: {}, version: 1 }, 'dave');
      expect(afterReset.ok ? null : afterReset.error.type).toBe('conflict');
      const unversioned = await app.settings.updateContactPolicy({ policy }, 'dave');
      expect(unversioned.ok && unversioned.value).toMatchObject({ version: 3, updatedBy: 'dave' });
    });

    it('lists every channel with its route and outbox, and never a credential', async () => {
      await using test = await adapter.open(schema);
      const app = await open(test.store, () => new Date('2026-01-15T10:00:00.000Z'));
      await setUp(app, test.store, [{ id: 'first', priority: 500 }]);
      const run = await runOk(app, 'first');

      const channels = await app.settings.channels();
      const text = JSON.stringify(channels);
      for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
      expect(text).not.toContain('"env"');

      expect(channels.map((channel) => channel.channel)).toEqual(['sms', 'email', 'webhook']);
      const [sms, email, webhook] = channels;
      expect(sms?.route).toEqual({
        adapter: 'smpp',
        ratePerSecond: 20,
        concurrency: 2,
        maxAttempts: 6,
        retryBaseSeconds: 30,
        retryMaxSeconds: 3600,
        sendTimeoutSeconds: 30,
        options: { host: 'smsc.example.org', port: 2775, systemId: 'cvm', sourceAddr: 'TestShop' },
        credentials: { password: 'configured' },
      });
      expect(sms?.outbox).toMatchObject({ pending: run.funnel?.queued, sent: 0, failed: 0 });
      expect(email?.route?.options).toEqual({
        host: 'mail.example.org',
        port: 587,
        auth: { user: 'mailer' },
        from: { address: 'offers@example.org', name: 'Test shop' },
      });
      expect(email?.route?.credentials).toEqual({ 'auth.password': 'configured' });
      expect(email?.outbox).toMatchObject({ pending: 0, sent: 0 });
      expect(webhook?.route).toMatchObject({
        adapter: 'webhook',
        maxAttempts: 3,
        options: { url: 'https://hooks.example.org' },
        credentials: { 'headers.Authorization': 'configured', signingSecret: 'configured' },
      });
    });
  });
}

describe('channels without a delivery section', () => {
  it('lists only channels the outbox holds messages for, with no route', async () => {
    const [adapter] = ADAPTERS;
    if (adapter === undefined) return;
    const bare = testSchema();
    await using test = await adapter.open(bare);
    const app = await createApp({ store: test.store, schema: bare }, { clock: () => new Date() });
    expect(await app.settings.channels()).toEqual([]);
  });
});
