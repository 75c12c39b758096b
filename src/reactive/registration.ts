/**
 * Which trigger functions to register (pure, synchronous: the Functions host reads the function list once,
 * when the worker loads src/functions/*.js, so nothing asynchronous — such as asking ARM which container
 * a datastore points at — can influence it).
 *
 * Decision: the watched containers are known at load from
 *   1. the `container` of each reactive schedule definition, and
 *   2. the `REACTIVE_CONTAINERS` setting (comma/space separated), for schedules that name only their
 *      datastore and let the app resolve the container through ARM at run time.
 * One blob-trigger function per container, named `reactiveBlob-<container>`, path `<container>/{name}`,
 * sorted by container so that the registration is the same on every instance and every start.
 * A reactive schedule whose container is resolved at run time to a container that is not watched is
 * reported (log + telemetry) by the schedule loader, since its events could never arrive.
 *
 * Settings (all optional):
 *  - REACTIVE_TRIGGER_SOURCE: `EventGrid` (default; Azure, Event Grid subscription required),
 *    `LogsAndContainerScan` (local with Azurite: the host scans the container), or `EventGridTrigger`
 *    (one `app.eventGrid` function receiving the storage account's BlobCreated events directly).
 *  - REACTIVE_CONTAINERS: extra containers to watch.
 *  - The storage connection is the fixed prefix `REACTIVE_STORAGE`: `REACTIVE_STORAGE` = connection string
 *    locally; `REACTIVE_STORAGE__serviceUri` / `__blobServiceUri` + `__queueServiceUri`, `__credential`,
 *    `__clientId` with a managed identity in Azure.
 */
export { REACTIVE_CONNECTION, isContainerName, type TriggerSource };
import {
  isContainerName,
  readSetting,
  REACTIVE_CONNECTION,
  SETTINGS,
  TRIGGER_SOURCES,
  type TriggerSource,
} from '../settings';

export const EVENT_GRID_FUNCTION = 'reactiveBlobEvents';
export const BLOB_FUNCTION_PREFIX = 'reactiveBlob-';

export interface BlobFunctionPlan {
  readonly name: string;
  readonly container: string;
  readonly path: string;
}

export interface TriggerPlan {
  readonly source: TriggerSource;
  readonly connection: string;
  /** Blob-trigger functions (empty for `EventGridTrigger`). */
  readonly blobFunctions: readonly BlobFunctionPlan[];
  /** The Event Grid trigger function's name, for `EventGridTrigger`. */
  readonly eventGridFunction?: string;
  /** Every container watched, sorted. */
  readonly containers: readonly string[];
  /** Problems that did not stop the registration (a bad setting value, an invalid container name). */
  readonly warnings: readonly string[];
}

/** What the plan needs of a reactive schedule definition. */
export interface ReactiveWatchSource {
  readonly name: string;
  readonly container?: string;
}

export function planTriggers(
  schedules: readonly ReactiveWatchSource[],
  env: Readonly<Record<string, string | undefined>>,
): TriggerPlan {
  const warnings: string[] = [];
  const read = readSetting(env, SETTINGS.triggerSource);
  // A bad value registers the default (events are received and kept) and the reactive function fails
  // every event naming the setting (runtimeDeps.ts) until it is fixed.
  const source: TriggerSource = read.ok ? read.value : SETTINGS.triggerSource.default;
  if (!read.ok)
    warnings.push(
      `REACTIVE_TRIGGER_SOURCE=${JSON.stringify(read.error.value)} is not one of ${TRIGGER_SOURCES.join(', ')}; registering EventGrid, and reactive schedules fail every event until it is fixed.`,
    );

  const containers = new Set<string>();
  for (const s of schedules) {
    if (s.container === undefined) continue;
    if (isContainerName(s.container)) containers.add(s.container);
    else
      warnings.push(
        `Reactive schedule "${s.name}" has container ${JSON.stringify(s.container)}, which is not a valid container name; it is not watched.`,
      );
  }
  const extra = readSetting(env, SETTINGS.reactiveContainers);
  for (const c of extra.ok ? extra.value : []) {
    if (isContainerName(c)) containers.add(c);
    else
      warnings.push(`REACTIVE_CONTAINERS entry ${JSON.stringify(c)} is not a valid container name; it is not watched.`);
  }
  const sorted = [...containers].sort();

  if (source === 'EventGridTrigger') {
    return {
      source,
      connection: REACTIVE_CONNECTION,
      blobFunctions: [],
      eventGridFunction: EVENT_GRID_FUNCTION,
      containers: sorted,
      warnings,
    };
  }
  return {
    source,
    connection: REACTIVE_CONNECTION,
    blobFunctions: sorted.map((container) => ({
      name: `${BLOB_FUNCTION_PREFIX}${container}`,
      container,
      path: `${container}/{name}`,
    })),
    containers: sorted,
    warnings,
  };
}
