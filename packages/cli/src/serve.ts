import { serve as serveHttp } from '@hono/node-server';
import { type App, createScheduler } from '@opencvm/app';
import { createServer } from '@opencvm/server';

/**
 * Serves the API until SIGINT or SIGTERM, then closes the store cleanly. In this embedded mode
 * the same process runs the campaign scheduler, which starts due runs every minute.
 */
export const serve = async (options: {
  readonly app: App;
  readonly host: string;
  readonly port: number;
  readonly version: string;
  readonly log: (line: string) => void;
  readonly clock: () => Date;
}): Promise<void> => {
  const server = createServer(options.app, { version: options.version });
  const { app } = options;
  const scheduler = createScheduler({
    store: app.store,
    schema: app.schema,
    clock: options.clock,
    run: (run) => app.runs.run(run),
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
  await new Promise<void>((resolve, reject) => {
    const http = serveHttp({ fetch: server.fetch, hostname: options.host, port: options.port }, (info) => {
      options.log(
        `OpenCVM is listening on http://localhost:${info.port} (store: ${options.app.store.engine})`,
      );
      options.log(
        `  GET /health, GET /v1/summary, GET /v1/customers/:id, POST /v1/customers:batch, POST /v1/events:batch`,
      );
    });
    http.on('error', reject);
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      scheduler.stop();
      http.close(() => resolve());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
};
