import type { App, CampaignError, RunCampaignError } from '@opencvm/app';
import {
  CAMPAIGN_ACTIONS,
  type CampaignAction,
  CampaignStatus,
  DeliveryChannel,
  err,
  ok,
  type Result,
  TEMPLATE_LOCALES,
  type TemplateLocale,
} from '@opencvm/core';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { type ApiError, invalidBody } from './errors.ts';

/** Offers and campaigns are small documents. */
export const MAX_CAMPAIGN_BODY_BYTES = 1024 * 1024;

/**
 * Who acts. Interim, until accounts exist: every write names its user in this header, which the
 * approval rule (someone other than the author and the submitter) relies on. It is not checked.
 */
export const USER_HEADER = 'x-cvm-user';

export interface CampaignRouteDeps {
  readonly app: App;
  readonly fail: (error: ApiError) => Response;
}

/** A refused operation as an API error: bad input is 400 with every issue and its path. */
export const campaignFailure = (error: CampaignError): ApiError => {
  switch (error.type) {
    case 'invalid':
      return invalidBody(error.issues);
    case 'not_found':
      return { code: 'not_found', message: error.message };
    case 'conflict':
      return {
        code: 'conflict',
        message: error.message,
        ...(error.issues === undefined ? {} : { details: { issues: error.issues } }),
      };
    case 'forbidden':
      return { code: 'forbidden', message: error.message };
  }
};

const isAction = (text: string): text is CampaignAction => CAMPAIGN_ACTIONS.some((action) => action === text);

const isLocale = (value: unknown): value is TemplateLocale =>
  TEMPLATE_LOCALES.some((locale) => locale === value);

/** The offer, campaign, gallery and UCG routes; each validates its input and calls one use case. */
export const addCampaignRoutes = (server: Hono, deps: CampaignRouteDeps): void => {
  const { app, fail } = deps;
  const refuse = (error: CampaignError) => fail(campaignFailure(error));
  const invalidBody = (path: string, message: string) =>
    fail({ code: 'invalid_body', path, message, details: { issues: [{ path, message }] } });
  const body = bodyLimit({
    maxSize: MAX_CAMPAIGN_BODY_BYTES,
    onError: () =>
      fail({ code: 'payload_too_large', message: `the body is over ${MAX_CAMPAIGN_BODY_BYTES} bytes` }),
  });

  const user = (c: Context): Result<string, Response> => {
    const name = c.req.header(USER_HEADER);
    return name === undefined || name === ''
      ? err(
          invalidBody(
            USER_HEADER,
            'is required on writes: the user who acts (interim, until accounts exist)',
          ),
        )
      : ok(name);
  };

  /** The body as a JSON object (an empty body counts as `{}` when `optional`), or the refusal. */
  const objectBody = async (
    c: Context,
    options: { readonly optional?: boolean } = {},
  ): Promise<Result<Record<string, unknown>, Response>> => {
    const text = await c.req.text();
    if (options.optional === true && text.trim() === '') return ok({});
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return err(fail({ code: 'invalid_body', path: '(body)', message: 'the body is not valid JSON' }));
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return err(fail({ code: 'invalid_body', path: '(body)', message: 'the body must be a JSON object' }));
    return ok(Object.fromEntries(Object.entries(parsed)));
  };

  /** `version` of a body or query: the version the caller saw, for optimistic concurrency. */
  const versionOf = (value: unknown): Result<number | undefined, Response> => {
    if (value === undefined) return ok(undefined);
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    return typeof number === 'number' && Number.isInteger(number) && number >= 1
      ? ok(number)
      : err(invalidBody('version', 'must be a whole number of 1 or more'));
  };

  const optionalString = (value: unknown, path: string): Result<string | undefined, Response> =>
    value === undefined || typeof value === 'string' ? ok(value) : err(invalidBody(path, 'must be a string'));

  // Runs ---------------------------------------------------------------------------------------

  const runRefusal = (error: RunCampaignError) => fail({ code: error.type, message: error.message });

  server.post('/v1/campaigns/:id/runs', async (c) => {
    const by = user(c);
    if (!by.ok) return by.error;
    const dryRun = c.req.query('dryRun');
    if (dryRun !== undefined && dryRun !== 'true' && dryRun !== 'false')
      return invalidBody('dryRun', 'must be true or false');
    const run = await app.runs.run({ campaignId: c.req.param('id'), dryRun: dryRun === 'true' });
    return run.ok ? c.json(run.value, 201) : runRefusal(run.error);
  });

  server.get('/v1/campaigns/:id/runs', async (c) => {
    const runs = await app.runs.listRuns(c.req.param('id'));
    return runs.ok ? c.json({ items: runs.value }) : runRefusal(runs.error);
  });

  server.get('/v1/runs/:runId', async (c) => {
    const run = await app.runs.showRun(c.req.param('runId'));
    return run.ok ? c.json(run.value) : runRefusal(run.error);
  });

  // Offers -------------------------------------------------------------------------------------

  server.get('/v1/offers', async (c) => c.json({ items: await app.campaigns.listOffers() }));

  server.post('/v1/offers', body, async (c) => {
    const by = user(c);
    if (!by.ok) return by.error;
    const input = await objectBody(c);
    if (!input.ok) return input.error;
    const saved = await app.campaigns.createOffer(input.value);
    return saved.ok ? c.json(saved.value, 201) : refuse(saved.error);
  });

  server.get('/v1/offers/:id', async (c) => {
    const found = await app.campaigns.showOffer(c.req.param('id'));
    return found.ok ? c.json(found.value) : refuse(found.error);
  });

  server.put('/v1/offers/:id', body, async (c) => {
    const id = c.req.param('id');
    const by = user(c);
    if (!by.ok) return by.error;
    const input = await objectBody(c);
    if (!input.ok) return input.error;
    if ('id' in input.value && input.value.id !== id)
      return invalidBody('id', 'must be the id in the path, or left out');
    const saved = await app.campaigns.updateOffer({ ...input.value, id });
    return saved.ok ? c.json(saved.value) : refuse(saved.error);
  });

  server.delete('/v1/offers/:id', async (c) => {
    const by = user(c);
    if (!by.ok) return by.error;
    const removed = await app.campaigns.deleteOffer(c.req.param('id'));
    return removed.ok ? c.body(null, 204) : refuse(removed.error);
  });

  // Campaigns ----------------------------------------------------------------------------------

  server.get('/v1/campaigns', async (c) => {
    const statusText = c.req.query('status');
    if (statusText === undefined) return c.json({ items: await app.campaigns.listCampaigns() });
    const status = CampaignStatus.safeParse(statusText);
    if (!status.success) return invalidBody('status', status.error.issues[0]?.message ?? 'unknown status');
    return c.json({ items: await app.campaigns.listCampaigns({ status: status.data }) });
  });

  server.post('/v1/campaigns', body, async (c) => {
    const by = user(c);
    if (!by.ok) return by.error;
    const input = await objectBody(c);
    if (!input.ok) return input.error;
    const saved = await app.campaigns.createCampaign(input.value, { by: by.value });
    return saved.ok ? c.json(saved.value, 201) : refuse(saved.error);
  });

  server.get('/v1/campaigns/:id', async (c) => {
    const found = await app.campaigns.showCampaign(c.req.param('id'));
    return found.ok ? c.json(found.value) : refuse(found.error);
  });

  server.put('/v1/campaigns/:id', body, async (c) => {
    const by = user(c);
    if (!by.ok) return by.error;
    const input = await objectBody(c);
    if (!input.ok) return input.error;
    // The body is the definition (the `campaign` of GET) and, optionally, the version it was read at.
    const { version, ...definition } = input.value;
    const expectedVersion = versionOf(version);
    if (!expectedVersion.ok) return expectedVersion.error;
    const saved = await app.campaigns.updateCampaign(c.req.param('id'), definition, {
      by: by.value,
      expectedVersion: expectedVersion.value,
    });
    return saved.ok ? c.json(saved.value) : refuse(saved.error);
  });

  server.delete('/v1/campaigns/:id', async (c) => {
    const by = user(c);
    if (!by.ok) return by.error;
    const expectedVersion = versionOf(c.req.query('version'));
    if (!expectedVersion.ok) return expectedVersion.error;
    const removed = await app.campaigns.deleteCampaign(c.req.param('id'), {
      expectedVersion: expectedVersion.value,
    });
    return removed.ok ? c.body(null, 204) : refuse(removed.error);
  });

  server.post('/v1/campaigns/:id/:action', body, async (c) => {
    const action = c.req.param('action');
    if (!isAction(action)) return fail({ code: 'not_found', message: 'no such route' });
    const by = user(c);
    if (!by.ok) return by.error;
    const input = await objectBody(c, { optional: true });
    if (!input.ok) return input.error;
    const note = optionalString(input.value.note, 'note');
    if (!note.ok) return note.error;
    const expectedVersion = versionOf(input.value.version);
    if (!expectedVersion.ok) return expectedVersion.error;
    const moved = await app.campaigns.act(c.req.param('id'), action, {
      by: by.value,
      note: note.value,
      expectedVersion: expectedVersion.value,
    });
    return moved.ok ? c.json(moved.value) : refuse(moved.error);
  });

  // Gallery ------------------------------------------------------------------------------------

  server.get('/v1/campaign-templates', async (c) => c.json({ items: await app.campaigns.templates() }));

  server.post('/v1/campaign-templates/:key', body, async (c) => {
    const by = user(c);
    if (!by.ok) return by.error;
    const input = await objectBody(c);
    if (!input.ok) return input.error;
    const { id, channel, locale, validFrom, validTo } = input.value;
    if (typeof id !== 'string') return invalidBody('id', 'is required: the new campaign id');
    const parsedChannel = channel === undefined ? undefined : DeliveryChannel.safeParse(channel);
    if (parsedChannel !== undefined && !parsedChannel.success)
      return invalidBody('channel', parsedChannel.error.issues[0]?.message ?? 'unknown channel');
    if (locale !== undefined && !isLocale(locale))
      return invalidBody('locale', `must be one of ${TEMPLATE_LOCALES.join(', ')}`);
    const from = optionalString(validFrom, 'validFrom');
    if (!from.ok) return from.error;
    const to = optionalString(validTo, 'validTo');
    if (!to.ok) return to.error;
    const created = await app.campaigns.fromTemplate(c.req.param('key'), {
      id,
      by: by.value,
      channel: parsedChannel?.data,
      locale,
      validFrom: from.value,
      validTo: to.value,
    });
    return created.ok ? c.json(created.value, 201) : refuse(created.error);
  });

  // Universal control group --------------------------------------------------------------------

  server.get('/v1/ucg', async (c) => c.json(await app.campaigns.showUcg()));

  server.post('/v1/ucg:rotate', body, async (c) => {
    const by = user(c);
    if (!by.ok) return by.error;
    const input = await objectBody(c, { optional: true });
    if (!input.ok) return input.error;
    const { share } = input.value;
    if (share !== undefined && typeof share !== 'number') return invalidBody('share', 'must be a number');
    const rotated = await app.campaigns.rotateUcg({ by: by.value, share });
    return rotated.ok ? c.json(rotated.value) : refuse(rotated.error);
  });
};
