import { h, replace } from '../dom';
import { duration, statusText, time, tone } from '../format';
import type { CanaryView, DeadLetter } from '../types';
import type { View, ViewContext } from './context';

function stage(c: CanaryView): string {
  if (!c.rollout) return '—';
  return `${c.rollout.channel} · stage ${c.rollout.stageIndex + 1} · ${c.rollout.rolloutPercent} %`;
}

function nextPromotion(c: CanaryView): HTMLElement {
  const p = c.promotion;
  if (!p) return h('span', {}, '—');
  const where = p.kind === 'complete' ? 'complete the rollout' : p.next ? `${p.next.channel} at ${p.next.rolloutPercent} %` : 'none';
  return h(
    'div',
    {},
    h('div', {}, p.kind === 'none' ? 'none' : `${where}${p.earliestAt ? `, not before ${time(p.earliestAt)}` : ''}`),
    p.waitingFor.length ? h('div', { class: 'muted' }, `waits for: ${p.waitingFor.join('; ')}`) : h('div', { class: 'muted' }, 'due at the next clear window'),
  );
}

function readiness(c: CanaryView): HTMLElement {
  const r = c.readiness;
  if (!r) return h('span', { class: 'muted' }, 'not checked');
  if (r.ready) return h('span', { class: 'tone-good' }, `ready (checked ${time(r.checkedAt)})`);
  return h('span', { class: 'tone-bad' }, `NOT READY: ${[...r.missing, ...r.failed].join('; ') || 'see the canary'}`);
}

export function stateBadge(status: string): HTMLElement {
  return h('span', { class: `badge tone-${tone(status)}`, 'data-status': status }, statusText(status));
}

/** The canaries: one row each, newest change first, with what each waits for. */
export function listView(ctx: ViewContext): View {
  const table = h('tbody');
  const dead = h('section', { class: 'dead', 'aria-label': 'Undelivered notifications' });
  replace(
    ctx.main,
    h('h1', {}, 'Canaries'),
    h(
      'div',
      { class: 'table-wrap', tabindex: '0', 'aria-label': 'Canaries table (scrolls sideways on small screens)' },
      h(
        'table',
        { class: 'canaries' },
        h('thead', {}, h('tr', {}, ['Canary', 'Platform', 'Channel', 'Release', 'Stage and share', 'Time in stage', 'State', 'Last verdict', 'Next promotion', 'Rollback readiness'].map((t) => h('th', { scope: 'col' }, t)))),
        table,
      ),
    ),
    dead,
  );
  return {
    async refresh() {
      const [{ canaries }, letters] = await Promise.all([
        ctx.session.get<{ canaries: CanaryView[] }>('/canaries?limit=200'),
        ctx.session.get<{ notifications: DeadLetter[] }>('/notifications/dead?limit=20').catch(() => ({ notifications: [] as DeadLetter[] })),
      ]);
      const rows = [...canaries].sort((a, b) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0));
      const now = Date.now();
      replace(
        table,
        rows.length === 0
          ? h('tr', {}, h('td', { colspan: '10', class: 'muted' }, 'No canary yet: CI registers one with POST /canaries after a deploy.'))
          : rows.map((c) =>
              h(
                'tr',
                { 'data-canary': c.id, 'data-status': c.status },
                h('th', { scope: 'row' }, h('a', { href: `/status/canaries/${encodeURIComponent(c.id)}` }, c.id)),
                h('td', {}, c.platform ?? '—'),
                h('td', {}, c.channel ?? '—'),
                h('td', {}, c.release ?? '—'),
                h('td', {}, stage(c)),
                h('td', {}, c.rollout ? duration(now - c.rollout.stageStartedAt) : '—'),
                h('td', {}, stateBadge(c.status), c.dryRun ? h('span', { class: 'muted' }, ' (dry-run)') : null, c.pauseReason ? h('div', { class: 'muted' }, c.pauseReason) : null),
                h('td', {}, c.lastEvaluation ? h('span', { class: `tone-${tone(c.lastEvaluation.verdict)}` }, `${c.lastEvaluation.verdict} → ${c.lastEvaluation.decision}`) : h('span', { class: 'muted' }, 'not judged yet')),
                h('td', {}, nextPromotion(c)),
                h('td', {}, readiness(c)),
              ),
            ),
      );
      replace(
        dead,
        letters.notifications.length
          ? [
              h('h2', {}, `Undelivered notifications (${letters.notifications.length})`),
              h('ul', {}, letters.notifications.map((n) => h('li', {}, h('time', {}, time(n.at)), ` ${n.title}: gave up after ${n.attempts} attempts (${n.lastError ?? 'refused'})`))),
            ]
          : [],
      );
    },
  };
}
