import { createApp } from '@opencvm/app';
import { ADAPTERS, campaignInput, offerInput, testSchema } from '@opencvm/storage/testing';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/create-server.ts';
import { signedInClient } from '../test-server.ts';

const schema = testSchema();

/** A server on a fresh store, with a clock tests move and salts drawn in order. */
const openServer = async (adapter: (typeof ADAPTERS)[number]) => {
  const test = await adapter.open(schema);
  let now = new Date('2026-01-15T10:00:00Z');
  let salts = 0;
  const app = await createApp(
    { store: test.store, schema },
    {
      clock: () => now,
      randomId: () => {
        salts += 1;
        return `salt-${salts}`;
      },
    },
  );
  const server = signedInClient(createServer(app, { version: '0.0.0-test' }).server, app);
  const send = (method: string, path: string, options: { body?: unknown; user?: string } = {}) =>
    server.request(path, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.user === undefined ? {} : { 'x-cvm-user': options.user }),
      },
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies loosely; the assertions are the type check.
  const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();
  return {
    send,
    json,
    get: (path: string) => json(send('GET', path)),
    as: (user: string) => ({
      post: (path: string, body?: unknown) => send('POST', path, { body, user }),
      put: (path: string, body: unknown) => send('PUT', path, { body, user }),
      delete: (path: string) => send('DELETE', path, { user }),
    }),
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    [Symbol.asyncDispose]: () => test[Symbol.asyncDispose](),
  };
};

const HOUR = 3_600_000;

for (const adapter of ADAPTERS) {
  describe(`campaigns API on ${adapter.name}`, () => {
    it('creates, lists, changes and deletes offers, with every issue of a bad one', async () => {
      await using api = await openServer(adapter);
      const alice = api.as('alice');
      const created = await alice.post('/v1/offers', offerInput());
      expect(created.status).toBe(201);
      expect(await api.json(created)).toMatchObject({ offer: { id: 'ten-off', value: '10' } });
      expect((await alice.post('/v1/offers', offerInput())).status).toBe(409);

      const bad = await alice.post(
        '/v1/offers',
        offerInput({
          id: 'bad',
          cost: '-1',
          priority: 2000,
        }),
      );
      expect(bad.status).toBe(400);
      const badBody = await api.json(bad);
      expect(badBody.error.code).toBe('invalid_body');
      expect(badBody.error.details.issues.map((issue: { path: string }) => issue.path)).toEqual([
        'cost',
        'priority',
      ]);
      const unknownSegment = await api.json(
        alice.post(
          '/v1/offers',
          offerInput({ id: 'bad', eligibility: { type: 'segment', segment: 'nobody' } }),
        ),
      );
      expect(unknownSegment.error.details.issues).toEqual([
        { path: 'eligibility.segment', message: 'unknown segment "nobody"', kind: 'unknown_name' },
      ]);

      const updated = await alice.put('/v1/offers/ten-off', {
        ...offerInput(),
        id: undefined,
        name: 'Ten off',
      });
      expect(updated.status).toBe(200);
      expect((await api.get('/v1/offers/ten-off')).offer.name).toBe('Ten off');
      expect((await alice.put('/v1/offers/nope', offerInput({ id: 'nope' }))).status).toBe(404);
      expect((await alice.put('/v1/offers/ten-off', offerInput({ id: 'other' }))).status).toBe(400);
      expect(
        (await api.get('/v1/offers')).items.map((item: { offer: { id: string } }) => item.offer.id),
      ).toEqual(['ten-off']);
      expect((await api.send('GET', '/v1/offers/nope')).status).toBe(404);
      expect((await alice.delete('/v1/offers/ten-off')).status).toBe(204);
      expect((await alice.delete('/v1/offers/ten-off')).status).toBe(404);
    });

    it('takes a campaign from draft to completed, approved by a second person', async () => {
      await using api = await openServer(adapter);
      const alice = api.as('alice');
      const bob = api.as('bob');
      await alice.post('/v1/offers', offerInput());
      // The author is whoever creates it, whatever the body says.
      const smuggled = await api.json(
        alice.post('/v1/campaigns', { ...campaignInput(), createdBy: 'mallory' }),
      );
      expect(smuggled.error.details.issues).toEqual([expect.objectContaining({ path: 'createdBy' })]);
      const { createdBy: _author, ...definition } = campaignInput();
      const created = await alice.post('/v1/campaigns', definition);
      expect(created.status).toBe(201);
      expect(await api.json(created)).toMatchObject({
        version: 1,
        campaign: { id: 'spring-sale', status: 'draft', createdBy: 'alice', controlShare: 10, history: [] },
      });
      const again = await alice.post('/v1/campaigns', definition);
      expect(again.status).toBe(409);
      expect((await api.json(again)).error).toMatchObject({ code: 'conflict', reason: 'already_exists' });

      const edited = await api.json(
        alice.put('/v1/campaigns/spring-sale', { ...definition, name: 'Renamed', version: 1 }),
      );
      expect(edited).toMatchObject({ version: 2, campaign: { name: 'Renamed' } });
      const stale = await alice.put('/v1/campaigns/spring-sale', { ...definition, version: 1 });
      expect(stale.status).toBe(409);
      // The reason tells a client which refusal it is, so it can say so in its user's language.
      expect((await api.json(stale)).error).toMatchObject({
        code: 'conflict',
        reason: 'stale_version',
        message: expect.stringMatching(/changed meanwhile/),
      });

      api.advance(HOUR);
      const tooEarly = await alice.post('/v1/campaigns/spring-sale/approve');
      expect(tooEarly.status).toBe(409);
      expect((await api.json(tooEarly)).error).toMatchObject({
        code: 'conflict',
        reason: 'invalid_transition',
      });
      const submitted = await api.json(alice.post('/v1/campaigns/spring-sale/submit'));
      expect(submitted).toMatchObject({
        version: 3,
        campaign: {
          status: 'pending_approval',
          submittedBy: 'alice',
          submittedAt: '2026-01-15T11:00:00.000Z',
        },
      });
      const notDraft = await alice.put('/v1/campaigns/spring-sale', definition);
      expect(notDraft.status).toBe(409);
      expect((await api.json(notDraft)).error).toMatchObject({ code: 'conflict', reason: 'not_a_draft' });
      expect((await alice.delete('/v1/campaigns/spring-sale')).status).toBe(409);

      const selfApproval = await alice.post('/v1/campaigns/spring-sale/approve');
      expect(selfApproval.status).toBe(403);
      expect((await api.json(selfApproval)).error).toMatchObject({
        code: 'forbidden',
        reason: 'self_approval',
      });

      const rejected = await api.json(
        bob.post('/v1/campaigns/spring-sale/reject', { note: 'wrong audience' }),
      );
      expect(rejected.campaign).toMatchObject({ status: 'draft' });
      expect(rejected.campaign.submittedBy).toBeUndefined();
      await bob.post('/v1/campaigns/spring-sale/submit');
      // Bob submitted it this time, Alice wrote it: neither may approve; Carol may.
      expect((await bob.post('/v1/campaigns/spring-sale/approve')).status).toBe(403);
      expect((await alice.post('/v1/campaigns/spring-sale/approve')).status).toBe(403);
      const carol = api.as('carol');
      api.advance(HOUR);
      const approved = await api.json(carol.post('/v1/campaigns/spring-sale/approve', { version: 5 }));
      expect(approved).toMatchObject({
        version: 6,
        campaign: { status: 'approved', approvedBy: 'carol', approvedAt: '2026-01-15T12:00:00.000Z' },
      });
      await carol.post('/v1/campaigns/spring-sale/start');
      const completed = await api.json(carol.post('/v1/campaigns/spring-sale/complete'));
      expect(completed.campaign.status).toBe('completed');
      expect(
        completed.campaign.history.map(
          (entry: { action: string; by: string }) => `${entry.action}:${entry.by}`,
        ),
      ).toEqual([
        'submit:alice',
        'reject:bob',
        'submit:bob',
        'approve:carol',
        'start:carol',
        'complete:carol',
      ]);
      expect(completed.campaign.history[1]).toMatchObject({ note: 'wrong audience' });
      expect((await carol.post('/v1/campaigns/spring-sale/stop')).status).toBe(409);
      expect((await carol.post('/v1/campaigns/spring-sale/launch')).status).toBe(404);
      // A campaign that names the offer keeps it.
      const inUse = await alice.delete('/v1/offers/ten-off');
      expect(inUse.status).toBe(409);
      expect((await api.json(inUse)).error).toMatchObject({ code: 'conflict', reason: 'in_use' });
    });

    it('refuses an invalid campaign with every issue, and lists by status', async () => {
      await using api = await openServer(adapter);
      const alice = api.as('alice');
      const { createdBy: _author, ...definition } = campaignInput();
      const invalid = await alice.post('/v1/campaigns', {
        ...definition,
        offers: ['ten-of'],
        goal: { eventType: 'purchases', kpi: 'conversion' },
      });
      expect(invalid.status).toBe(400);
      const issues = (await api.json(invalid)).error.details.issues.map(
        (issue: { path: string }) => issue.path,
      );
      expect(issues).toEqual(expect.arrayContaining(['offers[0]', 'goal.eventType']));
      expect((await alice.post('/v1/campaigns', '[1]')).status).toBe(400);

      await alice.post('/v1/offers', offerInput());
      await alice.post('/v1/campaigns', definition);
      await alice.post('/v1/campaigns', { ...definition, id: 'autumn' });
      await alice.post('/v1/campaigns/autumn/submit');
      const ids = async (query: string) =>
        (await api.get(`/v1/campaigns${query}`)).items.map(
          (item: { campaign: { id: string } }) => item.campaign.id,
        );
      expect(await ids('')).toEqual(['autumn', 'spring-sale']);
      expect(await ids('?status=draft')).toEqual(['spring-sale']);
      expect(await ids('?status=pending_approval')).toEqual(['autumn']);
      expect((await api.send('GET', '/v1/campaigns?status=paused')).status).toBe(400);
      expect((await api.send('GET', '/v1/campaigns/nope')).status).toBe(404);
      expect((await alice.delete('/v1/campaigns/spring-sale?version=9')).status).toBe(409);
      expect((await alice.delete('/v1/campaigns/spring-sale?version=1')).status).toBe(204);
      expect((await alice.delete('/v1/campaigns/spring-sale')).status).toBe(404);
    });

    it('shows the gallery for this workspace and creates a draft and its offer from a template', async () => {
      await using api = await openServer(adapter);
      const gallery = (await api.get('/v1/campaign-templates')).items;
      expect(
        gallery.map((entry: { key: string; available: boolean }) => [entry.key, entry.available]),
      ).toEqual([
        ['win-back', true],
        ['churn-prevention', false],
        ['welcome', false],
        ['upsell', false],
        ['topup-reminder', false],
        ['birthday', true],
      ]);
      // Each entry says whom it addresses and whom its offer is open to, so a client can count who
      // would get it before a draft exists.
      const winBack = gallery.find((entry: { key: string }) => entry.key === 'win-back');
      expect(winBack.audience).toMatchObject({ type: 'rule' });
      // Its offer is open to everyone: the audience's count is who would be eligible.
      expect(winBack.eligibility).toBeNull();
      const reach = await api.json(
        api.as('alice').post('/v1/segments:count', { rule: winBack.audience.rule }),
      );
      expect(reach).toEqual({ count: expect.any(Number) });
      const welcome = gallery.find((entry: { key: string }) => entry.key === 'welcome');
      expect(welcome.issues).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ message: expect.stringContaining('activation_date') }),
        ]),
      );

      const alice = api.as('alice');
      const created = await alice.post('/v1/campaign-templates/win-back', {
        id: 'winback-jan',
        locale: 'ru',
      });
      expect(created.status).toBe(201);
      expect(await api.json(created)).toMatchObject({
        offerCreated: true,
        offer: { offer: { id: 'winback-30-off', validFrom: '2026-01-15' } },
        campaign: {
          version: 1,
          campaign: { id: 'winback-jan', status: 'draft', createdBy: 'alice', offers: ['winback-30-off'] },
        },
      });
      const again = await api.json(
        alice.post('/v1/campaign-templates/win-back', { id: 'winback-feb', channel: 'push' }),
      );
      expect(again).toMatchObject({ offerCreated: false, campaign: { campaign: { channel: 'push' } } });
      expect((await alice.post('/v1/campaign-templates/win-back', { id: 'winback-feb' })).status).toBe(409);
      const notApplicable = await alice.post('/v1/campaign-templates/welcome', { id: 'welcome' });
      expect(notApplicable.status).toBe(409);
      expect((await api.json(notApplicable)).error.details.issues.length).toBeGreaterThan(0);
      expect((await alice.post('/v1/campaign-templates/nope', { id: 'x' })).status).toBe(404);
      expect((await alice.post('/v1/campaign-templates/win-back', {})).status).toBe(400);
      expect((await alice.post('/v1/campaign-templates/win-back', { id: 'x', channel: 'fax' })).status).toBe(
        400,
      );
    });

    it('draws the UCG on first use and rotates it on request, keeping the old salt with its period', async () => {
      await using api = await openServer(adapter);
      const first = await api.get('/v1/ucg');
      expect(first).toEqual({ salt: 'salt-1', share: 5, rotatedAt: '2026-01-15T10:00:00.000Z', history: [] });
      expect(await api.get('/v1/ucg')).toEqual(first);
      api.advance(HOUR);
      const rotated = await api.json(api.as('alice').post('/v1/ucg:rotate', { share: 7.5 }));
      expect(rotated).toEqual({
        salt: 'salt-2',
        share: 7.5,
        rotatedAt: '2026-01-15T11:00:00.000Z',
        history: [
          { salt: 'salt-1', share: 5, from: '2026-01-15T10:00:00.000Z', to: '2026-01-15T11:00:00.000Z' },
        ],
      });
      expect(await api.get('/v1/ucg')).toEqual(rotated);
      // Within the same instant there is no later period to start.
      expect((await api.as('alice').post('/v1/ucg:rotate')).status).toBe(409);
      expect((await api.as('alice').post('/v1/ucg:rotate', { share: 101 })).status).toBe(400);
    });

    it('runs a campaign, dry-runs it in any status and shows its runs with the funnel', async () => {
      await using api = await openServer(adapter);
      const alice = api.as('alice');
      const bob = api.as('bob');
      expect((await alice.post('/v1/offers', offerInput())).status).toBe(201);
      const { createdBy: _author, ...definition } = campaignInput({
        audience: { type: 'rule', rule: { type: 'attribute', attribute: 'city', op: '=', value: 'Berlin' } },
      });
      expect((await alice.post('/v1/campaigns', definition)).status).toBe(201);
      expect((await alice.post('/v1/campaigns/spring-sale/runs')).status).toBe(409);
      const dry = await alice.post('/v1/campaigns/spring-sale/dry-runs');
      expect(dry.status).toBe(201);
      expect(await api.json(dry)).toMatchObject({ dryRun: true, funnel: { audience: 0, queued: 0 } });
      // The old query parameter is refused rather than taken for a real run.
      const oldStyle = await alice.post('/v1/campaigns/spring-sale/runs?dryRun=true');
      expect(oldStyle.status).toBe(400);
      expect((await api.json(oldStyle)).error.path).toBe('dryRun');
      expect((await alice.post('/v1/campaigns/spring-sale/submit')).status).toBe(200);
      expect((await bob.post('/v1/campaigns/spring-sale/approve')).status).toBe(200);
      expect((await bob.post('/v1/campaigns/spring-sale/start')).status).toBe(200);
      const run = await api.json(bob.post('/v1/campaigns/spring-sale/runs'));
      expect(run).toMatchObject({ dryRun: false, status: 'completed', campaignId: 'spring-sale' });
      expect(await api.get(`/v1/runs/${run.id}`)).toEqual(run);
      const listed = await api.get('/v1/campaigns/spring-sale/runs');
      expect(listed.items).toHaveLength(2);
      expect(listed.nextCursor).toBeNull();
      const first = await api.get('/v1/campaigns/spring-sale/runs?limit=1');
      expect(first.items).toEqual([listed.items[0]]);
      const second = await api.get(`/v1/campaigns/spring-sale/runs?limit=1&cursor=${first.nextCursor}`);
      expect(second).toEqual({ items: [listed.items[1]], nextCursor: null });
      expect((await api.send('GET', '/v1/runs/nope')).status).toBe(404);
      expect((await api.send('GET', '/v1/campaigns/nope/runs')).status).toBe(404);
    });
  });
}
