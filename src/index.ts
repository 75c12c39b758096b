/**
 * Entry point the Functions Node worker loads first (package.json `main` globs this file and
 * src/functions/*.js).
 *
 * Application Insights starts after the first answer, not before it: loading its 3.x SDK takes over a
 * second of CPU (docs/performance.md), which a cold start would otherwise add to the event that woke the
 * app. Until then the app's telemetry keeps every call and replays it into the client when it starts
 * (src/telemetry.ts `DeferredTelemetry`); at shutdown whatever is recorded is sent before the worker exits.
 * The app records its own events, exceptions and dependencies, so nothing it sends depends on the SDK
 * patching modules before they load.
 */
import { app } from '@azure/functions';
import { flushTelemetry, getTelemetry, startTelemetry } from './telemetry';

/** Time between the first invocation's end and the SDK's load, so the answer leaves the worker first. */
export const TELEMETRY_START_DELAY_MS = 200;

getTelemetry();
app.setup({ enableHttpStream: false });

let startScheduled = false;
app.hook.postInvocation(() => {
  if (startScheduled) return;
  startScheduled = true;
  setTimeout(startTelemetry, TELEMETRY_START_DELAY_MS);
});

app.hook.appTerminate(() => flushTelemetry());
