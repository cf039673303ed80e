/**
 * Compile-time proof that Electron's real main-process API fits the shapes this module asks for
 * (src/surface.ts): the tests pass EventEmitters shaped like them, and this file is what keeps
 * those shapes honest. Checked against the `electron` package's own electron.d.ts (a devDependency
 * of functions/; since Electron 42 the package downloads its binary on first run, not at install,
 * and this file only imports types). Never built into dist/: `npm run typecheck` in functions/ runs it.
 */
import { app, net, session } from 'electron';
import { startCanaryTelemetry, type AppLike, type NetLike, type ProcessGoneDetails, type SessionLike, type WebRequestDetails } from '../src';

// The README's own call, as an app writes it.
export function readmeCall(): void {
  void app.whenReady().then(() => {
    return startCanaryTelemetry({
      app, net, session: session.defaultSession,
      api: 'https://telemetry.example.com', key: 'cgt_example', release: `v${app.getVersion()}`, channel: 'beta',
    });
  });
}

// Each shape on its own, so a mismatch names the part that drifted.
export const appFits: AppLike = app;
export const netFits: NetLike = net;
export const sessionFits: SessionLike = session.defaultSession;
export const partitionFits: SessionLike = session.fromPartition('persist:canary');

// The listener payloads this module reads are what Electron hands over: its details types are
// assignable to ours (the other way round would prove nothing).
export const renderGone = (details: Electron.RenderProcessGoneDetails): ProcessGoneDetails => details;
export const childGone = (details: Electron.Details): ProcessGoneDetails => details;
export const sentHeaders = (details: Electron.OnSendHeadersListenerDetails): WebRequestDetails => details;
export const completed = (details: Electron.OnCompletedListenerDetails): WebRequestDetails => details;
export const failed = (details: Electron.OnErrorOccurredListenerDetails): WebRequestDetails => details;
