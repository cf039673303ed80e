/** The scheduled evaluation use case. */
export { evaluateAll, metricsRange, type TickReport } from './evaluate-all';
export { evaluateCanary, type CanaryOutcome, type TickContext } from './evaluate-canary';
export { defaultEvaluateSettings, type EvaluateDeps, type EvaluateLogger, type EvaluateSettings } from './deps';
export { loadPolicy } from './policy-source';
