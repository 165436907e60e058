import { z } from 'zod';
import { type IssueKind, issueKindOf } from '../api/errors.ts';
import { ContactPolicy } from '../campaigns/contact-policy.ts';
import { CHANNELS, type Channel, DeliveryConfig, PURPOSES, type Purpose } from '../delivery/channels.ts';
import { err, ok, type Result } from '../result.ts';

// Channels live in their own module so that the contact policy (which this schema embeds) can
// use them without an import cycle.
export {
  ADAPTER_KINDS,
  AdapterKind,
  CHANNELS,
  Channel,
  DeliveryConfig,
  DeliveryRoute,
  PURPOSES,
  Purpose,
} from '../delivery/channels.ts';

export const ATTRIBUTE_TYPES = [
  'string',
  'integer',
  'number',
  'boolean',
  'date',
  'timestamp',
  'enum',
] as const;

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must start with a lower-case letter and hold only a-z, 0-9 and _');

export const AttributeDefinition = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('string'), description: z.string().optional() }),
  z.strictObject({ type: z.literal('integer'), description: z.string().optional() }),
  z.strictObject({ type: z.literal('number'), description: z.string().optional() }),
  z.strictObject({ type: z.literal('boolean'), description: z.string().optional() }),
  z.strictObject({ type: z.literal('date'), description: z.string().optional() }),
  z.strictObject({ type: z.literal('timestamp'), description: z.string().optional() }),
  z.strictObject({
    type: z.literal('enum'),
    values: z.array(z.string().min(1)).min(1, 'must list at least one value'),
    description: z.string().optional(),
  }),
]);
export type AttributeDefinition = z.infer<typeof AttributeDefinition>;
export type AttributeType = AttributeDefinition['type'];

const Attributes = z.record(identifier, AttributeDefinition);

export const EventTypeDefinition = z.strictObject({
  description: z.string().optional(),
  /** Whether events of this type carry a money amount (purchase, top-up) or not (call, app_open). */
  amount: z.boolean().default(false),
  attributes: Attributes.default({}),
});
export type EventTypeDefinition = z.infer<typeof EventTypeDefinition>;

/** Which file column feeds which field, for files whose headers differ from our field names. */
export const ColumnMapping = z.record(z.string().min(1), z.string().min(1));
export type ColumnMapping = z.infer<typeof ColumnMapping>;

const isTimeZone = (value: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

const isCurrency = (value: string): boolean => Intl.supportedValuesOf('currency').includes(value);

export const TimeZone = z.string().refine(isTimeZone, 'is not an IANA time zone (e.g. Europe/Moscow)');

export const WorkspaceSchema = z.strictObject({
  workspace: z.strictObject({
    name: z.string().min(1),
    currency: z.string().refine(isCurrency, 'is not an ISO 4217 currency code (e.g. RUB, USD)'),
    timezone: TimeZone,
    defaultLocale: z.string().min(2).default('en'),
  }),
  customer: z.strictObject({ attributes: Attributes.default({}) }).default({ attributes: {} }),
  events: z.record(identifier, EventTypeDefinition).refine((v) => Object.keys(v).length > 0, {
    message: 'must declare at least one event type',
  }),
  relations: z
    .strictObject({ kinds: z.array(identifier).min(1) })
    .default({ kinds: ['call', 'sms', 'family'] }),
  features: z
    .strictObject({
      rfm: z
        .strictObject({
          /** Event types that count as purchases; every type with an amount when absent. */
          eventTypes: z.array(identifier).min(1).optional(),
          windowDays: z.number().int('must be a whole number of days').positive().default(365),
        })
        .default({ windowDays: 365 }),
    })
    .default({ rfm: { windowDays: 365 } }),
  import: z
    .strictObject({
      customers: ColumnMapping.optional(),
      events: ColumnMapping.optional(),
      relations: ColumnMapping.optional(),
    })
    .default({}),
  /** Caps and quiet hours every campaign run respects; no caps and no quiet hours when absent. */
  contactPolicy: ContactPolicy.default({ caps: {}, quietHours: {} }),
  measurement: z
    .strictObject({
      /**
       * The share of incremental revenue the revenue-share report attributes (a vendor's or a
       * partner's fee, say), in percent; the report shows none when absent.
       */
      revenueSharePercent: z.number().min(0).max(100).optional(),
    })
    .default({}),
  /** Where each channel's messages go; a channel without a route keeps its messages queued. */
  delivery: DeliveryConfig.default({ channels: {} }),
});
export type WorkspaceSchema = z.infer<typeof WorkspaceSchema>;

/** Fields every customer has; declared attributes may not reuse these names. */
export const CUSTOMER_FIELDS = [
  'id',
  'timezone',
  'locale',
  'msisdn',
  'email',
  'push_token',
  ...CHANNELS.flatMap((c) => PURPOSES.map((p) => `consent_${c}_${p}`)),
  'created_at',
  'updated_at',
] as const;

export const EVENT_FIELDS = ['id', 'customer_id', 'type', 'ts', 'amount', 'currency', 'imported_at'] as const;

export const consentField = (channel: Channel, purpose: Purpose): string => `consent_${channel}_${purpose}`;

export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
  /** What is wrong, for clients that say it in the user's language; the message says it in English. */
  readonly kind?: IssueKind;
}

export type SchemaError = { readonly type: 'invalid_schema'; readonly issues: readonly SchemaIssue[] };

export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc === '' ? String(key) : `${acc}.${String(key)}`;
  }, '');

const sameDefinition = (a: AttributeDefinition, b: AttributeDefinition): boolean =>
  a.type === b.type &&
  (a.type !== 'enum' || (b.type === 'enum' && a.values.join('\u0000') === b.values.join('\u0000')));

const crossFieldIssues = (schema: WorkspaceSchema): SchemaIssue[] => {
  const issues: SchemaIssue[] = [];
  for (const name of Object.keys(schema.customer.attributes)) {
    if ((CUSTOMER_FIELDS as readonly string[]).includes(name)) {
      issues.push({ path: `customer.attributes.${name}`, message: `"${name}" is a built-in customer field` });
    }
  }
  const seen = new Map<string, { eventType: string; definition: AttributeDefinition }>();
  for (const [eventType, definition] of Object.entries(schema.events)) {
    for (const [name, attribute] of Object.entries(definition.attributes)) {
      const path = `events.${eventType}.attributes.${name}`;
      if ((EVENT_FIELDS as readonly string[]).includes(name)) {
        issues.push({ path, message: `"${name}" is a built-in event field` });
      }
      const earlier = seen.get(name);
      if (earlier && !sameDefinition(earlier.definition, attribute)) {
        issues.push({
          path,
          message: `differs from events.${earlier.eventType}.attributes.${name}; an attribute name has one definition across event types`,
        });
      }
      if (!earlier) seen.set(name, { eventType, definition: attribute });
    }
    for (const [name, attribute] of Object.entries(definition.attributes)) {
      if (attribute.type === 'enum' && new Set(attribute.values).size !== attribute.values.length) {
        issues.push({
          path: `events.${eventType}.attributes.${name}.values`,
          message: 'lists a value twice',
        });
      }
    }
  }
  schema.features.rfm.eventTypes?.forEach((type, index) => {
    const path = `features.rfm.eventTypes[${index}]`;
    const definition = Object.hasOwn(schema.events, type) ? schema.events[type] : undefined;
    if (definition === undefined) issues.push({ path, message: `"${type}" is not a declared event type` });
    else if (!definition.amount)
      issues.push({ path, message: `"${type}" carries no amount (events.${type}.amount)` });
  });
  for (const [name, attribute] of Object.entries(schema.customer.attributes)) {
    if (attribute.type === 'enum' && new Set(attribute.values).size !== attribute.values.length) {
      issues.push({ path: `customer.attributes.${name}.values`, message: 'lists a value twice' });
    }
  }
  return issues;
};

/** Parses a workspace schema from already-decoded YAML/JSON; errors name the key and the problem. */
export const parseWorkspaceSchema = (input: unknown): Result<WorkspaceSchema, SchemaError> => {
  const parsed = WorkspaceSchema.safeParse(input);
  if (!parsed.success) {
    return err({
      type: 'invalid_schema',
      issues: parsed.error.issues.map((issue) => ({
        path: formatPath(issue.path) || '(root)',
        message: issue.message,
        kind: issueKindOf(issue),
      })),
    });
  }
  const issues = crossFieldIssues(parsed.data);
  return issues.length > 0 ? err({ type: 'invalid_schema', issues }) : ok(parsed.data);
};

/**
 * The schema as a store keeps it: the data model and rules, without the delivery routes, whose
 * options may hold credentials written inline.
 */
export const storedSchema = (schema: WorkspaceSchema): Omit<WorkspaceSchema, 'delivery'> => {
  const { delivery: _routes, ...rest } = schema;
  return rest;
};
