import { z } from 'zod';
import {
  ApiKeyScope,
  Login,
  NewApiKey,
  NewUser,
  Password,
  PERMISSIONS,
  Role,
  UserChange,
  UserDisplayName,
  UserName,
} from '../accounts/access.ts';
import { endpoint, named } from './endpoint.ts';

/** Log-in, sessions, first-start setup, users, API keys and the audit log over HTTP. */

/** Audit entries per page at most. */
export const MAX_AUDIT_PAGE = 500;

export const PublicUser = named(
  z.object({
    id: z.string(),
    name: UserName,
    displayName: z.string().nullable(),
    role: Role,
    createdAt: z.string(),
    updatedAt: z.string(),
    disabled: z.boolean(),
  }),
  'PublicUser',
);
export const PublicApiKey = named(
  z.object({
    id: z.string(),
    name: z.string(),
    scope: ApiKeyScope,
    createdBy: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revoked: z.boolean(),
  }),
  'PublicApiKey',
);
export const SignedIn = named(
  z.object({ user: PublicUser, csrfToken: z.string(), expiresAt: z.string() }),
  'SignedIn',
);
export const Session = named(
  z.object({
    kind: z.enum(['user', 'key', 'operator']),
    name: z.string(),
    role: Role.nullable(),
    scope: ApiKeyScope.nullable(),
    permissions: z.array(z.enum(PERMISSIONS)),
    masked: z.boolean(),
    csrfToken: z.string().nullable(),
  }),
  'Session',
);
export const AuditEntry = named(
  z.object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.object({ type: z.string(), id: z.string() }).nullable(),
    before: z.unknown(),
    after: z.unknown(),
    prevHash: z.string(),
    hash: z.string(),
  }),
  'AuditEntry',
);
export const AuditVerification = named(
  z.object({
    ok: z.boolean(),
    entries: z.number().int(),
    lastHash: z.string().optional(),
    seq: z.number().int().optional(),
    reason: z.string().optional(),
  }),
  'AuditVerification',
);

const Setup = named(
  z.strictObject({
    token: z.string().min(1).max(200),
    name: UserName,
    displayName: UserDisplayName.optional(),
    password: Password,
  }),
  'Setup',
);
const PasswordChange = named(
  z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: Password }),
  'PasswordChange',
);
const AuditQuery = z.object({
  limit: z.string().optional().describe(`entries per page, 1 to ${MAX_AUDIT_PAGE} (default 100)`),
  cursor: z.string().optional().describe('nextCursor of the previous page'),
  actor: z.string().optional(),
  action: z.string().optional(),
  targetType: z.string().optional(),
  targetId: z.string().optional(),
});

export const accountsApi = {
  setupState: endpoint({ method: 'get', path: '/v1/setup', response: z.object({ required: z.boolean() }) }),
  setup: endpoint({ method: 'post', path: '/v1/setup', body: Setup, response: SignedIn, status: 201 }),
  logIn: endpoint({ method: 'post', path: '/v1/session', body: Login, response: SignedIn }),
  session: endpoint({ method: 'get', path: '/v1/session', response: Session }),
  logOut: endpoint({ method: 'delete', path: '/v1/session', status: 204 }),
  changePassword: endpoint({
    method: 'put',
    path: '/v1/session/password',
    body: PasswordChange,
    response: PublicUser,
  }),
  users: endpoint({ method: 'get', path: '/v1/users', response: z.object({ items: z.array(PublicUser) }) }),
  createUser: endpoint({
    method: 'post',
    path: '/v1/users',
    body: NewUser,
    response: PublicUser,
    status: 201,
  }),
  user: endpoint({ method: 'get', path: '/v1/users/:id', response: PublicUser }),
  changeUser: endpoint({ method: 'patch', path: '/v1/users/:id', body: UserChange, response: PublicUser }),
  apiKeys: endpoint({
    method: 'get',
    path: '/v1/api-keys',
    response: z.object({ items: z.array(PublicApiKey) }),
  }),
  createApiKey: endpoint({
    method: 'post',
    path: '/v1/api-keys',
    body: NewApiKey,
    response: z.object({ key: PublicApiKey, secret: z.string() }),
    status: 201,
  }),
  revokeApiKey: endpoint({ method: 'delete', path: '/v1/api-keys/:id', response: PublicApiKey }),
  audit: endpoint({
    method: 'get',
    path: '/v1/audit',
    query: AuditQuery,
    response: z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() }),
  }),
  verifyAudit: endpoint({ method: 'get', path: '/v1/audit:verify', response: AuditVerification }),
};
