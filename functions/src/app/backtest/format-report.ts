import { BACKTEST_KINDS, type BacktestKind, type DecisionPair, type KindComparison } from '../../core/backtest';
import { escapeUnsafeText } from '../../core/text';
import type { BacktestReport } from './run-backtest';

const LABEL: Record<BacktestKind, string> = { rollback: 'rollbacks', pause: 'pauses', promote: 'promotions' };

/** Tally of the paired decisions of a kind: how many the candidate makes earlier, later, at the same window. */
interface Shifts {
  earlier: number;
  later: number;
  same: number;
  onlyInForce: number;
  onlyCandidate: number;
  /** Sum of the shifts of the pairs, in windows (negative: earlier). */
  total: number;
}

function tally(pairs: readonly DecisionPair[], into: Shifts = { earlier: 0, later: 0, same: 0, onlyInForce: 0, onlyCandidate: 0, total: 0 }): Shifts {
  for (const p of pairs) {
    if (p.shift === null) {
      if (p.inForce) into.onlyInForce++;
      else into.onlyCandidate++;
    } else {
      into.total += p.shift;
      if (p.shift < 0) into.earlier++;
      else if (p.shift > 0) into.later++;
      else into.same++;
    }
  }
  return into;
}

function describeShifts(s: Shifts): string {
  const parts: string[] = [];
  const windows = (n: number) => `${n} window${n === 1 ? '' : 's'}`;
  const paired = s.earlier + s.later + s.same;
  if (paired === 1) parts.push(s.total < 0 ? `${windows(-s.total)} earlier` : s.total > 0 ? `${windows(s.total)} later` : 'same window');
  else if (paired > 1) parts.push(`${s.earlier} earlier, ${s.later} later, ${s.same} at the same window (mean ${s.total / paired > 0 ? '+' : ''}${(s.total / paired).toFixed(1)} windows)`);
  if (s.onlyInForce) parts.push(`${s.onlyInForce} never made by the candidate`);
  if (s.onlyCandidate) parts.push(`${s.onlyCandidate} made only by the candidate`);
  return parts.join('; ') || '-';
}

function at(c: KindComparison, side: 'inForce' | 'candidate'): string {
  const ws = c.pairs.map((p) => p[side]?.window).filter((w): w is number => w !== undefined);
  return ws.length ? `${ws.length} (window ${ws.slice(0, 4).join(', ')}${ws.length > 4 ? ', ...' : ''})` : '0';
}

const row = (a: string, b: string, c: string, d: string) => `  ${a.padEnd(11)} ${b.padEnd(24)} ${c.padEnd(24)} ${d}`;

/**
 * The report for a terminal, side by side per canary and in total. Every stored text (ids,
 * releases, reasons) goes through escapeUnsafeText: a document edited by hand can hold anything,
 * and must not rewrite the operator's terminal.
 */
export function formatBacktest(report: BacktestReport, labels: { candidate: string; days: number }): string[] {
  const lines: string[] = [];
  const ok = report.canaries.filter((c) => c.ok);
  lines.push(`backtest over ${labels.days} day${labels.days === 1 ? '' : 's'} (decisions since ${new Date(report.since).toISOString()}): ${ok.length} of ${report.canaries.length} canaries replayed`);
  lines.push(`policy in force: the shipped default with config/policy applied; candidate: ${labels.candidate}`);
  if (report.policyWarning) lines.push(`warning: ${report.policyWarning}`);
  const totals = Object.fromEntries(BACKTEST_KINDS.map((k) => [k, { inForce: 0, candidate: 0, shifts: tally([]) }])) as Record<BacktestKind, { inForce: number; candidate: number; shifts: Shifts }>;
  for (const c of report.canaries) {
    lines.push('');
    if (!c.ok) {
      lines.push(`canary ${c.id}${c.platform ? ` (${c.platform} ${c.release ?? ''})` : ''}: not replayed: ${c.reason}`);
      continue;
    }
    const notes = [`${c.windows} windows`, `recorded: ${c.recorded.rollback} rollbacks, ${c.recorded.pause} pauses, ${c.recorded.promote} promotions`];
    if (c.withoutCounts) notes.push(`${c.withoutCounts} decisions without counts`);
    if (c.truncated) notes.push('oldest windows left out');
    lines.push(`canary ${c.id} (${c.platform} ${c.release}): ${notes.join('; ')}`);
    lines.push(row('', 'in force', 'candidate', 'candidate vs in force'));
    for (const k of BACKTEST_KINDS) {
      const cmp = c.comparison[k];
      lines.push(row(LABEL[k], at(cmp, 'inForce'), at(cmp, 'candidate'), describeShifts(tally(cmp.pairs))));
      totals[k].inForce += cmp.inForce;
      totals[k].candidate += cmp.candidate;
      tally(cmp.pairs, totals[k].shifts);
    }
    for (const [side, name] of [['inForce', 'in force'], ['candidate', 'candidate']] as const) {
      const rollback = c[side].decisions.find((d) => d.kind === 'rollback');
      if (rollback) lines.push(`  ${name} rolls back at window ${rollback.window}: ${rollback.reasons.join('; ') || 'red'}`);
    }
  }
  lines.push('');
  lines.push(`total (${ok.length} canaries)`);
  lines.push(row('', 'in force', 'candidate', 'candidate vs in force'));
  for (const k of BACKTEST_KINDS) lines.push(row(LABEL[k], String(totals[k].inForce), String(totals[k].candidate), describeShifts(totals[k].shifts)));
  return lines.map(escapeUnsafeText);
}
