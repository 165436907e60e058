import { resolve } from 'node:path';
import { serve as serveHttp } from '@hono/node-server';
import { createScheduler } from '@opencvm/app';
import { createServer } from '@opencvm/server';
import type { Command } from 'commander';
import { startChannels, type Workspace } from '../compose/open-app.ts';
import { type OnEventsAccepted, startEventStream } from '../compose/start-event-stream.ts';
import { realClock } from '../context.ts';
import { positiveInteger } from '../options.ts';
import type { CommandDeps } from './command-deps.ts';
import { ensureDemoData } from './demo.ts';

const HOUSEKEEPING_MS = 3_600_000;
/** The web app's build in this repository (`npm run build -w @opencvm/web`). */
const WEB_ROOT = resolve(import.meta.dirname, '../../../web/dist');

/**
 * Serves the API until SIGINT or SIGTERM, then closes the store cleanly. In this embedded mode
 * the same process runs the campaign scheduler, which starts due runs every minute, the
 * dispatcher, which sends due outbox messages through the configured channels, and, when
 * CVM_NATS_URL names one, the import of events from a NATS JetStream stream (each stored batch
 * is acted on by journeys, then handed to `onEventsAccepted`, before it is acked), and the
 * journeys' timers and sweeps.
 */
export const serve = async (
  workspace: Workspace,
  options: {
    readonly version: string;
    readonly log: (line: string) => void;
    readonly clock: () => Date;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly cwd: string;
    readonly onEventsAccepted?: OnEventsAccepted;
  },
): Promise<void> => {
  const { app, store, config } = workspace;
  // First: a stream setting the server refuses stops the command before anything else starts.
  const events = await startEventStream(workspace, {
    clock: options.clock,
    log: options.log,
    // Journeys act on each stored batch before it is acked, as on events posted to the API.
    onAccepted: async (rows) => {
      await app.journeyRuntime.accept(rows);
      await options.onEventsAccepted?.(rows);
    },
  });
  try {
    const { server } = createServer(app, {
      version: options.version,
      webRoot: options.env.CVM_WEB_ROOT ?? WEB_ROOT,
    });
    const dispatcher = await startChannels(workspace, options);
    if (dispatcher === null)
      options.log('delivery: no channel has a route; queued messages wait in the outbox');
    const scheduler = createScheduler({
      store,
      schema: app.schema,
      clock: options.clock,
      run: async (run) => {
        const result = await app.runs.run(run);
        dispatcher?.wake();
        return result;
      },
      timer: (callback, ms) => {
        const timeout = setTimeout(callback, ms);
        return () => clearTimeout(timeout);
      },
      onError: (campaignId, error) =>
        options.log(
          `scheduler: campaign ${campaignId}: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
        ),
    });
    scheduler.start();
    // Journeys: timers and triggers as they fall due, segment and date sweeps; events are acted
    // on as each way in stores them.
    const journeys = new AbortController();
    const stopWaking = app.journeyRuntime.onBatch((outcome) => {
      if (outcome.messages > 0) dispatcher?.wake();
    });
    const journeyLoop = app.journeyRuntime.run({
      signal: journeys.signal,
      onError: (error) =>
        options.log(`journeys: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
    });
    const housekeep = () =>
      app.housekeep().catch((error: unknown) => {
        options.log(`housekeeping: ${error instanceof Error ? error.message : String(error)}`);
      });
    await housekeep();
    const housekeeping = setInterval(housekeep, HOUSEKEEPING_MS);
    housekeeping.unref();
    // A new workspace has no user: a one-time token lets whoever started it create the first admin.
    const setupToken = await app.accounts.issueSetupToken();
    await new Promise<void>((resolve, reject) => {
      const http = serveHttp({ fetch: server.fetch, hostname: config.host, port: config.port }, (info) => {
        const base = `http://localhost:${info.port}`;
        options.log(`OpenCVM is listening on ${base} (store: ${app.engine})`);
        options.log(`  API reference: ${base}/docs (OpenAPI document: ${base}/openapi.json)`);
        for (const line of signInHelp(base, setupToken, app.engine === 'duckdb')) options.log(line);
      });
      http.on('error', reject);
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        scheduler.stop();
        clearInterval(housekeeping);
        journeys.abort();
        stopWaking();
        http.close(() => {
          journeyLoop
            .then(() => (dispatcher === null ? undefined : dispatcher.stop()))
            .then(() => resolve(), reject);
        });
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  } finally {
    // Also when the server could not start: the stream's connection would keep the process up.
    await events?.stop();
  }
};

/** How to get in: the first admin's setup while there is no user, then log-in and API keys. */
export const signInHelp = (base: string, setupToken: string | null, embedded: boolean): readonly string[] =>
  setupToken === null
    ? [
        `  Log in: POST ${base}/v1/session {"name", "password"} (session cookie); machines use API keys`,
        `  (POST ${base}/v1/api-keys as an admin) as "Authorization: Bearer <key>".`,
      ]
    : [
        '  No user exists yet. Create the first admin with this one-time setup token:',
        `    ${setupToken}`,
        `  curl -X POST ${base}/v1/setup -H 'content-type: application/json' \\`,
        `    -d '{"token": "${setupToken}", "name": "admin", "password": "<at least 12 characters>"}'`,
        `  or: npx cvm users create admin --admin${embedded ? ' (with the server stopped: the store is one process’s)' : ''}`,
      ];

/** `cvm serve`: the API, the web app, the scheduler and the dispatcher in one process. */
export const registerServeCommand = (program: Command, deps: CommandDeps): void => {
  const { out, actors, context } = deps;
  program
    .command('serve')
    .description('start the HTTP API (port from PORT, default 8080)')
    .option('--demo', 'on an empty store, generate and import demo data first')
    .option('--demo-customers <n>', 'size of the demo base', positiveInteger, 100_000)
    .action(async (options: { demo?: boolean; demoCustomers: number }) => {
      await deps.withWorkspace(async (workspace) => {
        if (options.demo) {
          await ensureDemoData({
            app: workspace.app,
            store: workspace.store,
            dataDir: workspace.config.dataDir,
            customers: options.demoCustomers,
            today: realClock(),
            log: out,
            acting: actors.operator(workspace.app),
          });
        }
        await serve(workspace, {
          version: deps.version,
          log: out,
          clock: context.clock,
          env: context.env,
          cwd: context.cwd,
        });
      });
    });
};
