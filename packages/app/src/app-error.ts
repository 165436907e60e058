import type { AccountError } from './accounts/accounts.ts';
import type { CampaignError } from './campaigns/campaign-service.ts';
import type { RunCampaignError } from './campaigns/run-campaign.ts';
import type { DeliveryError } from './delivery/delivery-service.ts';
import type { DeliveryConfigError } from './delivery/start-delivery.ts';
import type { UnsubscribeError } from './delivery/unsubscribe.ts';
import type { BatchError } from './import/import-batch.ts';
import type { ImportFileError } from './import/import-file.ts';
import type { MeasureCsvError } from './results/measure-csv.ts';
import type { ResultsError } from './results/results-service.ts';
import type { SegmentError } from './segments/segment-service.ts';
import type { SettingsError } from './settings/settings-service.ts';

/**
 * Every failure a use case returns as a value, whatever its context: told apart by `type`, with
 * the same shape for the same `type` wherever it occurs (`invalid_input` carries its issues with
 * their paths, `not_found` and `conflict` a message, `conflict` also a reason). The HTTP edge
 * maps it to a status and problem body in one table, the CLI to a message and exit code in one
 * table; a new context adds its error type here, and both tables must then say what it means.
 */
export type AppError =
  | AccountError
  | BatchError
  | CampaignError
  | DeliveryConfigError
  | DeliveryError
  | ImportFileError
  | MeasureCsvError
  | ResultsError
  | RunCampaignError
  | SegmentError
  | SettingsError
  | UnsubscribeError;

export type AppErrorType = AppError['type'];
