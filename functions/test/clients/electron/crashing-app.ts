import { startCanaryTelemetry } from '../../../../clients/electron/src';
import { fakeElectron } from './fake-electron';

/**
 * A child process playing one run of an Electron app that dies without quitting: the test bundles
 * it with esbuild, starts it, waits for its counts to reach userData and kills it with SIGKILL.
 */
const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const e = fakeElectron(env('CG_USER_DATA'));
startCanaryTelemetry({ ...e, api: env('CG_API'), key: env('CG_KEY'), release: env('CG_RELEASE'), channel: 'alpha', now: () => Number(env('CG_NOW_MS')) });
e.request('https://api.example.com/a', 200, 40);
e.request('https://api.example.com/b', 200, 60);
e.request('https://api.example.com/c', 500, 900);
// Alive until killed.
setInterval(() => undefined, 60_000);
