/**
 * Reactive schedules: the trigger functions that replace SDK v1 polling (docs/reactive.md).
 *
 * Registered at module load from the reactive schedule definitions and settings (src/reactive/registration.ts):
 * one `app.storageBlob` per watched container, `source: 'EventGrid'` by default (Azure), or
 * `LogsAndContainerScan` (local, Azurite) — or one `app.eventGrid` function with
 * `REACTIVE_TRIGGER_SOURCE=EventGridTrigger`. Blob triggers use `sdkBinding: true` with a reference-only
 * factory (src/reactive/sdkBinding.ts) so the host sends the blob's name, not its bytes; everything the
 * handler needs comes from `context.triggerMetadata`. With no reactive schedule and no REACTIVE_CONTAINERS,
 * nothing is registered and the app starts normally.
 *
 * Nothing is dropped silently: whatever the handler cannot finish now (an unreadable event, a version it
 * cannot learn, a failure that created no run, a claim another delivery holds, an outcome still unknown)
 * makes the invocation fail with the reason, so the host delivers the event again (blob trigger: up to
 * `poisonBlobThreshold` times, then `webjobs-blobtrigger-poison`, where it is visible; Event Grid trigger:
 * Event Grid's own retry schedule, then its dead-letter destination). Only events that are certainly not
 * ours (docs/reactive.md) succeed without a run, each with a log line saying why.
 */
import { app, type EventGridHandler, type InvocationContext, type StorageBlobHandler } from '@azure/functions';
import { AppFailure } from '../errors';
import { parseEventGridEvent, parseTriggerMetadata, type BlobEvent } from '../reactive/blobEvent';
import { FAIL_CODE } from '../reactive/eventDecision';
import { handleBlobEvent, type ReactiveDeps, type ReactiveOutcome } from '../reactive/handler';
import { readReactiveWatchSourcesSync } from '../reactive/loadSync';
import { planTriggers, type TriggerPlan } from '../reactive/registration';
import { describeBlobArgument, registerBlobReferenceFactory } from '../reactive/sdkBinding';
import type { Result, AppError } from '../errors';
import { createReactiveDepsProvider } from '../reactive/runtimeDeps';
import { runtime } from '../runtime';

export type ReactiveDepsProvider = () => Promise<Omit<ReactiveDeps, 'log'>> | Omit<ReactiveDeps, 'log'>;

function invocationLog(context: InvocationContext): ReactiveDeps['log'] {
  return (level, message) =>
    level === 'error' ? context.error(message) : level === 'warn' ? context.warn(message) : context.log(message);
}

async function run(
  parsed: Result<BlobEvent, AppError>,
  context: InvocationContext,
  getDeps: ReactiveDepsProvider,
): Promise<ReactiveOutcome> {
  const deps = await getDeps();
  const outcome = await handleBlobEvent(
    parsed,
    { ...deps, log: invocationLog(context) },
    {
      ...(context.traceContext?.traceParent ? { traceParent: context.traceContext.traceParent } : {}),
    },
  );
  if (outcome.failed) {
    throw new AppFailure({
      code: FAIL_CODE[outcome.failed.reason],
      message: `Reactive: ${outcome.failed.message}; the event will be delivered again.`,
      transient: true,
    });
  }
  if (outcome.retry) {
    const open = outcome.runs.filter((r) => r.retry);
    throw new AppFailure({
      code: 'reactive.submit.retry',
      message: `Not finished for ${open.map((r) => `"${r.schedule}" (${r.status}: ${r.error?.code ?? 'error'})`).join(', ')}; the event will be delivered again.`,
      transient: true,
    });
  }
  return outcome;
}

let warnedAboutContent = false;

/** Blob-trigger handler: reads only `context.triggerMetadata`, never the blob argument's content. */
export function blobTriggerHandler(getDeps: ReactiveDepsProvider): StorageBlobHandler<unknown> {
  return async (blob, context) => {
    const arg = describeBlobArgument(blob);
    if (arg.kind === 'content' && !warnedAboutContent) {
      warnedAboutContent = true;
      context.warn(
        `Reactive: the host sent the blob's content (${arg.bytes} bytes) instead of a reference: deferred (SDK-type) binding is not active on this host. Upgrade the Functions host / extension bundle, or set REACTIVE_TRIGGER_SOURCE=EventGridTrigger.`,
      );
    }
    return run(parseTriggerMetadata(context.triggerMetadata), context, getDeps);
  };
}

/** Event Grid trigger handler for Microsoft.Storage.BlobCreated / BlobDeleted events. */
export function eventGridHandler(getDeps: ReactiveDepsProvider): EventGridHandler {
  return async (event, context) => {
    await run(parseEventGridEvent(event), context, getDeps);
  };
}

/** The subset of `app` used, so tests can record registrations. */
export interface TriggerRegistrar {
  storageBlob: typeof app.storageBlob;
  eventGrid: typeof app.eventGrid;
}

/** Registers the planned functions (deterministic order: the plan's, sorted by container). */
export function registerReactiveTriggers(
  plan: TriggerPlan,
  getDeps: ReactiveDepsProvider,
  registrar: TriggerRegistrar = app,
): void {
  if (plan.eventGridFunction) {
    registrar.eventGrid(plan.eventGridFunction, { handler: eventGridHandler(getDeps) });
    return;
  }
  if (plan.blobFunctions.length === 0) return;
  registerBlobReferenceFactory();
  const handler = blobTriggerHandler(getDeps);
  for (const f of plan.blobFunctions) {
    registrar.storageBlob(f.name, {
      path: f.path,
      connection: plan.connection,
      source: plan.source === 'LogsAndContainerScan' ? 'LogsAndContainerScan' : 'EventGrid',
      sdkBinding: true,
      handler,
    });
  }
}

/** Module load: plan from the schedule files and settings, log what was registered, never throw. */
function registerAtLoad(): void {
  try {
    const read = readReactiveWatchSourcesSync(runtime.env, runtime.appRoot);
    const plan = planTriggers(read.sources, runtime.env);
    for (const w of [...(read.problem ? [read.problem] : []), ...plan.warnings]) console.warn(`Reactive: ${w}`);
    registerReactiveTriggers(plan, reactiveDepsFromRuntime);
  } catch (e) {
    console.error(
      `Reactive: trigger registration failed, no reactive schedule will fire: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

let provider: ReactiveDepsProvider | undefined;
/** Built on the first event, from the process-wide runtime (nothing is built at module load). */
function reactiveDepsFromRuntime(): ReturnType<ReactiveDepsProvider> {
  provider ??= createReactiveDepsProvider(runtime);
  return provider();
}

registerAtLoad();
