import {
  type App,
  createApp,
  type Dispatcher,
  formatSchemaIssues,
  loadWorkspaceSchema,
  startDelivery,
} from '@opencvm/app';
import { createAdapter } from '@opencvm/channels';
import type { Store } from '@opencvm/core';
import type { CliContext } from '../context.ts';
import { EXIT, fail, unwrap } from '../errors.ts';
import { type AppConfig, loadConfig } from './config.ts';
import { openStore } from './open-store.ts';

/**
 * What a command runs on: the use cases, and for the processes that also drive delivery and the
 * scheduler (`cvm serve`, `cvm worker`), the store they share and the config it was opened from.
 */
export interface Workspace {
  readonly app: App;
  readonly store: Store;
  readonly config: AppConfig;
}

export type WithApp = <T>(work: (app: App) => Promise<T>) => Promise<T>;
export type WithWorkspace = <T>(work: (workspace: Workspace) => Promise<T>) => Promise<T>;

/**
 * The composition root of one `cvm` invocation: reads the config from the environment, opens
 * the store it names and the workspace schema, and closes the store when the command is done.
 */
export const composeApp = (context: CliContext): { withApp: WithApp; withWorkspace: WithWorkspace } => {
  const withWorkspace: WithWorkspace = async (work) => {
    const loaded = loadConfig(context.env, context.cwd);
    if (!loaded.ok) return fail(`${loaded.error.key}: ${loaded.error.message}`, EXIT.usage);
    const config = loaded.value;
    const schema = await loadWorkspaceSchema(config.schemaPath);
    if (!schema.ok) return fail(formatSchemaIssues(schema.error), EXIT.usage);
    const store = await openStore(config.store, context.clock);
    const app = await createApp({ store, schema: schema.value }, { clock: context.clock });
    try {
      return await work({ app, store, config });
    } finally {
      await app.close();
    }
  };
  return { withApp: (work) => withWorkspace(({ app }) => work(app)), withWorkspace };
};

/**
 * A started dispatcher for the workspace's delivery routes, each adapter built by the channels
 * package, or null when no channel has a route; a route the schema gets wrong stops the command.
 */
export const startChannels = async (
  workspace: Workspace,
  options: {
    readonly env: CliContext['env'];
    readonly cwd: string;
    readonly clock: () => Date;
    readonly log: (line: string) => void;
  },
): Promise<Dispatcher | null> => {
  const started = await startDelivery({
    store: workspace.store,
    createAdapter,
    schema: workspace.app.schema,
    ...options,
  });
  return unwrap(started);
};
