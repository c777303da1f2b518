export { createApp, DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_LIMIT, type AppOptions } from './app.js';
export { ANONYMOUS } from './auth.js';
export { ApiError, ApiErrorCode, httpStatusFor, type ApiErrorBody, type ApiIssue } from './errors.js';
export type { Mount } from './mount.js';
export { openApiPath } from './openapi.js';
export type { RateLimit } from './rate-limit.js';
export type { AppEnv, Principal } from './route.js';
export { isLoopbackHost } from './binding.js';
