export { campaignsApi, offersApi, runsApi } from './campaigns.ts';
export * from './endpoint.ts';
export * from './errors.ts';
export { segmentsApi } from './segments.ts';
