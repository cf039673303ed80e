import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { QUERY_SHAPES, requiredIndex, type CompositeIndex, type QueryShape } from '../../../src/adapters/firestore/queries';

const root = join(__dirname, '../../..');
const indexFile = JSON.parse(readFileSync(join(root, '../firestore.indexes.json'), 'utf8')) as {
  indexes: CompositeIndex[];
  fieldOverrides: { collectionGroup: string; fieldPath: string; ttl?: boolean; indexes: unknown[] }[];
};
const shapes = Object.entries(QUERY_SHAPES) as [string, QueryShape][];

/** Same index: same collection and scope, the equality prefix in any order, then the ordered fields exactly. */
function serves(declared: CompositeIndex, needed: CompositeIndex, equalityCount: number): boolean {
  if (declared.collectionGroup !== needed.collectionGroup || declared.queryScope !== needed.queryScope) return false;
  if (declared.fields.length !== needed.fields.length) return false;
  const key = (f: CompositeIndex['fields'][number]) => `${f.fieldPath}:${f.order}`;
  const prefix = (i: CompositeIndex) => i.fields.slice(0, equalityCount).map(key).sort().join(',');
  const rest = (i: CompositeIndex) => i.fields.slice(equalityCount).map(key).join(',');
  return prefix(declared) === prefix(needed) && rest(declared) === rest(needed);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('firestore.indexes.json against the declared query shapes', () => {
  it.each(shapes.filter(([, shape]) => requiredIndex(shape)))('declares the composite index query %s needs', (_name, shape) => {
    const needed = requiredIndex(shape)!;
    expect(indexFile.indexes.some((declared) => serves(declared, needed, shape.equality.length))).toBe(true);
  });

  it('declares no composite index that no query needs', () => {
    const unused = indexFile.indexes.filter(
      (declared) => !shapes.some(([, shape]) => requiredIndex(shape) && serves(declared, requiredIndex(shape)!, shape.equality.length)),
    );
    expect(unused).toEqual([]);
  });

  it('exempts from single-field indexing no field that a query filters or orders on', () => {
    const used = new Set(shapes.flatMap(([, s]) => [...s.equality, ...(s.range ? [s.range] : []), ...s.orderBy.map((o) => o.field)].map((f) => `${s.collectionGroup}/${f}`)));
    const exempted = indexFile.fieldOverrides.filter((o) => o.indexes.length === 0).map((o) => `${o.collectionGroup}/${o.fieldPath}`);
    expect(exempted.filter((e) => [...used].some((u) => u === e || u.startsWith(`${e}.`)))).toEqual([]);
  });

  it('declares the TTL policy of the evaluation history on expireAt', () => {
    expect(indexFile.fieldOverrides).toContainEqual({ collectionGroup: 'evaluations', fieldPath: 'expireAt', ttl: true, indexes: [] });
  });

  it('declares the TTL policies of the telemetry aggregates and key usage on expireAt', () => {
    expect(indexFile.fieldOverrides).toContainEqual({ collectionGroup: 'telemetry_minutes', fieldPath: 'expireAt', ttl: true, indexes: [] });
    expect(indexFile.fieldOverrides).toContainEqual({ collectionGroup: 'telemetry_usage', fieldPath: 'expireAt', ttl: true, indexes: [] });
  });

  it('knows when Firestore needs a composite index and when single-field indexes serve', () => {
    const base = { collectionGroup: 'c', scope: 'COLLECTION' as const };
    expect(requiredIndex({ ...base, equality: [], orderBy: [{ field: 'ts', direction: 'desc' }] })).toBeNull();
    expect(requiredIndex({ ...base, equality: ['a', 'b'], orderBy: [] })).toBeNull();
    expect(requiredIndex({ ...base, equality: ['a'], orderBy: [{ field: 'ts', direction: 'desc' }] })?.fields).toEqual([
      { fieldPath: 'a', order: 'ASCENDING' },
      { fieldPath: 'ts', order: 'DESCENDING' },
    ]);
    expect(requiredIndex({ ...base, equality: [], orderBy: [{ field: 'a', direction: 'asc' }, { field: 'b', direction: 'desc' }] })).not.toBeNull();
  });
});

/** The filters and orderings of an inline query statement, or null when an argument is not a literal. */
function parseInline(statement: string): QueryShape | null {
  const calls = statement.match(/\.(where|orderBy|collectionGroup|findNearest)\s*\([^)]*\)/g) ?? [];
  const shape = { collectionGroup: '?', scope: 'COLLECTION' as const, equality: [] as string[], range: undefined as string | undefined, orderBy: [] as { field: string; direction: 'asc' | 'desc' }[] };
  for (const call of calls) {
    const where = call.match(/^\.where\(\s*'([^']+)'\s*,\s*'([^']+)'\s*,/);
    const order = call.match(/^\.orderBy\(\s*'([^']+)'\s*(?:,\s*'(asc|desc)'\s*)?\)$/);
    if (where && (where[2] === '==' || where[2] === 'in')) shape.equality.push(where[1]);
    else if (where && ['<', '<=', '>', '>='].includes(where[2]) && (!shape.range || shape.range === where[1])) shape.range = where[1];
    else if (order) shape.orderBy.push({ field: order[1], direction: (order[2] ?? 'asc') as 'asc' | 'desc' });
    else return null;
  }
  if (shape.range && shape.orderBy[0]?.field !== shape.range) shape.orderBy.unshift({ field: shape.range, direction: 'asc' });
  return shape;
}

describe('queries outside the registry', () => {
  const registry = join(root, 'src/adapters/firestore/queries.ts');
  // Statements (split on `;`) of src/ that build a query inline, with their `query-shape:` marker if any.
  const inline = sourceFiles(join(root, 'src'))
    .filter((file) => file !== registry)
    .flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      let offset = 0;
      return text.split(';').flatMap((statement) => {
        const call = statement.search(/\.(where|orderBy|collectionGroup|findNearest)\s*\(/);
        const line = text.slice(0, offset + Math.max(call, 0)).split('\n').length;
        offset += statement.length + 1;
        if (call < 0) return [];
        return [{ at: `${relative(root, file)}:${line}`, statement, marker: statement.match(/query-shape:\s*(\w+)/)?.[1] }];
      });
    });

  it('finds no inline query in src/ that needs a composite index without a registered shape', () => {
    // Declare the shape in QUERY_SHAPES, then build the query with buildQuery, or mark the statement
    // `// query-shape: <name>`. Queries served by single-field indexes may stay unmarked.
    const offenders = inline
      .filter((q) => !q.marker)
      .filter((q) => {
        const parsed = parseInline(q.statement);
        return !parsed || /collectionGroup|findNearest/.test(q.statement) || requiredIndex(parsed) !== null;
      })
      .map((q) => q.at);
    expect(offenders).toEqual([]);
  });

  it('finds every marked inline query doing exactly what its registered shape says', () => {
    const mismatches = inline
      .filter((q) => q.marker)
      .filter((q) => {
        if (!(q.marker! in QUERY_SHAPES)) return true;
        const shape: QueryShape = QUERY_SHAPES[q.marker as keyof typeof QUERY_SHAPES];
        const found = parseInline(q.statement);
        if (!found) return true;
        return (
          [...found.equality].sort().join() !== [...shape.equality].sort().join() ||
          found.range !== shape.range ||
          found.orderBy.map((o) => `${o.field}:${o.direction}`).join() !== shape.orderBy.map((o) => `${o.field}:${o.direction}`).join()
        );
      })
      .map((q) => q.at);
    expect(mismatches).toEqual([]);
  });

  it('tells a query that needs a composite index from one that does not', () => {
    expect(requiredIndex(parseInline(`db.collection('x').orderBy('term', 'desc').limit(1).get()`)!)).toBeNull();
    expect(requiredIndex(parseInline(`db.collection('x')\n  .where('a', '==', 1)\n  .orderBy('b', 'desc')`)!)).not.toBeNull();
    expect(requiredIndex(parseInline(`q.where('t', '>', x).where('a', '==', 2)`)!)).not.toBeNull();
    expect(parseInline(`q.where(field, '==', 1)`)).toBeNull();
  });
});
