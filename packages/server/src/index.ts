export type { RouteSpec } from './api-route.ts';
export { type ApiServer, createServer, MAX_BODY_BYTES } from './create-server.ts';
export { ERROR_CODES, type ErrorCode, HTTP_STATUS } from './errors.ts';
export { openApiDocument } from './openapi.ts';
