export {
  type AccountDeps,
  API_KEY_PREFIX,
  accountService,
  SETUP_TOKEN_SETTING,
} from './accounts/account-service.ts';
export type {
  AccountError,
  AccountService,
  AuditService,
  PublicApiKey,
  PublicUser,
  SessionCaller,
  SignedIn,
} from './accounts/accounts.ts';
export { type AuditDeps, auditService, MAX_AUDIT_PAGE } from './accounts/audit-service.ts';
export type { AppError, AppErrorType } from './app-error.ts';
export {
  type ActOptions,
  type CampaignError,
  type CampaignService,
  type CampaignTemplateEntry,
  campaignService,
  type FromTemplateOptions,
} from './campaigns/campaign-service.ts';
export {
  MESSAGE_STEP,
  type RunCampaignDeps,
  type RunCampaignError,
  type RunCampaignOptions,
  type RunService,
  runCampaign,
  runService,
  STOP_LIST,
} from './campaigns/run-campaign.ts';
export {
  createScheduler,
  dueTime,
  type Scheduler,
  type SchedulerDeps,
  type SchedulerTimer,
} from './campaigns/scheduler.ts';
export { type App, type AppDeps, createApp } from './create-app.ts';
export { type DeliveryError, type DeliveryService, deliveryService } from './delivery/delivery-service.ts';
export {
  type ChannelRoute,
  createDispatcher,
  type Dispatcher,
  type DispatcherDeps,
  type DispatchTotals,
  retryDelay,
} from './delivery/dispatcher.ts';
export {
  type AdapterFactory,
  buildRoutes,
  type DeliveryConfigError,
  startDelivery,
} from './delivery/start-delivery.ts';
export {
  readUnsubscribeToken,
  type UnsubscribeClaim,
  type UnsubscribeError,
  unsubscribeKey,
  unsubscribeLink,
  unsubscribeToken,
} from './delivery/unsubscribe.ts';
export { createEventIntake, type EventIntake, type EventIntakeDeps } from './import/event-intake.ts';
export { type BatchError, type BatchOutcome, importBatch, MAX_BATCH_ROWS } from './import/import-batch.ts';
export {
  formatFromPath,
  type ImportDeps,
  type ImportFileError,
  type ImportFileInput,
  type ImportFileOutcome,
  importFile,
} from './import/import-file.ts';
export {
  type ConsumeEventStreamOptions,
  consumeEventStream,
  type StreamRejection,
  type StreamTotals,
} from './import/import-stream.ts';
export {
  type BatchOutcome as JourneyBatchOutcome,
  type JourneyWork,
  runJourneyBatch,
} from './journeys/journey-batch.ts';
export { type JourneyRuntime, type JourneyRuntimeDeps, journeyRuntime } from './journeys/journey-runtime.ts';
export {
  type JourneyError,
  type JourneyResults,
  type JourneyService,
  type JourneyView,
  journeyService,
} from './journeys/journey-service.ts';
export {
  describeMeasureIssue,
  MAX_MEASURE_ISSUES,
  type MeasureCsvError,
  type MeasureCsvIssue,
  type MeasuredCsv,
  measureCsv,
  parseExperimentMetric,
} from './results/measure-csv.ts';
export {
  type ArmSummary,
  type CampaignResults,
  type ComparisonResults,
  compareArms,
  METRICS,
  type MetricName,
  type MetricResult,
  type Plan,
  type PlanInput,
  planCampaign,
  type ResultsError,
  type ResultsService,
  type ResultsWarning,
  type RevenueShareRow,
  resultsService,
} from './results/results-service.ts';
export { revenueShareCsv } from './results/revenue-share-csv.ts';
export {
  csvHeader,
  csvLine,
  exportableColumns,
  MAX_CHANGE_IDS,
  MAX_PREVIEW_ROWS,
  ruleAttributes,
  type SegmentError,
  type SegmentService,
  type SegmentTarget,
  segmentService,
} from './segments/segment-service.ts';
export {
  type ChannelRouteView,
  type ChannelView,
  describeChannels,
  type OutboxStatusCount,
  redactOptions,
} from './settings/channel-settings.ts';
export {
  CONTACT_POLICY_SETTING,
  type ContactPolicyError,
  type ContactPolicySetting,
  type ContactPolicySettings,
  ContactPolicyUpdate,
  contactPolicySetting,
  type WorkspaceSettings,
} from './settings/contact-policy-setting.ts';
export {
  type ContentPreview,
  type ContentPreviewError,
  ContentPreviewInput,
  type ContentPreviewOptions,
  previewContent,
} from './settings/content-preview.ts';
export {
  type SettingsDeps,
  type SettingsError,
  type SettingsService,
  settingsService,
} from './settings/settings-service.ts';
export { formatSchemaIssues, loadWorkspaceSchema, type WorkspaceFileError } from './workspace.ts';
