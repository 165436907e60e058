import { resolve } from 'node:path';
import { NatsSourceOptions } from '@opencvm/channels';
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
  readonly events: {
    /** The JetStream stream `cvm serve` imports events from; null when CVM_NATS_URL is unset. */
    readonly nats: NatsSourceOptions | null;
  };
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
  const nats = loadNatsConfig(env);
  if (!nats.ok) return nats;
  return ok({
    store,
    port,
    host: env.HOST ?? '0.0.0.0',
    schemaPath: resolve(cwd, env.CVM_SCHEMA ?? 'cvm.config.yaml'),
    dataDir,
    events: { nats: nats.value },
  });
};

/** The environment variable of each setting of the NATS event stream. */
export const NATS_ENV: Readonly<Record<keyof NatsSourceOptions, string>> = {
  servers: 'CVM_NATS_URL',
  stream: 'CVM_NATS_STREAM',
  subject: 'CVM_NATS_SUBJECT',
  durable: 'CVM_NATS_DURABLE',
  createStream: 'CVM_NATS_CREATE_STREAM',
  batchSize: 'CVM_NATS_BATCH_SIZE',
  maxWaitMs: 'CVM_NATS_MAX_WAIT_MS',
  ackWaitMs: 'CVM_NATS_ACK_WAIT_MS',
};

/** The environment variable a setting (`servers`, `servers.1`, `stream`, …) comes from. */
export const natsEnvKey = (setting: string): string => {
  const name = setting.split('.')[0];
  const found = Object.entries(NATS_ENV).find(([key]) => key === name);
  return found === undefined ? 'CVM_NATS_URL' : found[1];
};

const NATS_DEFAULTS = { stream: 'CVM_EVENTS', subject: 'cvm.events.>', durable: 'opencvm' } as const;

const loadNatsConfig = (
  env: Readonly<Record<string, string | undefined>>,
): Result<NatsSourceOptions | null, ConfigError> => {
  const invalid = (key: string, message: string): Result<never, ConfigError> =>
    err({ type: 'invalid_config', key, message });
  const url = env.CVM_NATS_URL ?? '';
  if (url === '') {
    const stray = Object.values(NATS_ENV).find((key) => key !== 'CVM_NATS_URL' && env[key] !== undefined);
    return stray === undefined ? ok(null) : invalid('CVM_NATS_URL', `required when ${stray} is set`);
  }
  const flag = env.CVM_NATS_CREATE_STREAM;
  if (flag !== undefined && flag !== 'true' && flag !== 'false')
    return invalid('CVM_NATS_CREATE_STREAM', `expected true or false, got "${flag}"`);
  const numbers: Partial<Record<'batchSize' | 'maxWaitMs' | 'ackWaitMs', number>> = {};
  for (const setting of ['batchSize', 'maxWaitMs', 'ackWaitMs'] as const) {
    const text = env[NATS_ENV[setting]];
    if (text === undefined) continue;
    if (!/^\d+$/.test(text)) return invalid(NATS_ENV[setting], `expected a whole number, got "${text}"`);
    numbers[setting] = Number(text);
  }
  const parsed = NatsSourceOptions.safeParse({
    servers: url.split(',').map((server) => server.trim()),
    stream: env.CVM_NATS_STREAM ?? NATS_DEFAULTS.stream,
    subject: env.CVM_NATS_SUBJECT ?? NATS_DEFAULTS.subject,
    durable: env.CVM_NATS_DURABLE ?? NATS_DEFAULTS.durable,
    createStream: flag === 'true',
    ...numbers,
  });
  if (parsed.success) return ok(parsed.data);
  const [issue] = parsed.error.issues;
  return invalid(natsEnvKey(issue?.path.map(String).join('.') ?? ''), issue?.message ?? 'invalid');
};
