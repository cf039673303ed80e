import type { Scenario } from '../../config/scenario-schema';
import { installGitHubGuardianRoutes, type GitHubScenario } from '../../testing/fakes/github-guardian';
import { FakeGitHub } from '../../testing/fakes/github-releases';
import { FakeHosting } from '../../testing/fakes/hosting-server';
import type { RecordedRequest } from '../../testing/fakes/http-fake';
import { FakePlay } from '../../testing/fakes/play-server';
import { storyTarget } from './story';

/** The URLs and dummy credentials that point the real clients (Octokit, googleapis) at the stand-ins. */
export interface StandInEndpoints {
  githubToken: string;
  githubApiUrl: string;
  googleAccessToken: string;
  hostingRootUrl: string;
  playRootUrl: string;
}

export interface StandIns {
  endpoints: StandInEndpoints;
  github: FakeGitHub;
  hosting: FakeHosting;
  play: FakePlay;
  /** One banner line per stand-in. */
  describe(): string[];
  /** The release the Hosting stand-in serves on `channel` of the story's site (null: none seeded). */
  hostingServes(): string | null;
  stop(): Promise<void>;
}

/** A clean repository for the guardian: one reviewed pull request, no alerts, benchmarks passed. */
function cleanRepository(scenario: Scenario): GitHubScenario {
  return {
    releases: [{ tag_name: scenario.release }, { tag_name: scenario.previousRelease }],
    commits: ['c0ffee1'],
    files: ['src/app.ts'],
    pulls: [{ number: 1, author: 'dev', mergeSha: 'c0ffee1', files: [{ filename: 'src/app.ts', additions: 12, deletions: 3 }], reviews: [{ login: 'reviewer', state: 'APPROVED' }] }],
    codeScanning: [],
    dependabot: [],
    checkRuns: [{ name: 'benchmarks', status: 'completed', conclusion: 'success', summary: 'startup: -1%' }],
    issues: [],
  };
}

/** What a person watching should see of a request: the call, and for a dispatch its event and version. */
function describeCall(req: RecordedRequest): string {
  const body = req.body as { event_type?: string; client_payload?: { version?: unknown; rollback_id?: unknown }; title?: unknown } | undefined;
  if (req.path.endsWith('/dispatches') && body?.event_type) {
    return `${req.method} ${req.path} (${String(body.event_type)}, version ${String(body.client_payload?.version)}, rollback_id ${String(body.client_payload?.rollback_id)})`;
  }
  if (req.path.endsWith('/issues') && typeof body?.title === 'string') return `${req.method} ${req.path} (issue "${body.title}")`;
  const version = req.query.get('versionName');
  return `${req.method} ${req.path}${version ? ` versionName=${version}` : ''}`;
}

/**
 * Local stand-ins of GitHub, Firebase Hosting and Google Play: the fakes the tests use
 * (src/testing/fakes), seeded with the story's repository, Hosting channel and Play track, on
 * 127.0.0.1. The real adapters talk to them exactly as they would to the real services, so a run
 * without credentials carries the rollback out and nothing leaves the machine. `onCall` hears every
 * request that changes something (dispatches, releases, edits), for the printed story.
 */
export async function startStandIns(scenario: Scenario, repository: string, onCall: (system: string, text: string) => void): Promise<StandIns> {
  const [owner = 'acme', repo = 'app'] = repository.split('/');
  const github = new FakeGitHub(owner, repo);
  installGitHubGuardianRoutes(github.server, cleanRepository(scenario));
  // The rollback's release routes win over the guardian's read-only list (routes added later win).
  github.seed([scenario.previousRelease, scenario.release]);
  github.server.on('GET', `/repos/${owner}/${repo}/releases`, () => ({ body: github.releases.map((r) => ({ ...r, name: r.tag_name })) }));

  const target = storyTarget(scenario, repository);
  const hosting = new FakeHosting();
  const channel = `sites/${target.hostingSite}/channels/${target.hostingChannel}`;
  const versionOf = (release: string) => `sites/${target.hostingSite}/versions/${release.replace(/[^A-Za-z0-9-]/g, '-')}`;
  const releaseOfVersion = new Map([scenario.previousRelease, scenario.release].map((r) => [versionOf(r), r]));
  hosting.seed(channel, [
    { version: versionOf(scenario.previousRelease), message: scenario.previousRelease },
    { version: versionOf(scenario.release), message: scenario.release },
  ]);

  const play = new FakePlay();
  play.tracks.set(`${target.playPackage}/${target.playTrack}`, [
    { name: scenario.previousRelease, versionCodes: ['2900'], status: 'completed' },
    { name: scenario.release, versionCodes: target.versionCodes, status: 'inProgress', userFraction: 0.1 },
  ]);

  const listen = (system: string, server: FakeGitHub['server']) =>
    (server.onRequest = (req) => {
      if (req.method !== 'GET') onCall(system, describeCall(req));
    });
  listen('GitHub', github.server);
  listen('Hosting', hosting.server);
  listen('Play', play.server);
  await Promise.all([github.server.start(), hosting.server.start(), play.server.start()]);
  github.webUrl = github.server.url;

  const note = 'nothing leaves this machine';
  return {
    endpoints: {
      githubToken: 'stand-in-token',
      githubApiUrl: github.server.url,
      googleAccessToken: 'stand-in-token',
      hostingRootUrl: `${hosting.server.url}/`,
      playRootUrl: `${play.server.url}/`,
    },
    github,
    hosting,
    play,
    describe: () => [
      `stand-in GitHub on ${github.server.url} (repository ${owner}/${repo}, releases ${scenario.previousRelease} and ${scenario.release}) — ${note}`,
      `stand-in Hosting on ${hosting.server.url} (${channel} serves ${scenario.release}) — ${note}`,
      `stand-in Play on ${play.server.url} (${target.playPackage} track ${target.playTrack}) — ${note}`,
    ],
    hostingServes: () => releaseOfVersion.get(hosting.current(channel) ?? '') ?? null,
    stop: async () => {
      await Promise.all([github.server.stop(), hosting.server.stop(), play.server.stop()]);
    },
  };
}
