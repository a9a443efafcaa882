export { buildApp, type UiServerConfig } from './build-app.ts';
export { startServer, checkServeOptions, type ServeOptions, type RunningServer } from './start-server.ts';
export { httpStatusForCode, errorResponseOf, HttpStatusError } from './http-errors.ts';
export { openApiDocument } from './openapi-document.ts';
export { buildWebBundle, type WebBundle } from './web-bundle.ts';
export { isLoopbackHost } from './request-guard.ts';
export type { UiInstance, UiPlan, UiPlanStep, UiRunRecord, UiStepRecord, UiEventRecord, UiLineage } from './ui-instance.ts';
export * from './api-schemas.ts';
