export { accountsApi, MAX_AUDIT_PAGE } from './accounts.ts';
export { campaignsApi, offersApi, runsApi } from './campaigns.ts';
export { customersApi, MAX_SEARCH_TEXT } from './customers.ts';
export { deliveryApi } from './delivery.ts';
export * from './endpoint.ts';
export * from './errors.ts';
export { importApi } from './import.ts';
export { journeysApi } from './journeys.ts';
export { resultsApi } from './results.ts';
export { segmentsApi } from './segments.ts';
export { settingsApi } from './settings.ts';
export { workspaceApi } from './workspace.ts';

import { accountsApi } from './accounts.ts';
import { campaignsApi, offersApi, runsApi } from './campaigns.ts';
import { customersApi } from './customers.ts';
import { deliveryApi } from './delivery.ts';
import { importApi } from './import.ts';
import { journeysApi } from './journeys.ts';
import { resultsApi } from './results.ts';
import { segmentsApi } from './segments.ts';
import { settingsApi } from './settings.ts';
import { workspaceApi } from './workspace.ts';

/** Every endpoint table of the contract, by context (the server's tests check each is served). */
export const API_CONTRACT = {
  accounts: accountsApi,
  campaigns: campaignsApi,
  offers: offersApi,
  runs: runsApi,
  customers: customersApi,
  delivery: deliveryApi,
  import: importApi,
  journeys: journeysApi,
  results: resultsApi,
  segments: segmentsApi,
  settings: settingsApi,
  workspace: workspaceApi,
};
