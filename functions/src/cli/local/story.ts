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

/** Registers the scenario's release as a canary through the API, as CI does right after deploying it. */
export async function registerStoryCanary(baseUrl: string, apiKey: string, scenario: Scenario, repository: string): Promise<string> {
  const target =
    scenario.platform === 'web'
      ? { repository, hostingSite: 'demo-site', hostingChannel: scenario.channel === 'stable' ? 'live' : scenario.channel }
      : scenario.platform === 'mobile'
        ? { repository, playPackage: 'com.example.app', playTrack: 'production', versionCodes: ['2901'] }
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
