import type uPlot from 'uplot';
import { ApiError } from '../api';
import { chartedMetrics, markerList, markersOf, metricChart, type Marker } from '../charts';
import { h, replace } from '../dom';
import { duration, statusText, time, tone, value, METRIC_LABELS } from '../format';
import type { CanaryView, EvaluationRecord, IncidentReport } from '../types';
import type { View, ViewContext } from './context';
import { stateBadge } from './list';

/** Decisions drawn: the newest this many (the history pages back further on request). */
const CHART_RECORDS = 500;

function rollbackMarkers(c: CanaryView): Marker[] {
  const out: Marker[] = [];
  if (c.rollbackRequest && c.rollbackRequest.trigger !== 'auto-policy') out.push({ at: c.rollbackRequest.requestedAt, kind: 'manual_rollback', label: `rollback requested by ${c.rollbackRequest.requestedBy}: ${c.rollbackRequest.reason}` });
  if (c.rollback?.finishedAt && (c.status === 'rolled_back' || c.status === 'completed')) out.push({ at: c.rollback.finishedAt, kind: 'rolled_back', label: `rolled back to ${c.rollback.target ?? 'the previous release'}` });
  return out;
}

function facts(c: CanaryView): HTMLElement {
  const row = (k: string, v: Node | string) => [h('dt', {}, k), h('dd', {}, v)];
  const r = c.rollout;
  return h(
    'dl',
    { class: 'facts' },
    row('State', stateBadge(c.status)),
    row('Platform · channel · release', `${c.platform ?? '—'} · ${c.channel ?? '—'} · ${c.release ?? '—'}${c.previousRelease ? ` (previous ${c.previousRelease})` : ''}`),
    r ? row('Stage and share', `${r.channel} · stage ${r.stageIndex + 1} · ${r.rolloutPercent} % for ${duration(Date.now() - r.stageStartedAt)}`) : [],
    c.lastEvaluation ? row('Last verdict', `${c.lastEvaluation.verdict.toUpperCase()} → ${c.lastEvaluation.decision} at ${time(c.lastEvaluation.at)}${c.lastEvaluation.reasons.length ? `: ${c.lastEvaluation.reasons.join('; ')}` : ''}`) : [],
    c.pauseReason ? row('Paused because', c.pauseReason) : [],
    c.noData ? row('No data', `since ${time(c.noData.since)} (${c.noData.streak} windows)${c.noData.lastError ? `: ${c.noData.lastError}` : ''}`) : [],
    c.promotion ? row('Next promotion', c.promotion.kind === 'none' ? c.promotion.waitingFor.join('; ') : `${c.promotion.next ? `${c.promotion.next.channel} at ${c.promotion.next.rolloutPercent} %` : 'rollout complete'}${c.promotion.earliestAt ? `, not before ${time(c.promotion.earliestAt)}` : ''}${c.promotion.waitingFor.length ? `; waits for: ${c.promotion.waitingFor.join('; ')}` : ''}`) : [],
    row('Rollback readiness', c.readiness ? (c.readiness.ready ? `ready (checked ${time(c.readiness.checkedAt)})` : `NOT READY: ${[...c.readiness.missing, ...c.readiness.failed].join('; ')}`) : 'not checked'),
    c.rollback ? row('Rollback', `${c.rollback.target ? `to ${c.rollback.target}; ` : ''}steps: ${Object.entries(c.rollback.steps ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') || 'none yet'}${c.rollback.error ? `; error: ${c.rollback.error}` : ''}`) : [],
  );
}

function decisions(history: EvaluationRecord[]): HTMLElement {
  const newest = [...history].reverse().slice(0, 60);
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', 'aria-label': 'Decision records' },
    h(
      'table',
      { class: 'decisions' },
      h('thead', {}, h('tr', {}, ['Tick', 'Verdict', 'Decision', 'Effects', 'Stage', 'Why', 'Metrics'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        newest.map((e) =>
          h(
            'tr',
            { 'data-verdict': e.verdict },
            h('td', {}, time(e.scheduleTime)),
            h('td', {}, h('span', { class: `badge tone-${tone(e.verdict)}` }, e.verdict)),
            h('td', {}, e.decision, e.superseded ? h('div', { class: 'muted' }, `superseded: ${e.superseded}`) : null),
            h('td', {}, e.effects.join(', ') || '—'),
            h('td', {}, `${e.channel} ${e.rolloutPercent} %`),
            h('td', {}, e.reasons.join('; ') || '—', e.sharedIncident ? h('div', { class: 'muted' }, 'shared incident: the baseline degraded too') : null),
            h('td', { class: 'muted' }, Object.entries(e.metrics).filter(([, m]) => m.canary !== null).map(([k, m]) => `${METRIC_LABELS[k] ?? k} ${value(k, m.canary)} (${m.status})`).join('; ')),
          ),
        ),
      ),
    ),
  );
}

function incident(report: IncidentReport): HTMLElement {
  const minutes = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v} min`);
  return h(
    'section',
    { class: 'incident', 'aria-labelledby': 'incident-h' },
    h('h2', { id: 'incident-h' }, `Incident report ${report.id}`),
    h('p', {}, `${statusText(report.outcome)} (${report.trigger}, requested by ${report.requestedBy}): ${report.reason}`),
    h(
      'dl',
      { class: 'facts' },
      Object.entries(report.timeline).flatMap(([k, p]) => [h('dt', {}, k), h('dd', {}, `${time(p.at)} (${p.source})`)]),
      Object.entries(report.durations).flatMap(([k, v]) => [h('dt', {}, k.replace(/_/g, ' ')), h('dd', {}, minutes(v))]),
      h('dt', {}, 'MTTR'),
      h('dd', {}, `${minutes(report.mttr.minutes)}${report.mttr.targetMinutes !== null ? ` (target ${report.mttr.targetMinutes} min: ${report.mttr.met === null ? 'not known yet' : report.mttr.met ? 'met' : 'MISSED'})` : ''}`),
      h('dt', {}, 'Affected users'),
      h('dd', {}, report.affectedUsers === null ? 'unknown' : report.affectedUsers.toLocaleString()),
      h('dt', {}, 'Rolled back to'),
      h('dd', {}, report.rollbackTo ?? '—'),
    ),
    report.decision
      ? h(
          'ul',
          {},
          report.decision.metrics.map((m) => h('li', {}, `${METRIC_LABELS[m.metric] ?? m.metric}: ${value(m.metric, m.canary)} vs baseline ${value(m.metric, m.baseline)}, threshold ${m.metric === 'p95_latency' ? `+${Math.round(m.threshold * 100)} %` : value(m.metric, m.threshold)}: ${m.status}`)),
        )
      : null,
    h('h3', {}, 'Steps'),
    h('ul', {}, report.steps.map((s) => h('li', {}, `${s.step}: ${s.status}${s.tries > 1 ? ` after ${s.tries} tries` : ''}${s.error ? ` (${s.error})` : s.detail ? ` (${s.detail})` : ''}`))),
    report.links.length || report.githubIssue
      ? h(
          'p',
          {},
          [...report.links, ...(report.githubIssue ? [{ label: `GitHub issue #${report.githubIssue.number}`, url: report.githubIssue.url }] : [])]
            .filter((l) => /^https:\/\//.test(l.url))
            .flatMap((l, i) => [i > 0 ? ' · ' : '', h('a', { href: l.url, rel: 'noopener noreferrer' }, l.label)]),
        )
      : null,
  );
}

/** One canary: its facts, a chart per metric, the markers, the decision records, the incident report. */
export function canaryView(ctx: ViewContext, id: string): View {
  const head = h('div');
  const charts = h('section', { class: 'charts', 'aria-label': 'Metrics over time' });
  const markers = h('section', { 'aria-label': 'What happened' });
  const records = h('section', { 'aria-labelledby': 'decisions-h' });
  const report = h('div');
  const title = h('h1', {}, id);
  replace(ctx.main, h('p', {}, h('a', { href: '/status/' }, '← all canaries')), title, head, h('h2', {}, 'Metrics'), charts, markers, h('h2', { id: 'decisions-h' }, 'Decision records'), records, report);
  let drawn = '';
  let plots: uPlot[] = [];
  let reportKey = '';
  const width = () => Math.max(280, Math.min(charts.clientWidth || 800, 1100));
  const onResize = () => plots.forEach((p) => p.setSize({ width: width(), height: 200 }));
  window.addEventListener('resize', onResize);

  return {
    async refresh() {
      let canary: CanaryView;
      try {
        canary = (await ctx.session.get<{ canary: CanaryView }>(`/canaries/${encodeURIComponent(id)}`)).canary;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return void replace(head, h('p', { class: 'tone-bad' }, 'No such canary.'));
        throw err;
      }
      const { evaluations } = await ctx.session.get<{ evaluations: EvaluationRecord[] }>(`/canaries/${encodeURIComponent(id)}/evaluations?limit=${CHART_RECORDS}`);
      const history = evaluations.filter((e) => !e.superseded).reverse();
      replace(head, facts(canary));
      document.title = `${canary.status.replace(/_/g, ' ')} · ${id} · Canary Guardian`;
      const marks = markersOf(history, rollbackMarkers(canary));
      // Redraw only when something new was decided: a poll that brings nothing keeps the charts (and the cursor) still.
      const key = `${history.length}:${history.at(-1)?.scheduleTime ?? 0}:${marks.length}:${canary.status}`;
      if (key !== drawn) {
        drawn = key;
        plots.forEach((p) => p.destroy());
        window.statusCharts = {};
        const metrics = chartedMetrics(history);
        const built = metrics.map((m) => metricChart(m, history, marks, width()));
        plots = built.map((b) => b.plot);
        replace(charts, built.length ? built.map((b) => b.figure) : h('p', { class: 'muted' }, 'No metrics judged yet.'));
        charts.dataset.markers = marks.map((m) => m.kind).join(' ');
        replace(markers, marks.length ? [h('h2', {}, 'Pauses, resumes, promotions, rollbacks'), markerList(marks)] : []);
        replace(records, history.length ? decisions(history) : h('p', { class: 'muted' }, 'No decision yet.'));
      }
      if (canary.incidentId && reportKey !== `${canary.incidentId}:${canary.status}:${canary.incident?.recoveredAt ?? ''}`) {
        try {
          const { incident: found } = await ctx.session.get<{ incident: IncidentReport }>(`/incidents/${encodeURIComponent(canary.incidentId)}`);
          replace(report, incident(found));
          reportKey = `${canary.incidentId}:${canary.status}:${canary.incident?.recoveredAt ?? ''}`;
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) throw err;
          replace(report, h('p', { class: 'muted' }, 'The incident report is written when the rollback finishes.'));
        }
      }
    },
    dispose() {
      window.removeEventListener('resize', onResize);
      plots.forEach((p) => p.destroy());
    },
  };
}
