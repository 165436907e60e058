import type { Store } from '@opencvm/core';
import { DuckDbStore, PostgresStore } from '@opencvm/storage';
import type { StoreConfig } from './config.ts';

/** Opens the store the config names: the one place that knows which engines exist. */
export const openStore = (config: StoreConfig, clock: () => Date): Promise<Store> =>
  config.engine === 'duckdb'
    ? DuckDbStore.open({ path: config.path, clock })
    : PostgresStore.open({
        url: config.url,
        clock,
        ...(config.schemaName ? { schemaName: config.schemaName } : {}),
      });
