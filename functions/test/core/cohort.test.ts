import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { assignCohort, bucketOf, BUCKETS, isKnownBot, parseOptIn, type CohortShares } from '../../src/core/cohort';
import { readSession, sessionSetCookie } from '../../src/core/session-cookie';

const idArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'));
const sharesArb = fc.record({
  alpha: fc.option(fc.record({ release: fc.constant('a'), percent: fc.double({ min: 0, max: 100, noNaN: true }) }), { nil: undefined }),
  beta: fc.option(fc.record({ release: fc.constant('b'), percent: fc.double({ min: 0, max: 100, noNaN: true }) }), { nil: undefined }),
});
const DEFAULT: CohortShares = { alpha: { release: 'v2', percent: 10 }, beta: { release: 'v1.9', percent: 25 } };

describe('cohort assignment', () => {
  test('the same id under the same shares always gets the same cohort', () => {
    fc.assert(
      fc.property(idArb, sharesArb, (id, shares) => {
        expect(assignCohort(bucketOf(id), shares, undefined, false)).toBe(assignCohort(bucketOf(id), structuredClone(shares), undefined, false));
      }),
    );
  });

  test('buckets are spread evenly: 100,000 random ids give alpha 10 % and beta 25 % within half a point', () => {
    const counts = { alpha: 0, beta: 0, stable: 0 };
    for (let i = 0; i < 100_000; i++) counts[assignCohort(bucketOf(randomBytes(16).toString('base64url')), DEFAULT, undefined, false)]++;
    expect(Math.abs(counts.alpha / 1000 - 10)).toBeLessThan(0.5);
    expect(Math.abs(counts.beta / 1000 - 25)).toBeLessThan(0.5);
  });

  test('alpha takes the lowest buckets and beta the next ones, so a release promoted from alpha keeps its users', () => {
    expect(assignCohort(0, DEFAULT, undefined, false)).toBe('alpha');
    expect(assignCohort(999, DEFAULT, undefined, false)).toBe('alpha');
    expect(assignCohort(1000, DEFAULT, undefined, false)).toBe('beta');
    expect(assignCohort(3499, DEFAULT, undefined, false)).toBe('beta');
    expect(assignCohort(3500, DEFAULT, undefined, false)).toBe('stable');
    // After promotion alpha -> beta, the old alpha buckets are beta's.
    const promoted: CohortShares = { beta: { release: 'v2', percent: 25 } };
    for (const b of [0, 500, 999]) expect(assignCohort(b, promoted, undefined, false)).toBe('beta');
  });

  test('a share of 0 or no canary on a channel sends nobody there, and shares above 100 % in total are capped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: BUCKETS - 1 }), (b) => {
        expect(assignCohort(b, {}, undefined, false)).toBe('stable');
        expect(assignCohort(b, { alpha: { release: 'x', percent: 0 } }, undefined, false)).toBe('stable');
      }),
    );
    expect(assignCohort(BUCKETS - 1, { alpha: { release: 'x', percent: 80 }, beta: { release: 'y', percent: 80 } }, undefined, false)).toBe('beta');
  });

  test('opting in reaches a channel with a canary even at share 0; off and bots always get stable', () => {
    const paused: CohortShares = { alpha: { release: 'v2', percent: 0 } };
    expect(assignCohort(9999, paused, 'alpha', false)).toBe('alpha');
    expect(assignCohort(9999, paused, 'beta', false)).toBe('stable');
    expect(assignCohort(0, DEFAULT, 'off', false)).toBe('stable');
    expect(assignCohort(0, DEFAULT, 'alpha', true)).toBe('stable');
    expect(assignCohort(0, DEFAULT, undefined, true)).toBe('stable');
  });

  test('only alpha, beta and off are opt-in values', () => {
    expect(parseOptIn('alpha')).toBe('alpha');
    expect(parseOptIn('off')).toBe('off');
    for (const bad of ['stable', 'ALPHA', 'alpha ', '', undefined, ['alpha'], 'alpha<script>']) expect(parseOptIn(bad)).toBeUndefined();
  });

  test('crawlers and unfurlers are bots; browsers, headless ones included, are not', () => {
    for (const ua of ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'facebookexternalhit/1.1', 'Slackbot-LinkExpanding 1.0', 'Mozilla/5.0 (compatible; bingbot/2.0)', undefined, '']) {
      expect(isKnownBot(ua)).toBe(true);
    }
    for (const ua of ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1']) {
      expect(isKnownBot(ua)).toBe(false);
    }
  });
});

describe('the __session cookie', () => {
  const id = 'AbCdEfGhIjKlMnOpQrStUv';

  test('reads back what it writes, with and without an opt-in', () => {
    for (const optIn of [undefined, 'alpha', 'beta', 'off'] as const) {
      const header = sessionSetCookie({ id, ...(optIn ? { optIn } : {}) }, true).split(';')[0]!;
      expect(readSession(`theme=dark; ${header}`)).toEqual({ id, ...(optIn ? { optIn } : {}) });
    }
  });

  test('sets a cookie that scripts cannot read and only https carries, unless told it is plain http', () => {
    expect(sessionSetCookie({ id }, true)).toMatch(/^__session=cg1\.AbCdEfGhIjKlMnOpQrStUv; Path=\/; Max-Age=31536000; HttpOnly; SameSite=Lax; Secure$/);
    expect(sessionSetCookie({ id }, false)).not.toContain('Secure');
    expect(() => sessionSetCookie({ id: 'short' }, true)).toThrow(/22 base64url/);
  });

  test('ignores forged, foreign and oversized values instead of trusting them', () => {
    for (const header of [
      undefined,
      '',
      '__session=someone-elses-session-token',
      `__session=cg1.${id}.stable`,
      `__session=cg1.${id}.alpha.extra`,
      `__session=cg1.${id.slice(1)}`,
      `__session=cg1.${id.slice(0, 21)}%3C`,
      `__session=cg1.${id}; `.padEnd(9000, 'x'),
    ]) {
      expect(readSession(header)).toBeUndefined();
    }
  });

  test('never throws on arbitrary headers', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (header) => void readSession(header)));
  });
});
