import type { AuditQuery, Store } from '@opencvm/core';
import type { AuditService } from './accounts.ts';

export interface AuditDeps {
  readonly store: Store;
  readonly clock: () => Date;
}

/** The most entries one page of the audit log returns. */
export const MAX_AUDIT_PAGE = 1000;

/** The audit log: who changed what, with the thing before and after, in one hash chain. */
export const auditService = (deps: AuditDeps): AuditService => ({
  record: (entry) =>
    deps.store.audit.append({
      at: deps.clock().toISOString(),
      actor: typeof entry.actor === 'string' ? entry.actor : entry.actor.name,
      action: entry.action,
      target: entry.target,
      before: entry.before,
      after: entry.after,
    }),
  list: (query: AuditQuery) =>
    deps.store.audit.list({
      ...query,
      limit: Math.min(Math.max(1, Math.floor(query.limit)), MAX_AUDIT_PAGE),
    }),
  verify: () => deps.store.audit.verify(),
});
