/**
 * Builds the reactive handler's dependencies from the process-wide runtime (src/runtime.ts) and settings,
 * once per process (the function module calls the provider on every invocation; everything here is
 * cached after the first call):
 *
 *  - schedules: the reactive definitions from the runtime's schedule registry (`runtime.schedules`: the
 *    app's files and those applied at run time through `aml-triggers schedules apply` / the HTTP API),
 *    targets from the runtime's catalog, containers from the definitions or — through ARM
 *    `datastores.get` — from the datastore (cached an hour by the resolver). The built list is refreshed
 *    every `REACTIVE_REFRESH_MS` (default 5 minutes): a schedule applied or changed at run time, or a
 *    datastore re-pointed at another container, is picked up then without a restart — provided its
 *    container is watched. Blob triggers are registered once, when the function app starts, from the
 *    schedule files and `REACTIVE_CONTAINERS` (registration.ts), so a schedule watching another container
 *    is logged (once per refresh) as needing that container added and the function app restarted;
 *  - enabled flag, target statuses and history: the schedule state store (`SCHEDULE_STATE_CONTAINER` in the app's storage);
 *  - claims: `reactive-claims/` in the same container;
 *  - probe: a HEAD on each matched blob through the `REACTIVE_STORAGE` connection (deleted / replaced since);
 *  - the Azure ML client and telemetry: the runtime's.
 * Problems with individual schedules are logged once per refresh and leave the other schedules working.
 */
import { createArmClient } from '../aml/workspace';
import type { WorkspaceRef } from '../aml/types';
import { AppFailure, type AppError } from '../errors';
import type { Runtime } from '../runtime';
import type { HistoryEntry } from '../schedules/stateTypes';
import { createBlobProbe } from './blobProbe';
import { ClaimStore } from './claims';
import { armDatastoreGetter, createDatastoreResolver, type DatastoreResolver } from './datastores';
import type { ReactiveDeps, ReactiveHistoryEntry, ReactiveSchedule } from './handler';
import { readReactiveWatchSourcesSync } from './loadSync';
import { planTriggers } from './registration';
import { defaultWorkspaceSettings, featureProblem, readSetting, SETTINGS } from '../settings';
import { buildReactiveSchedules } from './schedules';

export const REACTIVE_REFRESH_SETTING = SETTINGS.reactiveRefreshMs.name;
export const DEFAULT_REACTIVE_REFRESH_MS = SETTINGS.reactiveRefreshMs.default;

export type ReactiveDepsProvider = () => Promise<Omit<ReactiveDeps, 'log'>>;

/** Maps a reactive history entry onto the state store's history format (blob name kept verbatim). */
export function toStateHistory(entry: ReactiveHistoryEntry): HistoryEntry {
  return {
    occurrence: entry.etag,
    trigger: 'blob',
    status: entry.status,
    ...(entry.runId ? { runId: entry.runId } : {}),
    ...(entry.error ? { error: { code: entry.error.code, message: entry.error.message } } : {}),
    attempts: entry.attempts,
    recordedAt: entry.at,
    detail: `${entry.container}/${entry.blobName}`,
  };
}

function workspaceDefaults(env: Runtime['env']): { workspace?: WorkspaceRef } {
  const workspace = defaultWorkspaceSettings(env);
  return workspace ? { workspace } : {};
}

/** REACTIVE_REFRESH_MS: a whole number of milliseconds from 1,000 to 86,400,000; unset: 5 minutes. */
export function readRefreshMs(env: Runtime['env']): { ok: true; value: number } | { ok: false; error: AppError } {
  return readSetting(env, SETTINGS.reactiveRefreshMs);
}

export function createReactiveDepsProvider(
  runtime: Runtime,
  options: { readonly now?: () => Date } = {},
): ReactiveDepsProvider {
  const now = options.now ?? (() => new Date());
  let base: Promise<Omit<ReactiveDeps, 'log' | 'schedules'> & { resolver: DatastoreResolver }> | undefined;
  let built: { at: number; value: Promise<readonly ReactiveSchedule[]> } | undefined;
  const refresh = readRefreshMs(runtime.env);
  const refreshMs = refresh.ok ? refresh.value : DEFAULT_REACTIVE_REFRESH_MS;
  // Any invalid reactive setting (REACTIVE_TRIGGER_SOURCE, REACTIVE_REFRESH_MS) switches reactive schedules off, loudly.
  const invalid = featureProblem(runtime.env, 'reactive');
  const watched = new Set(
    planTriggers(readReactiveWatchSourcesSync(runtime.env, runtime.appRoot).sources, runtime.env).containers,
  );

  const getBase = (): NonNullable<typeof base> =>
    (base ??= (async () => {
      if (invalid) throw new AppFailure(invalid); // every invocation fails naming the setting, none is dropped
      const store = runtime.scheduleStore; // the registry's store (throws AppFailure on bad settings)
      const aml = runtime.amlSettings;
      const credential = runtime.credential;
      const resolver = createDatastoreResolver(
        // The same ARM client set-up as workspace resolution: audience, endpoint and trusted roots from AML_* settings.
        armDatastoreGetter({
          credential,
          createClient: (subscriptionId) => createArmClient(credential, subscriptionId, aml),
        }),
      );
      // The watched account (REACTIVE_STORAGE): used to check each matched blob still exists at its version.
      // Not configured (possible with the Event Grid trigger mode): events are trusted as they come.
      const watchedAccount = runtime.watchedAccount;
      if (!watchedAccount.ok)
        console.warn(`Reactive: ${watchedAccount.error.message} Blob events are not re-checked before submitting.`);
      return {
        ...(watchedAccount.ok ? { probe: createBlobProbe(watchedAccount.value) } : {}),
        resolver,
        claims: new ClaimStore(store.blobs),
        client: runtime.pipelineClient,
        runSource: runtime.runSource,
        telemetry: runtime.telemetry,
        now,
        isEnabled: async (name: string) => (await store.states.get(name))?.state.enabled,
        targetStatuses: () => store.targets.statuses(),
        history: (entry: ReactiveHistoryEntry) => store.history.append(entry.schedule, toStateHistory(entry)),
      };
    })().catch((e: unknown) => {
      base = undefined; // a configuration fixed by the operator is picked up by the next invocation
      throw e;
    }));

  /** A warning for each schedule whose container no registered trigger watches, saying what to do. */
  const notWatched = async (p: { schedule: string; value?: unknown }): Promise<string> => {
    const applied = !(await runtime.schedules.fileDefinitions()).byName.has(p.schedule);
    const container = String(p.value);
    return (
      `Reactive: schedule "${p.schedule}"${applied ? ' (applied at run time)' : ''} watches container "${container}", which no blob trigger of this app watches, so its blob events never arrive and it does not fire. ` +
      `Blob triggers are registered only when the function app starts, from the app's schedule files and REACTIVE_CONTAINERS: add "${container}" to REACTIVE_CONTAINERS` +
      `${applied ? " (or define the schedule in the app's schedule files)" : ''} and restart (redeploy) the function app.`
    );
  };

  const schedules = async (): Promise<readonly ReactiveSchedule[]> => {
    const t = now().getTime();
    if (!built || t - built.at >= refreshMs) {
      const value = (async () => {
        const b = await getBase();
        // Same call as the timer tick: one small read of the applied-definitions index when nothing changed.
        const current = await runtime.schedules.sync(now());
        for (const p of current.problems)
          console.warn(`Reactive: applied schedule "${p.schedule}" cannot be read: ${p.message} (${p.code})`);
        const result = await buildReactiveSchedules(current.definitions, {
          targets: runtime.targets.targets,
          defaults: workspaceDefaults(runtime.env),
          resolver: b.resolver,
          watchedContainers: watched,
        });
        for (const p of result.problems) {
          console.warn(
            p.code === 'reactive.container.not_watched'
              ? await notWatched(p)
              : `Reactive: schedule "${p.schedule}" is not active: ${p.message} (${p.code})`,
          );
          runtime.telemetry.event('reactive.schedule_problem', { schedule: p.schedule, code: p.code });
        }
        return result.schedules;
      })();
      built = { at: t, value };
      value.catch(() => {
        if (built?.value === value) built = undefined;
      });
    }
    return built.value;
  };

  return async () => {
    const { resolver: _resolver, ...rest } = await getBase();
    return { ...rest, schedules };
  };
}
