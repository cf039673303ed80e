import type { MetricExplanation } from './notification';
import { METRICS, type Evaluation } from './types';

/**
 * The evidence an audit entry carries in `meta.explanation` for its message: per metric with data
 * (or a verdict), the canary's value, its confidence bound, the baseline, the threshold and the
 * windows pooled. Pure, so the evaluator, the rollback and the recovery watch write it alike.
 */
export function explain(evaluation: Pick<Evaluation, 'metrics'> | undefined): MetricExplanation[] {
  if (!evaluation?.metrics) return [];
  const out: MetricExplanation[] = [];
  for (const metric of METRICS) {
    const m = evaluation.metrics[metric];
    if (!m || (m.canary === null && m.status !== 'red' && m.status !== 'yellow')) continue;
    out.push({ metric, status: m.status, canary: m.canary, bound: m.bound ?? null, baseline: m.baseline, threshold: m.threshold, windows: m.windows ?? null });
  }
  return out;
}
