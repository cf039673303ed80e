/**
 * npm start — the whole product in one process, on a laptop, without a Firebase project, Java or
 * credentials: a Firestore-protocol server (or the one FIRESTORE_EMULATOR_HOST names), the same
 * Express app the `api` function serves, the same scheduled evaluation on a short interval, and a
 * listener on canary documents that runs the same handler as the Firestore trigger. Metrics are
 * real reports: simulated installs play a replay-format scenario one window per tick and post spec
 * batches to the runner's own ingest, which the evaluation reads through the telemetry source.
 * Without credentials the platform actions go to local stand-ins of GitHub, Hosting and Play
 * (--dry-run: recorded only); with credentials they are real. See the README ("The local runner").
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { createFirestoreCanaryStore, useDb } from '../adapters/firestore';
import { loadScenarioFile } from '../adapters/scenario/source';
import { evaluateAll } from '../app/evaluate';
import { reconcileRollbacks } from '../app/rollback/reconcile';
import { isTerminal, type Canary } from '../core/canary';

/**
 * The story ends when the canary is done (after a rollback: once the recovery watch concluded), or
 * its rollback was recorded in dry-run (nothing more will happen).
 */
function storyFinished(canary: Canary): boolean {
  if (canary.status === 'rolled_back') return canary.recoveryWatch !== true;
  if (isTerminal(canary.status) || canary.status === 'rollback_failed') return true;
  const steps = Object.values(canary.rollback?.steps ?? {});
  return steps.length > 0 && steps.every((s) => s === 'dry_run');
}
import { onCanaryWrite } from '../functions/canary-trigger';
import { createServer } from 'node:http';
import { createApp } from '../http/app';
import { TELEMETRY_PATH } from '../http/routes/telemetry';
import { createTelemetryApp } from '../http/telemetry-app';
import { telemetryDeps } from '../functions/telemetry-wiring';
import { startFirestoreServer, type RunningFirestoreServer } from '../testing/firestore-server';
import { readLocalOptions } from './local/options';
import { consolePrinter } from './local/printer';
import { curlExamples, registerStoryCanary, storyTarget } from './local/story';
import { SteppedClock } from './local/virtual-clock';
import { quietStructuredLogs } from './local/quiet-logs';
import { localMode, localWiring, withStandIns } from './local/wiring';
import { startStandIns, type StandIns } from './local/stand-ins';
import { createPopulation } from './local/population';
import { assignTelemetry, createLocalIngestKey, monitoringUnavailable } from './local/telemetry-setup';
import { telemetryCurl } from './local/story';
import { printAuditTrail, sealAndVerify } from './local/audit-summary';
import { pickMount, type LocalMount } from './local/mounts';
import { APP_PATH, describeShares, startCohortDemo } from './local/cohort-mount';
import { statusPageMount } from './local/status-page-mount';
import { slackStandIn } from './local/slack-stand-in';
import { localNotifyDeps } from './local/notifications';
import { deliverNotification } from '../app/notify/deliver';
import { sweepOutbox } from '../app/notify/sweep';

/** The page's refresh: two or three reads a poll stay within the API's per-caller budget (1 a second). */
const STATUS_POLL_MS = 2500;
import { demoMountFor } from './local/demo-wiring';
import { createCanaryBreak } from './local/canary-break';

async function main(): Promise<void> {
  let options = readLocalOptions(process.argv.slice(2), process.env);
  const out = consolePrinter();
  quietStructuredLogs(options.verbose);
  const scenario = await loadScenarioFile(options.scenarioPath);
  const windowMs = scenario.windowSeconds * 1000;

  let firestore: RunningFirestoreServer | undefined;
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    firestore = await startFirestoreServer();
    process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
  }
  process.env.GCLOUD_PROJECT ??= options.projectId;
  const app = initializeApp({ projectId: options.projectId });
  const db = getFirestore(app);
  useDb(db);

  const clock = new SteppedClock(Math.floor(Date.now() / windowMs) * windowMs, windowMs, options.tickMs);
  const mode = localMode(options);
  // Without credentials the rollback really calls GitHub, Hosting and Play: local stand-ins of them.
  let standIns: StandIns | undefined;
  if (mode.standIns) {
    standIns = await startStandIns(scenario, options.github.repository, (system, text) => out.line(`  stand-in ${system} received ${text}`));
    options = withStandIns(options, standIns.endpoints);
  }
  const wiring = await localWiring(db, clock, monitoringUnavailable, options, mode, windowMs);
  wiring.api.log = (record) => out.line(`  api: ${String(record.method)} ${String(record.path)} -> ${String(record.status)}`);

  // Telemetry ingest on the same port: POST /v1/telemetry goes to its own app, the rest to the API.
  const api = createApp(wiring.api);
  // Accepted reports are summed per tick (hundreds a tick); anything else is shown as it happens.
  let acceptedReports = 0;
  const ingest = createTelemetryApp({
    ...telemetryDeps(db, clock, { verifyAppCheck: (token) => import('firebase-admin/app-check').then(({ getAppCheck }) => getAppCheck().verifyToken(token)) }),
    log: (record) => {
      if (record.status === 202) acceptedReports++;
      else out.line(`  telemetry: ${String(record.method)} ${String(record.path)} -> ${String(record.status)}${record.error ? ` (${String(record.error)})` : ''}`);
    },
  });
  const mounts: LocalMount[] = [{ prefix: TELEMETRY_PATH, handler: ingest }, statusPageMount({ pollMs: STATUS_POLL_MS })];
  // Without a real Slack webhook, messages go to a labelled stand-in on this port (nothing leaves the machine).
  const slack = process.env.SLACK_WEBHOOK_URL ? undefined : slackStandIn((line) => out.line(line));
  if (slack) mounts.push(slack);
  // The demo app through the cohort router (web stories): the story canary's share decides who sees its release.
  const cohortDemo = scenario.platform === 'web' ? await startCohortDemo(db, storyTarget(scenario, options.github.repository), scenario) : undefined;
  if (cohortDemo) mounts.push(...cohortDemo.mounts);
  const server: Server = createServer((req, res) => (pickMount(mounts, req.url)?.handler ?? api)(req, res)).listen(options.port, '127.0.0.1');
  // Idle keep-alive sockets outlive a slow tick, so a reused one is never closed under a report.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const notify = localNotifyDeps(db, clock, { slackUrl: process.env.SLACK_WEBHOOK_URL || `${baseUrl}/stand-ins/slack`, statusPageUrl: `${baseUrl}/status`, env: process.env, print: (line) => out.line(line) });
  const ingestKey = await createLocalIngestKey(db, [baseUrl, `http://localhost:${port}`], Date.now());
  const sourcesNote = await assignTelemetry(db, scenario.platform);
  const store = createFirestoreCanaryStore(db);
  let storyCanaryId: string | undefined;
  // "Break the canary" on /demo/ breaks the release for all its installs, the simulated ones included.
  const canaryBreak = createCanaryBreak(scenario, options.waitForBreak, () =>
    out.line(
      `demo: the canary ${scenario.release} was broken from ${baseUrl}/demo/ at story ${new Date(clock.now()).toISOString().slice(11, 16)}: its requests now fail at ${(100 * canaryBreak.failRate).toFixed(1)} %, on the page and on the ${population.canaryInstalls} simulated installs of the canary`,
    ),
  );
  const population = createPopulation({
    canaryBreak,
    scenario,
    ingestUrl: `${baseUrl}${TELEMETRY_PATH}`,
    key: ingestKey,
    installs: options.installs,
    // Web installs load what Hosting serves; desktop and mobile installs keep the build they updated
    // to (see the README's "What each platform's rollback can and cannot do").
    canaryInstallsRun: async () => {
      if (scenario.platform !== 'web' || mode.dryRun) return scenario.release;
      if (standIns) return standIns.hostingServes() ?? scenario.release;
      const read = storyCanaryId === undefined ? null : await store.get(storyCanaryId);
      return read?.ok && read.canary.status === 'rolled_back' ? scenario.previousRelease : scenario.release;
    },
  });
  // The demo page (/demo/): the canary and its previous release reporting with clients/web to this ingest.
  mounts.push(
    demoMountFor(db, scenario, clock, options.tickMs, ingestKey, { canaryBreak, canaryInstalls: population.canaryInstalls }, standIns ? () => standIns?.hostingServes() ?? undefined : undefined),
  );

  out.line(`Canary Guardian, local runner (project ${options.projectId}, Firestore ${process.env.FIRESTORE_EMULATOR_HOST}${firestore ? ' in-process' : ''})`);
  out.line(`API listening on ${baseUrl}   key: ${options.apiKey}`);
  for (const note of mode.notes) out.line(`note: ${note}`);
  for (const line of standIns?.describe() ?? []) out.line(line);
  out.line(`telemetry: POST ${baseUrl}${TELEMETRY_PATH}   ingest key: ${ingestKey} (created for this run, platforms web, desktop, mobile, origin ${baseUrl})`);
  out.line(`note: ${sourcesNote}`);
  if (cohortDemo) out.line(`note: ${cohortDemo.note}`);
  out.line(
    `scenario: ${options.scenarioPath} (${scenario.platform} ${scenario.release} on ${scenario.channel}, ${scenario.windows.length} windows of ${scenario.windowSeconds} s, one per ${options.tickMs} ms), played by ${options.installs} simulated installs (${population.canaryInstalls} on ${scenario.release}, ${population.baselineInstalls} on ${scenario.previousRelease})`,
  );
  if (options.waitForBreak) {
    out.line(
      `--wait-for-break: the canary's ${population.canaryInstalls} simulated installs stay healthy (the previous release's rates) until someone clicks "Break the canary" on ${baseUrl}/demo/; the scenario's windows repeat until then`,
    );
  }
  out.line('open in a browser:');
  for (const mount of mounts) if (mount.describe) out.line(`  ${mount.describe(baseUrl)}`);
  if (standIns) {
    out.line(`  ${standIns.endpoints.hostingRootUrl}v1beta1/sites/demo-site/channels/${scenario.channel === 'stable' ? 'live' : scenario.channel}/releases   the stand-in Hosting channel's releases`);
    out.line(`  ${standIns.endpoints.githubApiUrl}/repos/${options.github.repository}/releases   the stand-in GitHub releases`);
  }
  out.line('try:');
  for (const cmd of curlExamples(baseUrl, options.apiKey, scenario)) out.line(`  ${cmd}`);
  out.line(`  ${telemetryCurl(baseUrl, ingestKey, scenario, clock.now())}   # story time: the minute must be within 15 of the story clock`);
  const storeEnv = `FIRESTORE_EMULATOR_HOST=${process.env.FIRESTORE_EMULATOR_HOST} GCLOUD_PROJECT=${options.projectId}`;
  out.line(`  ${storeEnv} npm run audit:tail      # follow the audit trail from another terminal`);
  out.line(`  ${storeEnv} npm run audit:verify    # check its seal`);

  // The listener plays the Firestore trigger: every canary write goes to the same handler.
  const seen = new Map<string, Canary>();
  const running = new Map<string, Promise<unknown>>();
  let writes = 0;
  // The outbox listener plays notificationOutboxTrigger: each new item is delivered at once.
  const deliveries = new Set<Promise<unknown>>();
  const unsubscribeOutbox = db.collection('notification_outbox').onSnapshot((snapshot) => {
    for (const change of snapshot.docChanges()) {
      if (change.type !== 'added') continue;
      const delivery = deliverNotification(notify, change.doc.id, `local-trigger-${change.doc.id}`, true)
        .catch((err: unknown) => out.line(`  notification ${change.doc.id}: delivery failed: ${String((err as Error)?.message ?? err)}`))
        .finally(() => deliveries.delete(delivery));
      deliveries.add(delivery);
    }
  });
  const unsubscribe = db.collection('canaries').onSnapshot((snapshot) => {
    for (const change of snapshot.docChanges()) {
      if (change.type === 'removed') continue;
      const id = change.doc.id;
      void store.get(id).then((read) => {
        if (read?.ok) {
          out.canaryChanged(seen.get(id), read.canary);
          seen.set(id, read.canary);
        }
      });
      const event = { id: `local-${++writes}`, params: { canaryId: id }, data: { before: undefined, after: change.doc } };
      const previous = running.get(id) ?? Promise.resolve();
      const next = previous
        .then(() => onCanaryWrite(async () => wiring.rollback, event as unknown as Parameters<typeof onCanaryWrite>[1]))
        .catch((err: unknown) => out.line(`  ${id}: rollback handler failed: ${String((err as Error)?.message ?? err)}`));
      running.set(id, next);
    }
  });

  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // Ctrl-C must always end the run: whatever a shutdown step waits on (a browser's open
    // connection, a stand-in's in-flight fetch), the process exits within 5 s.
    setTimeout(() => process.exit(code), 5_000).unref();
    if (timer) clearTimeout(timer);
    unsubscribe();
    unsubscribeOutbox();
    await Promise.allSettled([...deliveries]);
    await Promise.allSettled([...running.values()]);
    // close() alone waits for every open connection (a browser keeps them): end them at once.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    await deleteApp(app).catch(() => undefined);
    await standIns?.stop();
    await cohortDemo?.stop().catch(() => undefined);
    firestore?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  // The story's canary is registered through the API as CI would; --no-register leaves that to the
  // caller (the end-to-end test registers it itself) and follows the first canary that appears.
  if (options.register) {
    storyCanaryId = await registerStoryCanary(baseUrl, options.apiKey, scenario, options.github.repository);
    out.line(`registered canary ${storyCanaryId} through POST /canaries`);
  } else {
    out.line('waiting for a canary to be registered through POST /canaries');
  }

  const startedAt = Date.now();
  let tick = 0;
  let lastShares: string | undefined;
  const loop = async () => {
    if (stopping) return;
    tick++;
    const at = clock.advance();
    const tickStartedAt = Date.now();
    try {
      // The installs report the minute that just ended, then the evaluation reads it.
      if (!population.exhausted()) {
        const before = acceptedReports;
        const reports = await population.playWindow(at - windowMs);
        out.reports(tick, at, reports, Math.max(0, acceptedReports - before - reports.accepted));
      }
      const report = await evaluateAll(wiring.evaluate, new Date(at).toISOString());
      out.tick(tick, at, report);
      await reconcileRollbacks(wiring.rollback, 'local-reconciler');
      // The sweeper's part: retries after their backoff, digests at the end of their bucket.
      await sweepOutbox(notify, 'local-sweep');
    } catch (err) {
      out.line(`[tick ${tick}] failed: ${String((err as Error)?.message ?? err)}`);
    }
    await Promise.allSettled([...running.values()]);
    // The web canary's share of /app's visitors, as the cohort router computes it: printed when it changes.
    if (cohortDemo) {
      const shares = await cohortDemo
        .shares()
        .then((split) => describeShares(split, scenario))
        .catch((err: unknown) => `unreadable (${String((err as Error)?.message ?? err)})`);
      if (shares !== lastShares) out.line(`[tick ${tick} ${new Date(clock.now()).toISOString().slice(11, 19)}] cohort router ${APP_PATH}: ${lastShares === undefined ? '' : `was ${lastShares}; now `}${shares}`);
      lastShares = shares;
    }
    storyCanaryId ??= [...seen.keys()][0];
    const read = storyCanaryId === undefined ? null : await store.get(storyCanaryId);
    const finished = storyCanaryId === undefined ? false : read ? !read.ok || storyFinished(read.canary) : false;
    if (finished || population.exhausted()) {
      out.line(finished ? `story finished: ${storyCanaryId} is ${read?.ok ? read.canary.status : 'invalid'}` : 'scenario played out');
      await printAuditTrail(db, out);
      const intact = await sealAndVerify(db, out);
      if (options.exitWhenDone) return void stop(intact ? 0 : 1);
      out.line(`the API keeps serving on ${baseUrl} (story time stays at ${new Date(clock.now()).toISOString().slice(11, 16)}); Ctrl-C to stop. Report as an install would:`);
      out.line(`  ${telemetryCurl(baseUrl, ingestKey, scenario, clock.now())}`);
      return;
    }
    if (options.exitWhenDone && Date.now() - startedAt > options.maxRunMs) {
      out.line(`gave up after ${options.maxRunMs} ms`);
      return void stop(1);
    }
    // One window per tickMs of real time: the work of the tick counts toward it.
    timer = setTimeout(() => void loop(), Math.max(0, options.tickMs - (Date.now() - tickStartedAt)));
  };
  timer = setTimeout(() => void loop(), options.tickMs);
}

main().catch((err) => {
  process.stderr.write(`local runner failed: ${String((err as Error)?.message ?? err)}\n`);
  process.exit(1);
});
