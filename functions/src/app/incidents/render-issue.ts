import type { IncidentReport } from '../../ports';

const iso = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('.000Z', 'Z'));
/**
 * Free text from the trail (reasons, details) inside a code span: no markdown, no @-mentions that
 * would page people, no links; backticks and line breaks cannot break out of it.
 */
const code = (s: string) => `\`${s.replace(/`/g, "'").replace(/[\r\n]/g, ' ').slice(0, 500)}\``;
const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 10_000) / 100}%`);

/** The incident report as a GitHub issue: title and markdown body, from the stored report only. */
export function renderIncidentIssue(r: IncidentReport): { title: string; body: string; labels: string[] } {
  const t = r.timeline;
  const lines = [
    `Rollback of **${r.platform} ${code(r.release)}** on **${r.channel}** (${r.outcome === 'rolled_back' ? 'rolled back' : 'rollback FAILED'}) to ${r.rollbackTo ? code(r.rollbackTo) : 'nothing'}.`,
    '',
    `Trigger: ${r.trigger}, requested by ${code(r.requestedBy)}. Reason: ${code(r.reason)}`,
    '',
    '## Timeline (UTC)',
    '| | at | from |',
    '|---|---|---|',
    ...(['onset', 'detected', 'decided', 'restored', 'recovered'] as const).map((k) => `| ${k} | ${iso(t[k].at)} | ${t[k].source} |`),
    '',
    Object.entries(r.durations).map(([k, v]) => `${k.replace(/_minutes$/, '').replace(/_/g, ' ')}: ${v ?? '—'} min`).join(' · '),
    `MTTR target: ${r.mttr.targetMinutes ?? 'none'} min${r.mttr.met === false ? ' — **missed**' : r.mttr.met ? ' — met' : ''}`,
    '',
    '## At the decision',
    ...(r.decision
      ? [
          `Verdict ${r.decision.verdict} at ${iso(r.decision.at)}; red needs ${pct(r.decision.confidence.red)} confidence, green ${pct(r.decision.confidence.green)}.`,
          '',
          '| metric | status | canary | baseline | threshold |',
          '|---|---|---|---|---|',
          ...r.decision.metrics.map((m) =>
            m.metric === 'p95_latency' || m.metric === 'p95_latency_sla'
              ? `| ${m.metric} | ${m.status} | ${m.canary === null ? '—' : `${Math.round(m.canary)} ms`} | ${m.baseline === null ? '—' : `${Math.round(m.baseline)} ms`} | ${m.metric === 'p95_latency_sla' ? `${Math.round(m.threshold)} ms` : `+${pct(m.threshold)}`} |`
              : `| ${m.metric} | ${m.status} | ${pct(m.canary)} | ${pct(m.baseline)} | ${pct(m.threshold)} |`,
          ),
        ]
      : ['No evaluation led to this rollback (requested by a person or the guardian).']),
    '',
    `Affected users (estimate): ${r.affectedUsers ?? 'unknown'} at ${r.rolloutPercent}% rollout.`,
    '',
    '## Steps',
    ...r.steps.map((s) => `- ${s.step}: **${s.status}** after ${s.tries} tr${s.tries === 1 ? 'y' : 'ies'}${s.detail ? ` — ${code(s.detail)}` : ''}${s.error ? ` — error ${code(s.error)}` : ''}`),
    '',
    '## Links',
    ...r.links.map((l) => `- ${l.label}: ${l.url}`),
    '',
    `Report id ${code(r.id)}; audit trail: ${r.trail.map((e) => e.action).join(' → ')}.`,
  ];
  return { title: `Incident: ${r.platform} ${r.release} rolled back on ${r.channel}${r.outcome === 'rollback_failed' ? ' (rollback failed)' : ''}`, body: lines.join('\n'), labels: ['incident', 'canary-rollback'] };
}
