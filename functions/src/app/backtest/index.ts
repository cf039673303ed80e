/** The backtest use case: stored evaluations replayed under the policy in force and a candidate. */
export { runBacktest, type BacktestDeps, type BacktestReport, type BacktestRequest, type CanaryBacktest } from './run-backtest';
export { formatBacktest } from './format-report';
export { historyWindows } from './history-windows';
