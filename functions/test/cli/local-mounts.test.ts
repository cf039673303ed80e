import { pickMount, type LocalMount } from '../../src/cli/local/mounts';

const handler = () => undefined;
const mounts: LocalMount[] = [
  { prefix: '/v1/telemetry', handler },
  { prefix: '/demo', handler },
  { prefix: '/demo/stand-ins', handler },
];

describe('the local runner picks the part that serves a path', () => {
  it('matches a prefix exactly or as a folder, ignoring the query', () => {
    expect(pickMount(mounts, '/v1/telemetry?x=1')?.prefix).toBe('/v1/telemetry');
    expect(pickMount(mounts, '/demo/')?.prefix).toBe('/demo');
    expect(pickMount(mounts, '/demo/app.js')?.prefix).toBe('/demo');
  });
  it('prefers the longest prefix and leaves look-alike paths to the API', () => {
    expect(pickMount(mounts, '/demo/stand-ins/github')?.prefix).toBe('/demo/stand-ins');
    expect(pickMount(mounts, '/demos')).toBeUndefined();
    expect(pickMount(mounts, '/canaries')).toBeUndefined();
    expect(pickMount(mounts, undefined)).toBeUndefined();
  });
});
