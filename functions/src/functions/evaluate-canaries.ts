import { onSchedule } from 'firebase-functions/scheduler';
import { defaultEvaluateSettings } from '../app/evaluate/deps';
import { GITHUB_TOKEN } from '../config/params';

/**
 * Every minute by default (EVALUATE_SCHEDULE in functions/.env: the schedule is deploy-time
 * configuration, and onSchedule takes a plain string, not a param). One retry: a retried run of
 * the same schedule time finds its decisions already claimed and the lease telling it to wait.
 * The timeout stays below the lease's time-to-live, so a live run never outlives its lease.
 */
export const evaluateCanaries = onSchedule(
  {
    schedule: process.env.EVALUATE_SCHEDULE || 'every 1 minutes',
    timeZone: 'UTC',
    retryCount: 1,
    timeoutSeconds: Math.floor(defaultEvaluateSettings.leaseTtlMs / 1000) - 20,
    memory: '512MiB',
    secrets: [GITHUB_TOKEN],
  },
  async (event) => {
    // The evaluation and its clients are loaded on the first tick, never by the other functions.
    const { runEvaluation } = await import('./evaluate-wiring');
    await runEvaluation(event);
  },
);
