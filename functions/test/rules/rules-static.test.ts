import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const rules = readFileSync(join(__dirname, '../../../firestore.rules'), 'utf8');
const code = rules.replace(/\/\/[^\n]*/g, '');

interface Statement {
  /** Full path of the match blocks enclosing the statement. */
  path: string;
  operations: string[];
  condition: string;
}

/** Walks the match blocks of the rules file and returns every allow statement with its full path. */
function allowStatements(source: string): Statement[] {
  const out: Statement[] = [];
  const stack: string[] = [];
  const token = /match\s+(\S+)\s*\{|allow\s+([a-z,\s]+):\s*if\s+([^;]+);|function\s+\w+\([^)]*\)\s*\{[^}]*\}|service\s+[\w.]+\s*\{|\{|\}/g;
  for (const m of source.matchAll(token)) {
    if (m[1] !== undefined) stack.push(m[1]);
    else if (m[2] !== undefined) out.push({ path: stack.join(''), operations: m[2].split(',').map((s) => s.trim()), condition: m[3].trim() });
    else if (m[0].startsWith('service')) stack.push('');
    else if (m[0] === '{') stack.push('');
    else if (m[0] === '}') stack.pop();
  }
  if (stack.length !== 0) throw new Error('unbalanced braces in firestore.rules');
  return out;
}

const statements = allowStatements(code);
const READS = ['read', 'get', 'list'];

describe('firestore.rules (static check of the allow-list)', () => {
  it('is rules_version 2 with balanced blocks', () => {
    expect(code).toMatch(/^\s*rules_version\s*=\s*'2';/);
    expect(statements.length).toBeGreaterThan(0);
  });

  it('never allows a write other than `if false`', () => {
    const writes = statements.filter((s) => s.operations.some((op) => !READS.includes(op)));
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((s) => s.condition !== 'false')).toEqual([]);
  });

  it('requires the admin claim for every read it allows', () => {
    expect(code).toMatch(/function isAdmin\(\)\s*\{\s*return request\.auth != null && request\.auth\.token\.admin == true;\s*\}/);
    const reads = statements.filter((s) => s.operations.some((op) => READS.includes(op)));
    expect(reads.filter((s) => s.condition !== 'isAdmin()' && s.condition !== 'false')).toEqual([]);
  });

  it('opens reads exactly on the canaries and incidents with their subcollections, the audit trail and its digests', () => {
    const readable = statements.filter((s) => s.condition === 'isAdmin()').map((s) => s.path);
    expect(readable.sort()).toEqual(
      [
        '/databases/{database}/documents/admin_audit/{entryId}',
        '/databases/{database}/documents/admin_audit_digests/{seq}',
        '/databases/{database}/documents/canaries/{canaryId}',
        '/databases/{database}/documents/canaries/{canaryId}/{subpath=**}',
        '/databases/{database}/documents/incidents/{incidentId}',
        '/databases/{database}/documents/incidents/{incidentId}/{subpath=**}',
      ].sort(),
    );
  });

  it('states the notification outbox, its buckets and the mail queue server-only', () => {
    for (const path of ['notification_outbox/{itemId=**}', 'notification_buckets/{key}', 'mail/{mailId=**}']) {
      expect(statements).toContainEqual({ path: `/databases/{database}/documents/${path}`, operations: ['read', 'write'], condition: 'false' });
    }
  });

  it('denies everything else with a catch-all', () => {
    expect(statements).toContainEqual({ path: '/databases/{database}/documents/{document=**}', operations: ['read', 'write'], condition: 'false' });
  });
});
