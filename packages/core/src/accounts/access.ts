import { z } from 'zod';

/**
 * Who may do what. A user has one role; a machine uses an API key with one scope. Every API
 * route names the one permission it needs, and a principal holds a fixed set of them.
 */
export const ROLES = ['admin', 'marketer', 'approver', 'analyst', 'viewer'] as const;
export const Role = z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` });
export type Role = z.infer<typeof Role>;

export const API_KEY_SCOPES = ['ingest', 'read', 'full'] as const;
export const ApiKeyScope = z.enum(API_KEY_SCOPES, { error: `must be one of ${API_KEY_SCOPES.join(', ')}` });
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

export const PERMISSIONS = [
  /** The programme at a glance: summary, programme and campaign results, campaign list. */
  'dashboard.read',
  /** Customers, imports, segments, offers, campaigns, runs, delivery status: reading them. */
  'data.read',
  /** Loading customers, events and relations. */
  'data.ingest',
  /** Segments, lists and feature refreshes. */
  'segments.write',
  /** Offers and content. */
  'offers.write',
  /** Campaign drafts: create, edit, delete, submit for approval, dry runs. */
  'campaigns.write',
  /** Approve, reject, start, run, stop and complete campaigns. */
  'campaigns.approve',
  /** Results in detail, planning, measurement of uploaded experiments. */
  'results.read',
  /** Contact policy, channels, universal control group: reading them. */
  'settings.read',
  /** Contact policy, universal control group, dead-letter requeues: changing them. */
  'settings.write',
  /** Users and API keys. */
  'users.manage',
  /** The audit log and its verification. */
  'audit.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READING: readonly Permission[] = ['dashboard.read', 'data.read', 'results.read', 'settings.read'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  marketer: [...READING, 'segments.write', 'offers.write', 'campaigns.write'],
  approver: [...READING, 'campaigns.approve'],
  analyst: READING,
  viewer: ['dashboard.read'],
};

/** Keys act for machines: they never manage users or keys and never read the audit log. */
export const SCOPE_PERMISSIONS: Readonly<Record<ApiKeyScope, readonly Permission[]>> = {
  ingest: ['data.ingest'],
  read: READING,
  full: PERMISSIONS.filter((permission) => permission !== 'users.manage' && permission !== 'audit.read'),
};

/** Roles that see phone numbers and e-mail addresses only masked. */
export const MASKED_ROLES: readonly Role[] = ['analyst'];

/** The caller of a use case: a signed-in user, a machine's key, or the operator at the CLI. */
export interface Principal {
  readonly kind: 'user' | 'key' | 'operator';
  /** A user's or key's id; the operator's login name. */
  readonly id: string;
  /** What the audit log and the approval rule record as the actor. */
  readonly name: string;
  readonly role: Role | null;
  readonly scope: ApiKeyScope | null;
  readonly permissions: ReadonlySet<Permission>;
  /** Contact points (msisdn, e-mail, push token) are masked in everything this caller reads. */
  readonly masked: boolean;
}

export const userPrincipal = (user: {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
}): Principal => ({
  kind: 'user',
  id: user.id,
  name: user.name,
  role: user.role,
  scope: null,
  permissions: new Set(ROLE_PERMISSIONS[user.role]),
  masked: MASKED_ROLES.includes(user.role),
});

export const keyPrincipal = (key: {
  readonly id: string;
  readonly name: string;
  readonly scope: ApiKeyScope;
}): Principal => ({
  kind: 'key',
  id: key.id,
  name: `key:${key.name}`,
  role: null,
  scope: key.scope,
  permissions: new Set(SCOPE_PERMISSIONS[key.scope]),
  masked: false,
});

/** Whoever runs `cvm` on the machine holding the store can already read it all. */
export const operatorPrincipal = (name: string): Principal => ({
  kind: 'operator',
  id: name,
  name,
  role: 'admin',
  scope: null,
  permissions: new Set(PERMISSIONS),
  masked: false,
});

export const can = (principal: Principal, permission: Permission): boolean =>
  principal.permissions.has(permission);

// ---------------------------------------------------------------------------------------------
// Users

export const USER_NAME_PATTERN = /^[a-z0-9][a-z0-9._@-]{0,63}$/;
export const UserName = z
  .string({ error: 'must be a string' })
  .regex(
    USER_NAME_PATTERN,
    'must be 1 to 64 lower-case letters, digits or . _ @ -, starting with a letter or digit',
  );

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
export const Password = z
  .string({ error: 'must be a string' })
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`);

export const UserDisplayName = z.string({ error: 'must be a string' }).trim().min(1).max(200);

export const NewUser = z.strictObject({
  name: UserName,
  displayName: UserDisplayName.optional(),
  role: Role,
  password: Password,
});
export type NewUser = z.infer<typeof NewUser>;

export const UserChange = z.strictObject({
  displayName: UserDisplayName.optional(),
  role: Role.optional(),
  password: Password.optional(),
  disabled: z.boolean({ error: 'must be true or false' }).optional(),
});
export type UserChange = z.infer<typeof UserChange>;

export const Login = z.strictObject({
  name: z.string({ error: 'must be a string' }).min(1).max(64),
  password: z.string({ error: 'must be a string' }).min(1).max(MAX_PASSWORD_LENGTH),
});
export type Login = z.infer<typeof Login>;

export const NewApiKey = z.strictObject({
  name: z
    .string({ error: 'must be a string' })
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1 to 64 lower-case letters, digits or . _ -'),
  scope: ApiKeyScope,
});
export type NewApiKey = z.infer<typeof NewApiKey>;

// ---------------------------------------------------------------------------------------------
// Masking

/** `+79161234567` → `+7916*****67`: the operator code and the last two digits stay readable. */
export const maskMsisdn = (msisdn: string): string => {
  if (msisdn.length <= 6) return '*'.repeat(msisdn.length);
  const head = msisdn.startsWith('+') ? 5 : 4;
  return msisdn.slice(0, head) + '*'.repeat(Math.max(0, msisdn.length - head - 2)) + msisdn.slice(-2);
};

/** `ivan.petrov@example.com` → `i*********@example.com`. */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '*'.repeat(email.length);
  return `${email.slice(0, 1)}${'*'.repeat(at - 1)}${email.slice(at)}`;
};

/** Push tokens are credentials of a device: nothing of them is shown. */
export const maskPushToken = (token: string): string => (token.length === 0 ? token : '********');

export const CONTACT_POINT_MASKS: Readonly<Record<string, (value: string) => string>> = {
  msisdn: maskMsisdn,
  email: maskEmail,
  push_token: maskPushToken,
  pushToken: maskPushToken,
  recipient: (value) => (value.includes('@') ? maskEmail(value) : maskMsisdn(value)),
};

/** A flat row (a segment export's) with its contact-point columns masked. */
export const maskRow = <T>(row: Readonly<Record<string, T | string>>): Record<string, T | string> =>
  Object.fromEntries(
    Object.entries(row).map(([key, value]) => {
      const mask = CONTACT_POINT_MASKS[key];
      return [key, mask !== undefined && typeof value === 'string' ? mask(value) : value];
    }),
  );

/**
 * A response with every contact point masked, at any depth: fields named `msisdn`, `email`,
 * `push_token` / `pushToken` or `recipient` holding strings.
 */
export const maskContactPoints = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(maskContactPoints);
  if (typeof value !== 'object' || value === null) return value;
  // Only plain objects are walked: a Date or a Map is left as it is.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => {
      const mask = CONTACT_POINT_MASKS[key];
      return [key, mask !== undefined && typeof field === 'string' ? mask(field) : maskContactPoints(field)];
    }),
  );
};
