/**
 * Builds the reactive handler's dependencies from the process-wide runtime (src/runtime.ts) and settings,
 * once per process (the function module calls the provider on every invocation; everything here is
 * cached after the first call):
 *
 *  - schedules: the reactive definitions from the schedule files (`SCHEDULES_PATH`), targets from the
 *    runtime's catalog, containers from the definitions or — through ARM `datastores.get` — from the
 *    datastore (cached an hour by the resolver; the built list is refreshed every `REACTIVE_REFRESH_MS`,
 *    default 5 minutes, so a datastore re-pointed at another container is picked up without a restart);
 *  - enabled flag and history: the schedule state store (`SCHEDULE_STATE_CONTAINER` in the app's storage);
 *  - claims: `reactive-claims/` in the same container;
 *  - probe: a HEAD on each matched blob through the `REACTIVE_STORAGE` connection (deleted / replaced since);
 *  - the Azure ML client and telemetry: the runtime's.
 * Problems with individual schedules are logged once per refresh and leave the other schedules working.
 */
import { createCredential } from '../aml/credential';
import { createArmClient } from '../aml/workspace';
import { readAmlSettings } from '../aml/settings';
import type { WorkspaceRef } from '../aml/types';
import { AppFailure } from '../errors';
import type { Runtime } from '../runtime';
import { loadScheduleDefinitionsFromSettings } from '../schedules/loadDefinitions';
import type { ScheduleDefinition } from '../schedules/definition';
import { ScheduleStateStore } from '../schedules/stateStore';
import { blobServiceFromSettings } from '../storage/blobService';
import { createBlobProbe } from './blobProbe';
import { ClaimStore } from './claims';
import { armDatastoreGetter, createDatastoreResolver, type DatastoreResolver } from './datastores';
import type { ReactiveDeps, ReactiveHistoryEntry, ReactiveSchedule } from './handler';
import { readReactiveWatchSourcesSync } from './loadSync';
import { planTriggers, REACTIVE_CONNECTION } from './registration';
import { buildReactiveSchedules } from './schedules';

export const REACTIVE_REFRESH_SETTING = 'REACTIVE_REFRESH_MS';
export const DEFAULT_REACTIVE_REFRESH_MS = 5 * 60_000;

export type ReactiveDepsProvider = () => Promise<Omit<ReactiveDeps, 'log'>>;

/** Maps a reactive history entry onto the state store's history format (blob name kept verbatim). */
export function toStateHistory(entry: ReactiveHistoryEntry): Parameters<ScheduleStateStore['appendHistory']>[1] {
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
  const subscriptionId = env.AML_SUBSCRIPTION_ID?.trim();
  const resourceGroup = env.AML_RESOURCE_GROUP?.trim();
  const workspaceName = env.AML_WORKSPACE_NAME?.trim();
  return subscriptionId && resourceGroup && workspaceName ? { workspace: { subscriptionId, resourceGroup, workspaceName } } : {};
}

export function createReactiveDepsProvider(runtime: Runtime, options: { readonly now?: () => Date } = {}): ReactiveDepsProvider {
  const now = options.now ?? (() => new Date());
  let base: Promise<Omit<ReactiveDeps, 'log' | 'schedules'> & { state: ScheduleStateStore; resolver: DatastoreResolver }> | undefined;
  let definitions: Promise<readonly ScheduleDefinition[]> | undefined;
  let built: { at: number; value: Promise<readonly ReactiveSchedule[]> } | undefined;
  const refreshMs = Number(runtime.env[REACTIVE_REFRESH_SETTING]) > 0 ? Number(runtime.env[REACTIVE_REFRESH_SETTING]) : DEFAULT_REACTIVE_REFRESH_MS;
  const watched = new Set(planTriggers(readReactiveWatchSourcesSync(runtime.env, runtime.appRoot).sources, runtime.env).containers);

  const getBase = (): NonNullable<typeof base> =>
    (base ??= (async () => {
      const state = ScheduleStateStore.fromSettings(runtime.env);
      if (!state.ok) throw new AppFailure(state.error);
      const aml = readAmlSettings(runtime.env);
      if (!aml.ok) throw new AppFailure(aml.error);
      const credential = createCredential(aml.value);
      const resolver = createDatastoreResolver(
        // The same ARM client set-up as workspace resolution: audience, endpoint and trusted roots from AML_* settings.
        armDatastoreGetter({ credential, createClient: (subscriptionId) => createArmClient(credential, subscriptionId, aml.value) }),
      );
      // The watched account (REACTIVE_STORAGE): used to check each matched blob still exists at its version.
      // Not configured (possible with the Event Grid trigger mode): events are trusted as they come.
      const watchedAccount = blobServiceFromSettings(runtime.env, { connection: REACTIVE_CONNECTION });
      if (!watchedAccount.ok) console.warn(`Reactive: ${watchedAccount.error.message} Blob events are not re-checked before submitting.`);
      return {
        ...(watchedAccount.ok ? { probe: createBlobProbe(watchedAccount.value) } : {}),
        state: state.value,
        resolver,
        claims: new ClaimStore(state.value.blobs),
        client: runtime.pipelineClient,
        telemetry: runtime.telemetry,
        now,
        isEnabled: async (name: string) => (await state.value.getState(name))?.state.enabled,
        history: (entry: ReactiveHistoryEntry) => state.value.appendHistory(entry.schedule, toStateHistory(entry)),
      };
    })().catch((e: unknown) => {
      base = undefined; // a configuration fixed by the operator is picked up by the next invocation
      throw e;
    }));

  const getDefinitions = (): Promise<readonly ScheduleDefinition[]> =>
    (definitions ??= loadScheduleDefinitionsFromSettings(runtime.env, { now: now(), cwd: runtime.appRoot }).then((loaded) => {
      if (!loaded.ok) {
        definitions = undefined;
        throw new AppFailure(loaded.error);
      }
      return loaded.value.definitions;
    }));

  const schedules = async (): Promise<readonly ReactiveSchedule[]> => {
    const t = now().getTime();
    if (!built || t - built.at >= refreshMs) {
      const value = (async () => {
        const b = await getBase();
        const result = await buildReactiveSchedules(await getDefinitions(), {
          targets: runtime.targets.targets,
          defaults: workspaceDefaults(runtime.env),
          resolver: b.resolver,
          watchedContainers: watched,
        });
        for (const p of result.problems) {
          console.warn(`Reactive: schedule "${p.schedule}" is not active: ${p.message} (${p.code})`);
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
    const { state: _state, resolver: _resolver, ...rest } = await getBase();
    return { ...rest, schedules };
  };
}
