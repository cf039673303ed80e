import { Timestamp } from 'firebase-admin/firestore';
import { formatEntry } from '../../src/cli/audit-tail';
import { runAuditVerify } from '../../src/cli/audit-verify';
import { consolePrinter } from '../../src/cli/local/printer';
import { escapeUnsafeText, hasUnsafeText } from '../../src/core/text';
import { testFirestore } from '../support/firestore';

/** What a terminal must never receive raw: escape sequences, C1 controls, bidi overrides, separators, lone surrogates. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const hostile = 'v1\u202egnp.exe \u001b[2J\u0085 \u2028 \u2066 \ud800';

describe('every output to a terminal is escaped (H13)', () => {
  it('audit:tail prints an entry written with hostile text (by hand, in the console) on one escaped line', () => {
    const line = formatEntry({ ts: 1_700_000_000_000, action: `a${hostile}`, actorUid: hostile, targetId: hostile, meta: { reason: hostile } });
    expect(line).not.toMatch(RAW);
    expect(line).not.toContain('\n');
    expect(line).toContain('v1\\u202egnp.exe \\u001b[2J\\u0085');
    // Not a number where a time should be, and other shapes: printed as such, never thrown on.
    expect(formatEntry({ ts: 1e300, action: { x: 1 }, actorUid: null, targetId: 5, meta: 10n as unknown })).toMatch(/^no-ts {2}\{"x":1\} {2}by null {2}on 5 {2}\[meta not printable\]$/);
  });

  it("the local runner's printer escapes every line it writes", () => {
    let written = '';
    const printer = consolePrinter((s) => (written += s));
    printer.line(`rollback requested: ${hostile}`);
    expect(written.endsWith('\n')).toBe(true);
    expect(written.slice(0, -1)).not.toMatch(RAW);
    expect(written.split('\n')).toHaveLength(2);
  });

  it('audit:verify escapes entry ids and details it reports, in text and in --json (which stays valid JSON)', async () => {
    const store = testFirestore('term-verify');
    try {
      const id = 'x\u202eevil\u0085';
      await store.db.doc(`admin_audit/${id}`).set({ ts: 1, action: 'a', actorUid: 'u', targetId: 't', meta: {}, idempotencyKey: 'k', createdAt: Timestamp.fromMillis(Date.now()) });
      await store.db.doc('admin_audit/no-time').set({ ts: 1, action: 'a', actorUid: 'u', targetId: 't', meta: {}, idempotencyKey: 'k2' });
      for (const json of [false, true]) {
        const lines: string[] = [];
        const code = await runAuditVerify(['--project', store.projectId, ...(json ? ['--json'] : [])], (l) => lines.push(l), (l) => lines.push(l));
        expect(code).toBe(1);
        for (const l of lines) expect(l).not.toMatch(RAW);
        if (json) expect((JSON.parse(lines.slice(0, -1).join('\n')) as { problems: unknown[] }).problems.length).toBeGreaterThan(0);
        else expect(lines.join('\n')).toContain('no-time');
      }
    } finally {
      await store.close();
    }
  });

  it('escaping keeps safe text as it is and is idempotent', () => {
    expect(escapeUnsafeText('v29.1.0 on beta: Error rate 8% — ok ✓ 😀')).toBe('v29.1.0 on beta: Error rate 8% — ok ✓ 😀');
    const once = escapeUnsafeText(hostile);
    expect(escapeUnsafeText(once)).toBe(once);
    expect(hasUnsafeText(once)).toBe(false);
  });
});
