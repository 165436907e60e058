import { type AdapterKind, type DeliveryConfig, OUTBOX_STATUSES } from '@opencvm/core';

/**
 * The delivery channels as the API shows them: each configured route with its pace, retries and
 * the adapter options that are safe to show. Credentials never leave: a `{ env: … }` reference,
 * every option whose key names a secret, and every header value (webhook headers carry tokens)
 * are left out and listed under `credentials` as configured; a URL is cut to its origin, since
 * its path or query may hold a token. The test is by key rather than by adapter, so an option a
 * later adapter adds under such a name is hidden too.
 */

export interface ChannelRouteView {
  readonly adapter: AdapterKind;
  readonly ratePerSecond: number;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly retryBaseSeconds: number;
  readonly retryMaxSeconds: number;
  readonly sendTimeoutSeconds: number;
  /** The adapter's options without credentials; URLs reduced to their origin. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The path of each credential the options hold (`auth.password`, `headers.Authorization`). */
  readonly credentials: Readonly<Record<string, 'configured'>>;
}

export interface ChannelView {
  readonly channel: string;
  /** null: the outbox holds messages for a channel the config routes nowhere. */
  readonly route: ChannelRouteView | null;
  /** Outbox rows of the channel over every run, by status: each of `OUTBOX_STATUSES`, 0 when none. */
  readonly outbox: Readonly<Record<string, number>>;
}

export interface OutboxStatusCount {
  readonly channel: string;
  readonly status: string;
  readonly count: number;
}

/** Keys whose values are credentials, wherever they appear in an adapter's options. */
const SECRET_KEY = /pass|secret|token|key|credential|private|signature|authori[sz]ation|cookie|bearer/i;
/** Keys whose every value is a credential. */
const SECRET_MAPS: ReadonlySet<string> = new Set(['headers']);
/** A URL with a scheme: its user info, path and query may hold a token (webhook URLs often do). */
const URL_WITH_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

const isEnvReference = (value: unknown): boolean => isPlainObject(value) && 'env' in value;

const originOf = (text: string): string => {
  if (!URL_WITH_SCHEME.test(text) || !URL.canParse(text)) return text;
  const url = new URL(text);
  // Opaque origins (`mailto:`, custom schemes) print as "null": keep the scheme and host instead.
  return url.origin === 'null' ? `${url.protocol}//${url.host}` : url.origin;
};

const joinPath = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** The value without credentials (undefined when it is one), recording each credential's path. */
const withoutSecrets = (value: unknown, path: string, credentials: Record<string, 'configured'>): unknown => {
  if (isEnvReference(value)) {
    credentials[path] = 'configured';
    return undefined;
  }
  if (typeof value === 'string') return originOf(value);
  if (Array.isArray(value)) {
    return value.map((item, index) => withoutSecrets(item, `${path}[${index}]`, credentials) ?? null);
  }
  return isPlainObject(value) ? objectWithoutSecrets(value, path, credentials) : value;
};

const objectWithoutSecrets = (
  value: Readonly<Record<string, unknown>>,
  path: string,
  credentials: Record<string, 'configured'>,
): Record<string, unknown> => {
  const kept: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const itemPath = joinPath(path, key);
    if (SECRET_KEY.test(key)) {
      credentials[itemPath] = 'configured';
    } else if (SECRET_MAPS.has(key) && isPlainObject(item)) {
      for (const name of Object.keys(item)) credentials[joinPath(itemPath, name)] = 'configured';
    } else {
      const shown = withoutSecrets(item, itemPath, credentials);
      if (shown !== undefined) kept[key] = shown;
    }
  }
  return kept;
};

/** Adapter options as they may be shown, and the credentials they hold. */
export const redactOptions = (
  options: Readonly<Record<string, unknown>>,
): {
  readonly options: Readonly<Record<string, unknown>>;
  readonly credentials: Readonly<Record<string, 'configured'>>;
} => {
  const credentials: Record<string, 'configured'> = {};
  return { options: objectWithoutSecrets(options, '', credentials), credentials };
};

const emptyCounts = (): Record<string, number> =>
  Object.fromEntries(OUTBOX_STATUSES.map((status) => [status, 0]));

/** Every configured channel in the config's order, then any other the outbox holds messages for. */
export const describeChannels = (
  delivery: DeliveryConfig,
  counts: readonly OutboxStatusCount[],
): ChannelView[] => {
  const outbox = new Map<string, Record<string, number>>();
  for (const { channel, status, count } of counts) {
    const byStatus = outbox.get(channel) ?? emptyCounts();
    byStatus[status] = (byStatus[status] ?? 0) + count;
    outbox.set(channel, byStatus);
  }
  const countsOf = (channel: string) => outbox.get(channel) ?? emptyCounts();
  const views: ChannelView[] = [];
  for (const [channel, route] of Object.entries(delivery.channels)) {
    if (route === undefined) continue;
    views.push({
      channel,
      route: {
        adapter: route.adapter,
        ratePerSecond: route.ratePerSecond,
        concurrency: route.concurrency,
        maxAttempts: route.maxAttempts,
        retryBaseSeconds: route.retryBaseSeconds,
        retryMaxSeconds: route.retryMaxSeconds,
        sendTimeoutSeconds: route.sendTimeoutSeconds,
        ...redactOptions(route.options),
      },
      outbox: countsOf(channel),
    });
  }
  const routed = new Set(views.map((view) => view.channel));
  for (const channel of [...outbox.keys()].sort()) {
    if (!routed.has(channel)) views.push({ channel, route: null, outbox: countsOf(channel) });
  }
  return views;
};
