import { policySchema, type Policy } from './policy-schema';

/**
 * The product's defaults, taken from the source document ("Canary Metrics & Thresholds" and
 * "Success Criteria"); the choices the document leaves open are explained in docs/decisions.md.
 */
const noGates = {
  noOpenP0P1Bugs: false,
  securityScanPassed: false,
  loadTestPassed: false,
  crossPlatformValidated: false,
  guardianPassed: false,
  minUserFeedbackScore: null,
};

const raw: Policy = {
  channels: {
    alpha: {
      trafficPercent: 10,
      bakeHours: 24,
      red: { errorRate: 0.05, p95LatencyIncrease: 0.5, crashRate: 0.02, httpErrorRate: 0.1 },
      successRate: { below: 0.9, action: 'pause' },
      latencySlaMs: null,
      mttrMinutes: null,
      minExposure: { requests: 2_000, sessions: 500 },
      next: 'beta',
      // Alpha -> Beta: error rate < 5% for 24 h (the bake), no P0/P1 bugs, performance within SLA
      // (the latency verdict), security scan passed.
      exitGates: { ...noGates, noOpenP0P1Bugs: true, securityScanPassed: true },
    },
    beta: {
      trafficPercent: 25,
      bakeHours: 48,
      red: { errorRate: 0.02, p95LatencyIncrease: 0.3, crashRate: 0.01, httpErrorRate: 0.1 },
      successRate: { below: 0.95, action: 'pause' },
      latencySlaMs: null,
      mttrMinutes: 30,
      minExposure: { requests: 10_000, sessions: 2_500 },
      next: 'stable',
      // Beta -> Stable: feedback > 4/5, load testing, cross-platform validation, guardian checks.
      exitGates: { ...noGates, loadTestPassed: true, crossPlatformValidated: true, guardianPassed: true, minUserFeedbackScore: 4 },
    },
    stable: {
      trafficPercent: 100,
      // "No rollbacks during 7-day window" before the stable rollout counts as complete.
      bakeHours: 168,
      red: { errorRate: 0.005, p95LatencyIncrease: 0.2, crashRate: 0.005, httpErrorRate: 0.1 },
      // "Red: Investigate": investigating is a human's job, so the canary pauses (docs/decisions.md).
      successRate: { below: 0.99, action: 'pause' },
      // The document's KPI "p95_latency ... Target: < 200ms" is not shipped as a default: it is a
      // property of one service, and a default would hold every stable rollout of a service whose
      // healthy p95 is above it. Set channels.stable.latencySlaMs to your SLA (docs/decisions.md).
      latencySlaMs: null,
      mttrMinutes: 15,
      minExposure: { requests: 20_000, sessions: 5_000 },
      next: null,
      // Completion: "User satisfaction > 4.5/5".
      exitGates: { ...noGates, minUserFeedbackScore: 4.5 },
    },
  },
  mobileStagedRollout: [
    { day: 1, percent: 10 },
    { day: 2, percent: 25 },
    { day: 3, percent: 50 },
    { day: 5, percent: 100 },
  ],
  windows: { errorRateMinutes: 15, p95LatencyMinutes: 10, crashRateMinutes: 30, successRateMinutes: 15 },
  platformMetrics: {
    // The 4xx/5xx rate is the web section's trigger; desktop and mobile clients count failed calls as errors.
    web: ['error_rate', 'success_rate', 'p95_latency', 'http_error_rate'],
    desktop: ['error_rate', 'success_rate', 'crash_rate', 'p95_latency'],
    mobile: ['error_rate', 'success_rate', 'crash_rate', 'p95_latency'],
  },
  evaluation: {
    sequentialRollbackAlpha: 0.001,
    sequentialPauseAlpha: 0.05,
    redAlpha: 0.001,
    yellowAlpha: 0.01,
    greenAlpha: 0.05,
    redWindowsToRollback: 2,
    resumeAfterGreenWindows: 3,
    pauseAfterNoDataWindows: 5,
    latencyBaselineAlpha: 0.2,
    latencyQuantile: 0.95,
  },
};

/** The default policy, validated once so a typo here fails at start-up, not mid-rollout. */
export const defaultPolicy: Policy = Object.freeze(policySchema.parse(raw)) as Policy;
