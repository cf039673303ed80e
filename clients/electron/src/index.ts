export { startCanaryTelemetry, type CanaryTelemetry } from './telemetry';
export type { CanaryTelemetryOptions, ProblemKind } from './options';
export type { AppLike, NetLike, SessionLike, WebRequestLike, WebRequestDetails, WebRequestFilter, ProcessGoneDetails, ResponseLike } from './surface';
export type { Channel } from './wire';
export { latencyBucket } from './buckets';
