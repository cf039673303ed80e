import type { Scenario } from '../../config/scenario-schema';

/** The curl commands a person can try against the local API (the source document's calls, with the local key). */
export function curlExamples(baseUrl: string, apiKey: string, scenario: Scenario): string[] {
  return [
    `curl --fail -X POST ${baseUrl}/guardian/check -H "Authorization: Bearer ${apiKey}" -d '{"release": "${scenario.release}", "channel": "${scenario.channel}"}'`,
    `curl -X POST ${baseUrl}/audit -H "Authorization: Bearer ${apiKey}" -d '{"action": "auto_rollback", "reason": "Error rate 8% (threshold 5%)", "version": "${scenario.release}"}'`,
    `curl ${baseUrl}/audit?limit=5 -H "Authorization: Bearer ${apiKey}"`,
    `curl ${baseUrl}/canaries -H "Authorization: Bearer ${apiKey}"`,
  ];
}

/** Where the story's release lives on each platform (the stand-ins are seeded with the same). */
export function storyTarget(scenario: Scenario, repository: string) {
  return {
    repository,
    hostingSite: 'demo-site',
    hostingChannel: scenario.channel === 'stable' ? 'live' : scenario.channel,
    playPackage: 'com.example.app',
    playTrack: 'production',
    versionCodes: ['2901'],
  };
}

/** Registers the scenario's release as a canary through the API, as CI does right after deploying it. */
export async function registerStoryCanary(baseUrl: string, apiKey: string, scenario: Scenario, repository: string): Promise<string> {
  const all = storyTarget(scenario, repository);
  const target =
    scenario.platform === 'web'
      ? { repository, hostingSite: all.hostingSite, hostingChannel: all.hostingChannel }
      : scenario.platform === 'mobile'
        ? { repository, playPackage: all.playPackage, playTrack: all.playTrack, versionCodes: all.versionCodes }
        : { repository };
  const response = await fetch(`${baseUrl}/canaries`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      platform: scenario.platform,
      release: scenario.release,
      previousRelease: scenario.previousRelease,
      channel: scenario.channel,
      target,
      // A scenario that starts past alpha has no earlier canary here: say so, as CI would have to.
      ...(scenario.channel !== 'alpha' ? { skipChannelOrder: { reason: `local scenario starts on ${scenario.channel}` } } : {}),
    }),
  });
  const body = (await response.json()) as { id?: string; canaryId?: string; error?: string };
  const id = body.id ?? body.canaryId;
  if (!response.ok || !id) throw new Error(`POST /canaries answered ${response.status}: ${JSON.stringify(body)}`);
  return id;
}

/** A curl that reports one minute as an install of the canary would (spec batch, the local ingest key). */
export function telemetryCurl(baseUrl: string, key: string, scenario: Scenario, storyNow: number): string {
  const start = new Date(Math.floor(storyNow / 60_000) * 60_000).toISOString().replace('.000Z', 'Z');
  const body = { key, batchId: 'curl-batch-0001', installId: 'curl-install-0001', platform: scenario.platform, release: scenario.release, channel: scenario.channel, windows: [{ start, requests: 20, errors: 1 }] };
  return `curl -X POST ${baseUrl}/v1/telemetry -H 'content-type: application/json' -d '${JSON.stringify(body)}'`;
}
