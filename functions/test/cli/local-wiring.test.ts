import { createScenarioMetricsSource } from '../../src/adapters/scenario/source';
import { localMode, localWiring } from '../../src/cli/local/wiring';
import { readLocalOptions } from '../../src/cli/local/options';
import { createApp } from '../../src/http/app';
import { testFirestore } from '../support/firestore';
import { call, listen } from '../http/harness';

describe('the local runner without GITHUB_TOKEN', () => {
  const store = testFirestore('local-wiring');
  afterAll(() => store.close());

  it('gives the guardian no GitHub at all: the gate refuses with 503 naming GITHUB_TOKEN, and says so at start', async () => {
    const options = readLocalOptions([], { LOCAL_API_KEY: 'local-key-0123456789abcdef' });
    const mode = localMode(options);
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

  it('with a token, the guardian reads GitHub at the configured API URL', async () => {
    const options = readLocalOptions([], { GITHUB_TOKEN: 't', GITHUB_API_URL: 'http://127.0.0.1:9' });
    const wiring = await localWiring(store.db, { now: () => Date.now() }, createScenarioMetricsSource([]), options, localMode(options), 60_000);
    expect(wiring.api.github).toBeDefined();
  });
});
