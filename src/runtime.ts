/**
 * Composition root: the process-wide objects the function modules share, each built on first use and
 * then cached. Importing this module builds nothing (function modules import it at load, and the
 * registration contract test loads them without any configuration).
 *
 * Later features add their own lazy getters here (schedule store, ...): keep each one a getter over a
 * cached value, built from `env` / `appRoot`, so tests can build a `Runtime` with their own settings.
 */
import { AppFailure, type AppError, type Result } from './errors';
import type { PipelineClient } from './aml/types';
import { createPipelineClient } from './aml/client';
import { createCredential } from './aml/credential';
import { readAmlSettings, type AmlSettings } from './aml/settings';
import type { TokenCredential } from '@azure/identity';
import { getTelemetry, type Telemetry } from './telemetry';
import { findAppRoot, loadTargets, type Env, type TargetCatalog } from './config/targets';
import { ScheduleStateStore } from './schedules/stateStore';
import { ScheduleRegistry } from './schedules/registry';
import { loadScheduleDefinitionsFromSettings, type LoadedSchedules } from './schedules/loadDefinitions';
import type { TickLog } from './schedules/tick';
import { TickHeartbeat } from './health/heartbeat';
import { BlobJsonStore } from './storage/blobJson';
import { blobServiceFromSettings } from './storage/blobService';
import {
  defaultWorkspaceSettings,
  FEATURES,
  processSettings,
  REACTIVE_CONNECTION,
  readSetting,
  settingProblems,
  SETTINGS,
} from './settings';
import { resolveScheduleTarget } from './schedules/definition';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { TargetStatusMap } from './targets/mayFire';
import { TargetOperations } from './targets/operations';
import { ScheduleOperations } from './schedules/operations';
import type { PipelineStatusSetter } from './aml/pipelineStatus';

/** `RunSource` sent with submissions that do not set one: "SDK", what the v1 SDK sends. */
export const DEFAULT_RUN_SOURCE = SETTINGS.runSource.default;

export interface Runtime {
  /** App settings this runtime reads. */
  readonly env: Env;
  /** Folder holding host.json; relative paths in settings are resolved against it. */
  readonly appRoot: string;
  readonly telemetry: Telemetry;
  /** The configured targets. Throws `AppFailure` (every time, the failure is cached) when the targets file is invalid. */
  readonly targets: TargetCatalog;
  readonly pipelineClient: PipelineClient;
  /** The Azure ML client settings (`AML_*`). Throws `AppFailure` naming every invalid one. */
  readonly amlSettings: AmlSettings;
  /** The app's identity for ARM and Azure ML tokens outside the client (datastore look-ups, the health probe). Throws like `amlSettings`. */
  readonly credential: TokenCredential;
  /** `RunSource` for HTTP submissions that do not set one. */
  readonly runSource: string;
  /** Schedule state in Blob Storage (`AzureWebJobsStorage`, `SCHEDULE_STATE_CONTAINER`). Throws `AppFailure` on bad settings. */
  readonly scheduleStore: ScheduleStateStore;
  /** Every schedule definition: the app's files (`SCHEDULES_PATH`) and those applied at run time. */
  readonly schedules: ScheduleRegistry;
  /** The watched storage account of reactive schedules (`REACTIVE_STORAGE`), or why there is none. */
  readonly watchedAccount: Result<BlobServiceClient, AppError>;
  /** Target operations (list with status and schedules, disable, enable). Throws `AppFailure` on bad storage settings. */
  readonly targetOperations: TargetOperations;
  /** The targets' run-time statuses (`targets/status.json` in the schedule state container); throws `AppFailure` on bad storage settings or an unreadable blob. */
  targetStatuses(): Promise<TargetStatusMap>;
  /** The timer's heartbeat blob in the schedule state container (src/health/heartbeat.ts). Throws `AppFailure` on bad storage settings. */
  readonly tickHeartbeat: TickHeartbeat;
  /**
   * Loads everything that can be wrong in configuration. Throws an `AppFailure` with the full message
   * when something every feature needs is wrong (the targets file, an `AML_*` setting), so a broken
   * deployment fails loudly at start; logs every other invalid setting by name through `log` (default
   * console.error): its feature is off until it is fixed, the rest goes on (src/settings.ts). Called by
   * the host's appStart hook.
   */
  validateStartup(log?: (line: string) => void): void;
  /**
   * Loads the app's schedule files (`SCHEDULES_PATH`) and says what it found: a summary and any warnings
   * through `log.info` / `log.warn`, or every problem (file, line, field, value) through `log.error`.
   * Never throws: the pipelines keep working when a schedule file is broken; the timer reports it too.
   * Resolves to true when the files load.
   */
  validateSchedules(log?: TickLog): Promise<boolean>;
}

export interface RuntimeOptions {
  env?: Env;
  appRoot?: string;
  telemetry?: Telemetry;
  /** Use this client instead of building one from settings. */
  pipelineClient?: PipelineClient;
  /** Use this schedule state store instead of building one from settings. */
  scheduleStore?: ScheduleStateStore;
  /** The clock schedule files and the registry read "now" from (default: the system clock). */
  clock?: () => Date;
}

export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const env: Env = options.env ?? processSettings();
  const clock = options.clock ?? (() => new Date());
  let appRoot: string | undefined = options.appRoot;
  let telemetry: Telemetry | undefined = options.telemetry;
  let client: PipelineClient | undefined = options.pipelineClient;
  let amlSettings: AmlSettings | undefined;
  let credential: TokenCredential | undefined;
  let targets: { ok: true; value: TargetCatalog } | { ok: false; error: AppError } | undefined;
  let scheduleStore: ScheduleStateStore | undefined = options.scheduleStore;
  let schedules: ScheduleRegistry | undefined;
  let tickHeartbeat: TickHeartbeat | undefined;
  let watchedAccount: Result<BlobServiceClient, AppError> | undefined;
  let targetOperations: TargetOperations | undefined;
  let scheduleFiles: Promise<Result<LoadedSchedules, AppError>> | undefined;
  /** The app's schedule files, read once: start-up's check and the registry share the result. */
  const loadScheduleFiles = (): Promise<Result<LoadedSchedules, AppError>> =>
    (scheduleFiles ??= loadScheduleDefinitionsFromSettings(env, { now: clock(), cwd: runtime.appRoot }));

  const runtime: Runtime = {
    env,
    get appRoot() {
      return (appRoot ??= findAppRoot());
    },
    get telemetry() {
      return (telemetry ??= getTelemetry(env as NodeJS.ProcessEnv));
    },
    get targets() {
      targets ??= loadTargets({ env, appRoot: runtime.appRoot });
      if (!targets.ok) throw new AppFailure(targets.error);
      return targets.value;
    },
    get pipelineClient() {
      return (client ??= createPipelineClient({ env, telemetry: runtime.telemetry }));
    },
    get amlSettings() {
      if (amlSettings) return amlSettings;
      const read = readAmlSettings(env);
      if (!read.ok) throw new AppFailure(read.error);
      return (amlSettings = read.value);
    },
    get credential() {
      return (credential ??= createCredential(runtime.amlSettings));
    },
    get runSource() {
      const read = readSetting(env, SETTINGS.runSource);
      return read.ok ? read.value : DEFAULT_RUN_SOURCE;
    },
    get scheduleStore() {
      if (scheduleStore) return scheduleStore;
      const built = ScheduleStateStore.fromSettings(env);
      if (!built.ok) throw new AppFailure(built.error);
      return (scheduleStore = built.value);
    },
    get schedules() {
      return (schedules ??= new ScheduleRegistry({
        store: runtime.scheduleStore,
        files: loadScheduleFiles,
        clock,
        targets: () => runtime.targets.targets,
      }));
    },
    get watchedAccount() {
      return (watchedAccount ??= blobServiceFromSettings(env, { connection: REACTIVE_CONNECTION }));
    },
    get targetOperations() {
      return (targetOperations ??= new TargetOperations({
        statuses: runtime.scheduleStore.targets,
        schedules: new ScheduleOperations({
          registry: runtime.schedules,
          store: runtime.scheduleStore,
          targets: () => runtime.targets.targets,
          env,
        }),
        targets: () => runtime.targets.targets,
        azureMl: () => {
          const c = runtime.pipelineClient as PipelineClient & Partial<PipelineStatusSetter>;
          return c.setPublishedPipelineStatus ? (c as PipelineStatusSetter) : undefined;
        },
      }));
    },
    targetStatuses() {
      return runtime.scheduleStore.targets.statuses();
    },
    get tickHeartbeat() {
      if (tickHeartbeat) return tickHeartbeat;
      const service = blobServiceFromSettings(env);
      if (!service.ok) throw new AppFailure(service.error);
      const container = readSetting(env, SETTINGS.stateContainer);
      if (!container.ok) throw new AppFailure(container.error);
      return (tickHeartbeat = new TickHeartbeat(BlobJsonStore.forContainer(service.value, container.value)));
    },
    validateStartup(log) {
      const problems = settingProblems(env);
      for (const p of problems)
        if (!FEATURES[p.setting.feature].fatal) (log ?? console.error)(`${p.error.code}: ${p.error.message}`);
      const catalog = runtime.targets;
      if (catalog.notice) (log ?? console.warn)(catalog.notice);
      else
        (log ?? console.log)(
          `Loaded ${catalog.targets.size} pipeline target(s) from ${catalog.source ?? '(none)'}: ${[...catalog.targets.keys()].join(', ')}.`,
        );
      void runtime.amlSettings; // invalid AML_* client settings throw here
      void runtime.pipelineClient;
    },
    async validateSchedules(log = { info: console.log, warn: console.warn, error: console.error }) {
      let loaded;
      try {
        loaded = await loadScheduleFiles();
      } catch (e) {
        log.error(`Schedule files could not be read: ${e instanceof Error ? e.message : String(e)}`);
        return false;
      }
      if (!loaded.ok) {
        // The message lists every problem (file:line, field, value), one per line.
        log.error(
          `Schedule files are invalid; no schedule from them runs until they are fixed (${loaded.error.code}): ${loaded.error.message}`,
        );
        return false;
      }
      const defs = loaded.value.definitions;
      const time = defs.filter((d) => d.kind === 'time').length;
      log.info(
        `Loaded ${defs.length} schedule(s) from the app's files (${time} time-based, ${defs.length - time} reactive)${defs.length ? `: ${defs.map((d) => d.name).join(', ')}` : ''}.`,
      );
      for (const w of loaded.value.warnings) log.warn(`${w.code}: ${w.message}`);
      // A time schedule that cannot be resolved against the targets (an unknown target, v2 inputs on a v1
      // pipeline, inputs its target cannot take) would fail each occurrence when it comes due: said now, by
      // name, so a broken deployment shows in the start-up log. It stays local: the files are valid and
      // every other schedule runs. (Reactive schedules are resolved when the blob trigger starts,
      // src/reactive/schedules.ts; an invalid targets file is reported by validateStartup.)
      let catalog: TargetCatalog | undefined;
      try {
        catalog = runtime.targets;
      } catch {
        catalog = undefined;
      }
      if (catalog) {
        const workspace = defaultWorkspaceSettings(runtime.env);
        for (const def of defs) {
          if (def.kind !== 'time') continue;
          const resolved = resolveScheduleTarget(def, catalog.targets, workspace ? { workspace } : {});
          if (!resolved.ok)
            log.error(
              `schedule ${def.name}: each occurrence will fail until this is fixed (${resolved.error.code}): ${resolved.error.message}`,
            );
        }
      }
      return true;
    },
  };
  return runtime;
}

/** The process-wide runtime, configured from the process's app settings (`processSettings()`). */
export const runtime: Runtime = createRuntime();
