import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import {
  type AdapterKind,
  type ChannelAdapter,
  err,
  ok,
  type Result,
  type SchemaIssue,
  type Store,
  type WorkspaceSchema,
} from '@opencvm/core';
import { type ChannelRoute, createDispatcher, type Dispatcher } from './dispatcher.ts';
import { unsubscribeKey, unsubscribeLink } from './unsubscribe.ts';

export type DeliveryConfigError = {
  readonly type: 'invalid_config';
  readonly issues: readonly SchemaIssue[];
};

/**
 * Builds the adapter a route names from its options as config gives them (secrets read from
 * `env`), reporting every wrong option. The composition root passes the channels package's
 * `createAdapter`, so the use cases never know which protocols exist.
 */
export type AdapterFactory = (
  kind: AdapterKind,
  options: unknown,
  env: Readonly<Record<string, string | undefined>>,
) => Result<ChannelAdapter, { readonly issues: readonly SchemaIssue[] }>;

/**
 * The routes the workspace's `delivery` section declares, each with its adapter built from its
 * options (checked by the adapter; secrets read from `env`). Relative file directories are taken
 * from `cwd`. Every problem is reported with its key, none half-built.
 */
export const buildRoutes = (options: {
  readonly createAdapter: AdapterFactory;
  readonly schema: WorkspaceSchema;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}): Result<ChannelRoute[], DeliveryConfigError> => {
  const routes: ChannelRoute[] = [];
  const issues: SchemaIssue[] = [];
  for (const [channel, route] of Object.entries(options.schema.delivery.channels)) {
    if (route === undefined) continue;
    const adapterOptions: Record<string, unknown> = { ...route.options };
    const directory = adapterOptions.directory;
    if (route.adapter === 'file' && typeof directory === 'string' && !isAbsolute(directory)) {
      adapterOptions.directory = resolve(options.cwd, directory);
    }
    const adapter = options.createAdapter(route.adapter, adapterOptions, options.env);
    if (!adapter.ok) {
      for (const issue of adapter.error.issues) {
        const inner = issue.path === '' ? '' : `.${issue.path}`;
        issues.push({ path: `delivery.channels.${channel}.options${inner}`, message: issue.message });
      }
      continue;
    }
    routes.push({
      channel,
      adapter: adapter.value,
      ratePerSecond: route.ratePerSecond,
      concurrency: route.concurrency,
      maxAttempts: route.maxAttempts,
      sendTimeoutMs: Math.round(route.sendTimeoutSeconds * 1000),
      retryBaseMs: Math.round(route.retryBaseSeconds * 1000),
      retryMaxMs: Math.round(route.retryMaxSeconds * 1000),
    });
  }
  return issues.length > 0 ? err({ type: 'invalid_config', issues }) : ok(routes);
};

/**
 * A started dispatcher for the workspace's routes, or null when it declares none. The public
 * address for unsubscribe links comes from `CVM_PUBLIC_URL`, else from `delivery.publicUrl`.
 */
export const startDelivery = async (options: {
  readonly store: Store;
  readonly createAdapter: AdapterFactory;
  readonly schema: WorkspaceSchema;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly clock: () => Date;
  readonly log: (line: string) => void;
  readonly idlePollMs?: number | undefined;
}): Promise<Result<Dispatcher | null, DeliveryConfigError>> => {
  const routes = buildRoutes(options);
  if (!routes.ok) return routes;
  if (routes.value.length === 0) return ok(null);
  const publicUrl = options.env.CVM_PUBLIC_URL || options.schema.delivery.publicUrl;
  const link =
    publicUrl === undefined
      ? undefined
      : unsubscribeLink({ publicUrl, key: await unsubscribeKey(options.store) });
  const dispatcher = createDispatcher({
    store: options.store,
    routes: routes.value,
    clock: options.clock,
    random: Math.random,
    claimant: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    unsubscribeUrl: link,
    log: options.log,
    idlePollMs: options.idlePollMs,
  });
  await dispatcher.start();
  options.log(
    `delivery: ${routes.value.map((route) => `${route.channel} via ${route.adapter.kind} (${route.ratePerSecond}/s, ${route.concurrency} at once)`).join(', ')}`,
  );
  return ok(dispatcher);
};
