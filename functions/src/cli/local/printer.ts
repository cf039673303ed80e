import type { Canary } from '../../core/canary';
import type { TickReport } from '../../app/evaluate';
import { escapeUnsafeText } from '../../core/text';
import type { TickReports } from './population';

/** What a person watching the local runner sees: one line per event, on stdout. */
export interface Printer {
  line(text: string): void;
  tick(index: number, at: number, report: TickReport): void;
  /** What the simulated installs posted this tick; `others` counts reports from elsewhere (a page, curl). */
  reports(index: number, at: number, reports: TickReports, others: number): void;
  canaryChanged(before: Canary | undefined, after: Canary): void;
}

const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const percent = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');

export function consolePrinter(write: (s: string) => void = (s) => process.stdout.write(s)): Printer {
  // Reasons, ids and errors may carry caller-chosen text: nothing reaches the terminal raw (H13).
  const line = (text: string) => write(escapeUnsafeText(text) + '\n');
  return {
    line,
    reports(index, at, r, others) {
      const installs = r.releases.reduce((n, x) => n + x.reporting, 0);
      const release = (x: TickReports['releases'][number]) =>
        `${x.release}: ${x.reporting === x.installs ? `${x.installs}` : `${x.reporting} of ${x.installs} (sampleRate ${x.sampleRate})`} installs, ${x.requests} requests, ${percent(x.errors, x.requests)} errors`;
      const elsewhere = others > 0 ? `, and ${others} from elsewhere` : '';
      line(`[tick ${index} ${time(at)}] ${r.accepted} reports from ${installs} installs accepted for ${time(r.start).slice(0, 5)}${elsewhere} (${r.releases.map(release).join('; ') || 'nothing to report'})`);
      for (const [status, body] of r.refused) line(`[tick ${index} ${time(at)}] reports: ingest answered ${status || 'no answer'}: ${body}`);
    },
    tick(index, at, report) {
      if (report.skipped) return line(`[tick ${index} ${time(at)}] skipped: another run holds the lease`);
      for (const invalid of report.invalid) line(`[tick ${index} ${time(at)}] ${invalid.id}: INVALID document skipped (${invalid.error})`);
      for (const o of report.outcomes) {
        if (o.status === 'decided') {
          const acted = o.acted.length ? ` -> ${o.acted.join(', ')}` : '';
          line(`[tick ${index} ${time(at)}] ${o.id}: ${o.verdict.toUpperCase()} ${o.decision}${o.dryRun ? ' (dry-run)' : ''}${acted}`);
        } else if (o.status === 'failed') {
          line(`[tick ${index} ${time(at)}] ${o.id}: evaluation FAILED (${o.error})`);
        }
      }
      for (const r of report.recoveries) line(`[tick ${index} ${time(at)}] ${r.id}: recovery watch: ${r.status.replace('_', ' ')}`);
    },
    canaryChanged(before, after) {
      if (before?.status !== after.status) {
        const why =
          after.status === 'rollback_requested' && after.rollbackRequest
            ? `: ${after.rollbackRequest.reason} (trigger ${after.rollbackRequest.trigger})`
            : after.status === 'paused' && after.pauseReason
              ? `: ${after.pauseReason}`
              : after.status === 'rollback_failed' && after.rollback?.error
                ? `: ${after.rollback.error}`
                : '';
        line(`  ${after.id}: status ${before?.status ?? '(new)'} -> ${after.status}${why}`);
      }
      const steps = after.rollback?.steps ?? {};
      for (const [step, state] of Object.entries(steps)) {
        if (before?.rollback?.steps?.[step] !== state && state !== 'pending') {
          line(`  ${after.id}: rollback step ${step}: ${state}`);
        }
      }
    },
  };
}
