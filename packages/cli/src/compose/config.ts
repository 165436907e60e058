import { resolve } from 'node:path';
import { err, ok, type Result } from '@opencvm/core';

/** Where state lives: the embedded DuckDB file (default) or a PostgreSQL server. */
export type StoreConfig =
  | { readonly engine: 'duckdb'; readonly path: string }
  | { readonly engine: 'postgres'; readonly url: string; readonly schemaName?: string };

export interface AppConfig {
  readonly store: StoreConfig;
  readonly port: number;
  readonly host: string;
  /** The workspace schema file (YAML or JSON). */
  readonly schemaPath: string;
  /** Where demo files are generated and cached. */
  readonly dataDir: string;
}

export interface ConfigError {
  readonly type: 'invalid_config';
  readonly key: string;
  readonly message: string;
}

/** Reads the process environment once; everything downstream gets the typed object. */
export const loadConfig = (
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Result<AppConfig, ConfigError> => {
  const dataDir = resolve(cwd, env.CVM_DATA_DIR ?? 'data');
  const portText = env.PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    return err({
      type: 'invalid_config',
      key: 'PORT',
      message: `expected a port number 1-65535, got "${portText}"`,
    });
  }
  const url = env.CVM_DATABASE_URL;
  let store: StoreConfig;
  if (url === undefined || url === '') {
    store = { engine: 'duckdb', path: resolve(dataDir, 'cvm.duckdb') };
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    const schemaName = env.CVM_DATABASE_SCHEMA;
    if (schemaName !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schemaName)) {
      return err({
        type: 'invalid_config',
        key: 'CVM_DATABASE_SCHEMA',
        message: 'expected a lower-case SQL identifier',
      });
    }
    store = { engine: 'postgres', url, ...(schemaName ? { schemaName } : {}) };
  } else if (url.startsWith('duckdb:')) {
    store = { engine: 'duckdb', path: resolve(cwd, url.slice('duckdb:'.length)) };
  } else {
    return err({
      type: 'invalid_config',
      key: 'CVM_DATABASE_URL',
      message: 'expected postgres://user@host:port/database or duckdb:<path to file>',
    });
  }
  return ok({
    store,
    port,
    host: env.HOST ?? '0.0.0.0',
    schemaPath: resolve(cwd, env.CVM_SCHEMA ?? 'cvm.config.yaml'),
    dataDir,
  });
};
