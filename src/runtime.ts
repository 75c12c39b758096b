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
import { getTelemetry, type Telemetry } from './telemetry';
import { findAppRoot, loadTargets, type Env, type TargetCatalog } from './config/targets';
import { ScheduleStateStore } from './schedules/stateStore';
import { ScheduleRegistry } from './schedules/registry';
import { loadScheduleDefinitionsFromSettings, type LoadedSchedules } from './schedules/loadDefinitions';
import type { TickLog } from './schedules/tick';
import { TickHeartbeat } from './health/heartbeat';
import { BlobJsonStore } from './storage/blobJson';
import { blobServiceFromSettings } from './storage/blobService';
import { DEFAULT_SCHEDULE_STATE_CONTAINER, SCHEDULE_STATE_CONTAINER_SETTING } from './schedules/stateStore';

/** App settings read here (besides the ones the targets file and the Azure ML client read). */
export const RUNTIME_SETTINGS = {
  /** `RunSource` of submissions (timer, reactive, HTTP) that do not set one. Default "SDK", what the v1 SDK sends. */
  runSource: 'AML_RUN_SOURCE',
} as const;

export const DEFAULT_RUN_SOURCE = 'SDK';

export interface Runtime {
  /** App settings this runtime reads. */
  readonly env: Env;
  /** Folder holding host.json; relative paths in settings are resolved against it. */
  readonly appRoot: string;
  readonly telemetry: Telemetry;
  /** The configured targets. Throws `AppFailure` (every time, the failure is cached) when the targets file is invalid. */
  readonly targets: TargetCatalog;
  readonly pipelineClient: PipelineClient;
  /** `RunSource` for HTTP submissions that do not set one. */
  readonly runSource: string;
  /** Schedule state in Blob Storage (`AzureWebJobsStorage`, `SCHEDULE_STATE_CONTAINER`). Throws `AppFailure` on bad settings. */
  readonly scheduleStore: ScheduleStateStore;
  /** Every schedule definition: the app's files (`SCHEDULES_PATH`) and those applied at run time. */
  readonly schedules: ScheduleRegistry;
  /** The timer's heartbeat blob in the schedule state container (src/health/heartbeat.ts). Throws `AppFailure` on bad storage settings. */
  readonly tickHeartbeat: TickHeartbeat;
  /**
   * Loads everything that can be wrong in configuration and throws an `AppFailure` with the full message
   * when something is. Called by the host's appStart hook so a broken deployment fails loudly at start.
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
}

export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const env: Env = options.env ?? process.env;
  let appRoot: string | undefined = options.appRoot;
  let telemetry: Telemetry | undefined = options.telemetry;
  let client: PipelineClient | undefined = options.pipelineClient;
  let targets: { ok: true; value: TargetCatalog } | { ok: false; error: AppError } | undefined;
  let scheduleStore: ScheduleStateStore | undefined = options.scheduleStore;
  let schedules: ScheduleRegistry | undefined;
  let tickHeartbeat: TickHeartbeat | undefined;
  let scheduleFiles: Promise<Result<LoadedSchedules, AppError>> | undefined;
  /** The app's schedule files, read once: start-up's check and the registry share the result. */
  const loadScheduleFiles = (): Promise<Result<LoadedSchedules, AppError>> =>
    (scheduleFiles ??= loadScheduleDefinitionsFromSettings(env, { now: new Date(), cwd: runtime.appRoot }));

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
    get runSource() {
      return env[RUNTIME_SETTINGS.runSource]?.trim() || DEFAULT_RUN_SOURCE;
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
        targets: () => runtime.targets.targets,
      }));
    },
    get tickHeartbeat() {
      if (tickHeartbeat) return tickHeartbeat;
      const service = blobServiceFromSettings(env);
      if (!service.ok) throw new AppFailure(service.error);
      const container = env[SCHEDULE_STATE_CONTAINER_SETTING]?.trim() || DEFAULT_SCHEDULE_STATE_CONTAINER;
      return (tickHeartbeat = new TickHeartbeat(BlobJsonStore.forContainer(service.value, container)));
    },
    validateStartup(log) {
      const catalog = runtime.targets;
      if (catalog.notice) (log ?? console.warn)(catalog.notice);
      else (log ?? console.log)(`Loaded ${catalog.targets.size} pipeline target(s) from ${catalog.source ?? '(none)'}: ${[...catalog.targets.keys()].join(', ')}.`);
      void runtime.pipelineClient; // builds the client: invalid AML_* client settings throw here too
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
        log.error(`Schedule files are invalid; no schedule from them runs until they are fixed (${loaded.error.code}): ${loaded.error.message}`);
        return false;
      }
      const defs = loaded.value.definitions;
      const time = defs.filter((d) => d.kind === 'time').length;
      log.info(`Loaded ${defs.length} schedule(s) from the app's files (${time} time-based, ${defs.length - time} reactive)${defs.length ? `: ${defs.map((d) => d.name).join(', ')}` : ''}.`);
      for (const w of loaded.value.warnings) log.warn(`${w.code}: ${w.message}`);
      return true;
    },
  };
  return runtime;
}

/** The process-wide runtime, configured from `process.env`. */
export const runtime: Runtime = createRuntime();
