import { h, replace } from '../dom';
import { time } from '../format';
import type { AuditEntry, SealState } from '../types';
import type { View, ViewContext } from './context';

const FILTER = /^[A-Za-z0-9._:@\/-]{0,140}$/;

/** The audit trail, newest first, filterable by target and action, with the seal's state. */
export function auditView(ctx: ViewContext): View {
  const params = new URLSearchParams(location.search);
  const target = h('input', { id: 'f-target', name: 'targetId', value: params.get('targetId') ?? '', placeholder: 'v29.1.0', autocomplete: 'off' });
  const action = h('input', { id: 'f-action', name: 'action', value: params.get('action') ?? '', placeholder: 'auto_rollback', autocomplete: 'off' });
  const seal = h('p', { class: 'seal', role: 'status' }, 'Checking the seal…');
  const rows = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, 'Older entries');
  const error = h('p', { class: 'tone-bad', role: 'alert' });
  let next: string | null = null;
  const form = h(
    'form',
    { class: 'filters', role: 'search' },
    h('label', { for: 'f-target' }, 'Release (target)'),
    target,
    h('label', { for: 'f-action' }, 'Action'),
    action,
    h('button', { type: 'submit' }, 'Filter'),
  );
  const recheck = h('button', { type: 'button' }, 'Verify again');
  replace(
    ctx.main,
    h('h1', {}, 'Audit trail'),
    h('div', { class: 'seal-row' }, seal, recheck),
    form,
    error,
    h('div', { class: 'table-wrap', tabindex: '0', 'aria-label': 'Audit entries' }, h('table', { class: 'audit' }, h('thead', {}, h('tr', {}, ['Time', 'Action', 'Target', 'Actor', 'Details'].map((t) => h('th', { scope: 'col' }, t)))), rows)),
    more,
  );

  const query = (cursor?: string) => {
    const q = new URLSearchParams({ limit: '50' });
    if (target.value.trim()) q.set('targetId', target.value.trim());
    if (action.value.trim()) q.set('action', action.value.trim());
    if (cursor) q.set('cursor', cursor);
    return `/audit?${q.toString()}`;
  };
  const row = (e: AuditEntry) =>
    h('tr', { 'data-action': e.action }, h('td', {}, time(e.ts)), h('td', {}, e.action), h('td', {}, e.targetId), h('td', {}, e.actorUid), h('td', { class: 'meta' }, JSON.stringify(e.meta).slice(0, 400)));
  const load = async (append: boolean) => {
    if (!FILTER.test(target.value) || !FILTER.test(action.value)) return void replace(error, 'Filters take letters, digits and . _ : @ / - only.');
    try {
      const page = await ctx.session.get<{ entries: AuditEntry[]; next: string | null }>(query(append && next ? next : undefined));
      replace(error);
      if (append) rows.append(...page.entries.map(row));
      else replace(rows, page.entries.length ? page.entries.map(row) : h('tr', {}, h('td', { colspan: '5', class: 'muted' }, 'No entry matches.')));
      next = page.next;
      more.hidden = next === null;
    } catch (err) {
      replace(error, String((err as Error).message));
    }
  };
  const checkSeal = async () => {
    replace(seal, 'Checking the seal…');
    try {
      const s = await ctx.session.get<SealState>('/audit/seal');
      replace(
        seal,
        s.ok
          ? h('span', { class: 'tone-good' }, s.verifiedUpTo ? `Seal intact: verified up to ${time(Date.parse(s.verifiedUpTo))} (${s.sealed} entries sealed, ${s.pending} newer not sealed yet)` : `Nothing sealed yet (${s.pending} entries waiting for the first seal)`)
          : h('span', { class: 'tone-bad' }, `SEAL BROKEN: ${s.problemCount} problem(s): ${s.problems.map((p) => `${p.kind}${p.entryId ? ` ${p.entryId}` : ''}${p.seq ? ` digest ${p.seq}` : ''}`).join(', ')}`),
      );
    } catch (err) {
      replace(seal, h('span', { class: 'tone-bad' }, `Seal not checked: ${String((err as Error).message)}`));
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    if (target.value.trim()) q.set('targetId', target.value.trim());
    if (action.value.trim()) q.set('action', action.value.trim());
    history.replaceState(null, '', `/status/audit${q.size ? `?${q.toString()}` : ''}`);
    void load(false);
  });
  more.addEventListener('click', () => void load(true));
  recheck.addEventListener('click', () => void checkSeal());
  void checkSeal();
  return {
    // Polling refreshes the first page only when the person has not paged further back.
    async refresh() {
      if (rows.children.length <= 50) await load(false);
    },
  };
}
