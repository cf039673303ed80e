import { onSchedule } from 'firebase-functions/scheduler';
import * as logger from 'firebase-functions/logger';
import { GITHUB_TOKEN } from '../config/params';

/**
 * Every two minutes, drives every unfinished rollback forward (requested, rolling back, stuck
 * behind an expired lease or a Retry-After): a lost event never strands a rollback.
 */
export const reconcileRollbacksJob = onSchedule(
  { schedule: 'every 2 minutes', secrets: [GITHUB_TOKEN], timeoutSeconds: 300, retryCount: 0 },
  async (event) => {
    // Loaded on first use: the platform clients and the use case are this function's cost alone.
    const [{ reconcileRollbacks }, { productionRollbackDeps }] = await Promise.all([import('../app/rollback/reconcile'), import('./rollback-wiring')]);
    const outcomes = await reconcileRollbacks(await productionRollbackDeps(), `reconciler:${event.scheduleTime}`);
    if (Object.keys(outcomes).length > 0) logger.info('rollbacks reconciled', { outcomes });
  },
);
