import { randomUUID } from 'node:crypto';
import type {
  ContactPolicy,
  CustomerDetails,
  CustomerStore,
  IdempotencyStore,
  ImportRun,
  Store,
  StoreSummary,
  WorkspaceSchema,
} from '@opencvm/core';
import { accountService } from './accounts/account-service.ts';
import type { AccountService, AuditService } from './accounts/accounts.ts';
import { auditService } from './accounts/audit-service.ts';
import { housekeeping } from './accounts/housekeeping.ts';
import { type CampaignService, campaignService } from './campaigns/campaign-service.ts';
import { type RunService, runService } from './campaigns/run-campaign.ts';
import { type DeliveryService, deliveryService } from './delivery/delivery-service.ts';
import { createEventIntake } from './import/event-intake.ts';
import { importBatch } from './import/import-batch.ts';
import { importFile } from './import/import-file.ts';
import { type JourneyRuntime, journeyRuntime } from './journeys/journey-runtime.ts';
import { type JourneyService, journeyService } from './journeys/journey-service.ts';
import { type ResultsService, resultsService } from './results/results-service.ts';
import { type SegmentService, segmentService } from './segments/segment-service.ts';
import { contactPolicySetting } from './settings/contact-policy-setting.ts';
import { type SettingsService, settingsService } from './settings/settings-service.ts';

export interface AppDeps {
  readonly clock: () => Date;
  /** Random ids (UCG salts); `crypto.randomUUID` when not given. */
  readonly randomId?: (() => string) | undefined;
  /**
   * The config's caps and quiet hours (the workspace schema's `contactPolicy` when not given): in
   * force until the policy is edited at run time (`settings`), and again after a reset.
   */
  readonly contactPolicy?: ContactPolicy | undefined;
}

/** The application: use cases wired to one store and one workspace schema. */
export interface App {
  readonly schema: WorkspaceSchema;
  /** Which engine the store runs on: what health checks and start-up lines report. */
  readonly engine: Store['engine'];
  readonly importFile: ReturnType<typeof importFile>;
  readonly importBatch: ReturnType<typeof importBatch>;
  readonly segments: SegmentService;
  readonly campaigns: CampaignService;
  readonly runs: RunService;
  readonly delivery: DeliveryService;
  readonly results: ResultsService;
  readonly journeys: JourneyService;
  /**
   * Journeys at work: `cvm serve` runs its loop (timers, sweeps); every way events come in calls
   * `accept` once they are stored.
   */
  readonly journeyRuntime: JourneyRuntime;
  readonly settings: SettingsService;
  readonly accounts: AccountService;
  readonly audit: AuditService;
  /** Removes ended sessions and expired Idempotency-Keys; `cvm serve` runs it every hour. */
  housekeep(): Promise<{ readonly sessions: number; readonly idempotencyKeys: number }>;
  summary(): Promise<StoreSummary>;
  /** The most recent imports, newest first. */
  importRuns(limit: number): Promise<readonly ImportRun[]>;
  /** Rewrites the events in the order the engine reads fastest (see `Store.optimize`). */
  optimize(): Promise<{ readonly events: number }>;
  customer(id: string, options?: { readonly events?: number }): Promise<CustomerDetails | null>;
  /** Customer search and contact history, as the store answers them. */
  readonly customers: Pick<CustomerStore, 'search' | 'contacts'>;
  /** The Idempotency-Key claims of the API. */
  readonly idempotency: IdempotencyStore;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Applies migrations and the workspace schema to an opened store and returns the use cases. The
 * store is the caller's choice (the composition root opens it from config); the app closes it.
 */
export const createApp = async (
  options: { readonly store: Store; readonly schema: WorkspaceSchema },
  deps: AppDeps,
): Promise<App> => {
  const { store } = options;
  try {
    await store.prepare(options.schema);
  } catch (error) {
    await store.close();
    throw error;
  }
  const contactPolicy = contactPolicySetting({
    settings: store.accounts,
    configured: deps.contactPolicy ?? options.schema.contactPolicy,
    clock: deps.clock,
  });
  const runtime = journeyRuntime({
    store,
    schema: options.schema,
    clock: deps.clock,
    randomId: deps.randomId ?? randomUUID,
    policy: contactPolicy.current,
  });
  const onEvents = runtime.accept;
  const importDeps = {
    store,
    schema: options.schema,
    clock: deps.clock,
    onEvents,
    intake: createEventIntake({ store, onEvents }),
  };
  const close = () => store.close();
  const audit = auditService({ store, clock: deps.clock });
  return {
    schema: options.schema,
    engine: store.engine,
    importFile: importFile(importDeps),
    importBatch: importBatch(importDeps),
    segments: segmentService(importDeps),
    campaigns: campaignService({ ...importDeps, randomId: deps.randomId ?? randomUUID }),
    runs: runService({
      ...importDeps,
      randomId: deps.randomId ?? randomUUID,
      policy: contactPolicy.current,
    }),
    delivery: deliveryService(importDeps),
    results: resultsService(importDeps),
    journeys: journeyService({ store, schema: options.schema, clock: deps.clock, runtime }),
    journeyRuntime: runtime,
    settings: settingsService({ ...importDeps, contactPolicy }),
    accounts: accountService({ store, clock: deps.clock, audit }),
    audit,
    housekeep: housekeeping({ store, clock: deps.clock }),
    summary: () => store.summary(),
    importRuns: (limit) => store.listImportRuns(limit),
    optimize: () => store.optimize(),
    customer: (id, opts) => store.getCustomer(id, { events: opts?.events ?? 20 }),
    customers: {
      search: (query) => store.customers.search(query),
      contacts: (customerId, opts) => store.customers.contacts(customerId, opts),
    },
    idempotency: store.idempotency,
    close,
    [Symbol.asyncDispose]: close,
  };
};
