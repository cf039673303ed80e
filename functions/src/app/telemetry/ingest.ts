import type { Clock, IngestAnswer, IngestKey, InstallLimits, TelemetryStore } from '../../ports';
import { createGroupCommitter, DEFAULT_GROUP_COMMIT, type GroupCommitOptions } from './group-commit';
import { createKeyBudget, DEFAULT_KEY_BUDGET, DEFAULT_REPORTS_PER_MINUTE, type KeyBudgetOptions } from './key-budget';
import { prepareBatch } from './prepare';
import type { TelemetryReport } from './report-schema';

/**
 * Default poisoning bounds per install, release and minute. A real client sends one batch a
 * minute (a retry reuses it); a page or an app makes far fewer than 600 requests a minute; a
 * session count above 10 a minute or a crash count above 3 is not one person using an app.
 */
export const DEFAULT_INSTALL_LIMITS: InstallLimits = {
  batchesPerMinute: 6,
  requestsPerMinute: 600,
  errorsPerMinute: 60,
  sessionsPerMinute: 10,
  crashesPerMinute: 3,
};

export interface IngestDeps {
  store: TelemetryStore;
  clock: Clock;
  /** This process's id: it names the instance's own usage documents. */
  instance: string;
  limits?: InstallLimits;
  groupCommit?: GroupCommitOptions;
  keyBudget?: KeyBudgetOptions;
  /** `platform/release` of every release that is a running canary (they always report at rate 1). */
  canaryReleases?: () => Promise<ReadonlySet<string>>;
}

export type IngestResult =
  | { status: 202 | 200; body: IngestAnswer }
  | { status: 403; body: { error: string } }
  | { status: 429; body: { error: string }; retryAfterSeconds: number };

/**
 * The ingest use case: a validated report of an authorised key is checked against the key's
 * platforms and budget, bounded, and recorded through the group commit. Resolves only once the
 * batch is in the store (202), was found there already (200) or was refused; rejects when the
 * store could not record it (nothing recorded).
 */
export function createIngest(deps: IngestDeps) {
  const limits = deps.limits ?? DEFAULT_INSTALL_LIMITS;
  const budget = createKeyBudget(deps.store, deps.clock, deps.instance, deps.keyBudget ?? DEFAULT_KEY_BUDGET);
  const committer = createGroupCommitter(
    (batches, usage) => deps.store.commit(batches, usage, limits),
    budget.usage,
    (batch) => deps.store.lane(batch),
    deps.groupCommit ?? DEFAULT_GROUP_COMMIT,
  );

  async function sampleRateFor(key: IngestKey, report: TelemetryReport): Promise<number> {
    if (key.sampleRate === undefined || key.sampleRate >= 1) return 1;
    const canaries = deps.canaryReleases ? await deps.canaryReleases() : new Set<string>();
    return canaries.has(`${report.platform}/${report.release}`) ? 1 : key.sampleRate;
  }

  return {
    limits,
    async ingest(key: IngestKey, report: TelemetryReport): Promise<IngestResult> {
      if (!key.platforms.includes(report.platform)) return { status: 403, body: { error: `platform ${report.platform} is not allowed for this key` } };
      const wait = await budget.retryAfter(key.id, key.reportsPerMinute ?? DEFAULT_REPORTS_PER_MINUTE);
      if (wait > 0) return { status: 429, body: { error: "over the key's budget of reports per minute" }, retryAfterSeconds: wait };
      const batch = prepareBatch(report, deps.clock.now(), await sampleRateFor(key, report));
      // Counted before the commit, so the usage written with it already includes this report.
      budget.count(key.id, 1);
      let outcome;
      try {
        outcome = await committer.submit(batch);
      } catch (error) {
        budget.count(key.id, -1);
        throw error;
      }
      if (outcome.kind !== 'recorded') budget.count(key.id, -1);
      switch (outcome.kind) {
        case 'recorded':
          return { status: 202, body: outcome.answer };
        case 'duplicate':
          return { status: 200, body: outcome.answer };
        case 'over_budget':
          return { status: 429, body: { error: "over the install's budget of batches for that minute" }, retryAfterSeconds: outcome.retryAfterSeconds };
        default: {
          const exhaustive: never = outcome;
          return exhaustive;
        }
      }
    },
    /** Resolves when no commit is pending (tests, shutdown). */
    idle: () => committer.idle(),
  };
}

export type Ingest = ReturnType<typeof createIngest>;
