import { runsApi } from '@opencvm/core';
import {
  type ApiContext,
  type ApiRouter,
  endpointRoute,
  pathParam,
  type RouteDeps,
  reply,
} from '../api-route.ts';
import { pageOf, pageRequest, readCount } from '../pagination.ts';

/** A campaign's runs: started now (real or dry), listed, and shown with their funnels. */
export const addRunRoutes = (router: ApiRouter, deps: RouteDeps): void => {
  const { app, fail, refuse } = deps;
  const campaignTarget = (c: ApiContext) => ({ type: 'campaign', id: pathParam(c, 'id') });

  const startRun = async (c: ApiContext, dryRun: boolean) => {
    if (c.req.query('dryRun') !== undefined) {
      const path = 'dryRun';
      const message = 'is not taken: POST /v1/campaigns/:id/dry-runs starts a dry run, /runs a real one';
      return fail({ code: 'invalid_body', path, message, details: { issues: [{ path, message }] } });
    }
    const run = await app.runs.run({ campaignId: pathParam(c, 'id'), dryRun });
    return run.ok ? reply(c, dryRun ? runsApi.dryRun : runsApi.run, run.value) : refuse(run.error);
  };

  router.route(
    endpointRoute(runsApi.run, {
      access: 'campaigns.approve',
      tag: 'Runs',
      summary: 'Run a running campaign now: its audience is selected, split and queued for delivery',
      answer: 'The run with its funnel.',
      creates: true,
      audit: { action: 'campaign.run', target: campaignTarget },
    }),
    (c) => startRun(c, false),
  );

  router.route(
    endpointRoute(runsApi.dryRun, {
      access: 'campaigns.write',
      tag: 'Runs',
      summary: 'Dry-run a campaign in any status: the funnel of a run, with nothing queued',
      answer: 'The dry run with its funnel.',
      creates: true,
    }),
    (c) => startRun(c, true),
  );

  router.route(
    endpointRoute(runsApi.list, {
      access: 'data.read',
      tag: 'Runs',
      summary: "A campaign's runs, newest first",
      answer: 'A page of runs.',
    }),
    async (c) => {
      const page = pageRequest(c);
      if (!page.ok) return fail(page.error);
      const runs = await app.runs.listRuns(pathParam(c, 'id'), readCount(page.value));
      return runs.ok ? reply(c, runsApi.list, pageOf(runs.value, page.value)) : refuse(runs.error);
    },
  );

  router.route(
    endpointRoute(runsApi.show, {
      access: 'data.read',
      tag: 'Runs',
      summary: 'A run with its funnel',
      answer: 'The run.',
    }),
    async (c) => {
      const run = await app.runs.showRun(pathParam(c, 'runId'));
      return run.ok ? reply(c, runsApi.show, run.value) : refuse(run.error);
    },
  );
};
