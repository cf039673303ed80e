import { resolve } from 'node:path';
import { createScenarioMetricsSource, loadScenarioFile } from '../../src/adapters/scenario/source';
import { startStandIns } from '../../src/cli/local/stand-ins';
import { monitoringUnavailable } from '../../src/cli/local/telemetry-setup';
import { localMode, localWiring, withStandIns } from '../../src/cli/local/wiring';
import { readLocalOptions } from '../../src/cli/local/options';
import { createApp } from '../../src/http/app';
import { testFirestore } from '../support/firestore';
import { call, listen } from '../http/harness';

const SCENARIO = resolve(__dirname, '../../../examples/degrading-alpha.json');

describe('the local runner without GITHUB_TOKEN', () => {
  const store = testFirestore('local-wiring');
  afterAll(() => store.close());

  it('with --dry-run gives the guardian no GitHub at all: the gate refuses with 503 naming GITHUB_TOKEN, and says so at start', async () => {
    const options = readLocalOptions(['--dry-run'], { LOCAL_API_KEY: 'local-key-0123456789abcdef' });
    const mode = localMode(options);
    expect(mode).toMatchObject({ dryRun: true, standIns: false });
    expect(mode.notes.join('\n')).toMatch(/nothing calls GitHub; POST \/guardian\/check answers 503/);
    const wiring = await localWiring(store.db, { now: () => Date.now() }, createScenarioMetricsSource([]), options, mode, 60_000);
    expect(wiring.api.github).toBeUndefined();
    const server = await listen(createApp(wiring.api));
    try {
      const reply = await call(server.url, 'POST', '/guardian/check', { token: options.apiKey, body: { release: 'v29.1.0', channel: 'alpha' } });
      expect(reply.status).toBe(503);
      expect(reply.json.detail).toContain('GITHUB_TOKEN');
    } finally {
      await server.close();
    }
  });

  it('without --dry-run stands GitHub in: the real guardian client reads the stand-in, and the document curl passes on its clean repository', async () => {
    const options = readLocalOptions([], { LOCAL_API_KEY: 'local-key-0123456789abcdef' });
    const mode = localMode(options);
    expect(mode).toMatchObject({ dryRun: false, standIns: true });
    const scenario = await loadScenarioFile(SCENARIO);
    const standIns = await startStandIns(scenario, options.github.repository, () => undefined);
    const server = await listen(createApp((await localWiring(store.db, { now: () => Date.now() }, monitoringUnavailable, withStandIns(options, standIns.endpoints), mode, 60_000)).api));
    try {
      const reply = await call(server.url, 'POST', '/guardian/check', { token: options.apiKey, body: { release: 'v29.1.0', channel: 'alpha' } });
      expect(reply.status).toBe(200);
      expect(standIns.github.server.calls('GET', /^\/repos\/acme\/app\//).length).toBeGreaterThan(0);
      expect(standIns.endpoints.githubApiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(standIns.hostingServes()).toBe('v29.1.0');
    } finally {
      await server.close();
      await standIns.stop();
    }
  });

  it('with a token, nothing is stood in: the guardian reads GitHub at the configured API URL', async () => {
    const options = readLocalOptions([], { GITHUB_TOKEN: 't', GITHUB_API_URL: 'http://127.0.0.1:9' });
    const mode = localMode(options);
    expect(mode).toMatchObject({ dryRun: false, standIns: false });
    const wiring = await localWiring(store.db, { now: () => Date.now() }, monitoringUnavailable, options, mode, 60_000);
    expect(wiring.api.github).toBeDefined();
  });

  it('with a token and --dry-run, actions are recorded only', () => {
    expect(localMode(readLocalOptions(['--dry-run'], { GITHUB_TOKEN: 't' }))).toMatchObject({ dryRun: true, standIns: false });
  });
});
