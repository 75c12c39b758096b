/**
 * Schedule operations, the logic behind `aml-triggers schedules ...` and the `/api/schedules` routes
 * (no Functions types here): list with status and next run, get with the next N occurrences and the
 * last runs, enable / disable, apply a definitions file, delete, history. The SDK v1 equivalents are
 * `Schedule.list(active_only=, pipeline_id=, pipeline_endpoint_id=)`, `Schedule.get`, `enable()`,
 * `disable()`, `Schedule.create` / `update`, `get_last_pipeline_run()` and `get_pipeline_runs()`.
 *
 * Every operation resolves to a `Result`: unknown schedules are `schedule.not_found` (404), invalid
 * input `schedule.*` / `request.*` (400), and conflicts (a schedule with no definition any more, a
 * state that kept changing) 409. Storage failures are thrown by the store as `AppFailure`
 * (`storage.*`); callers turn them into exit code 1 / HTTP 503. A stored blob that cannot be read (a
 * corrupt state or history) affects only its own schedule: it is listed, shown and its history
 * answered with `stateError` saying which blob and what is wrong.
 *
 * Views are plain JSON (ISO 8601 UTC instants) so the CLI's `--json` and the HTTP responses are the
 * same documents (described in src/http/openapi.ts).
 */
import { inputToFile, type FileInput } from '../aml/v2Body';
import type { PipelineTarget } from '../aml/types';
import { AppFailure, appError, err, errorFrom, ok, showValue, type AppError, type Result } from '../errors';
import {
  describeRecurrence,
  formatInstant,
  occurrencesAfter,
  toRecurrenceJson,
  type Recurrence,
  type RecurrenceJson,
} from '../recurrence';
import { recurrenceFor, SCHEDULE_NAME_PATTERN, type ScheduleDefinition, type ScheduleStatus } from './definition';
import type { ScheduleFile } from './loadDefinitions';
import type { ApplyItem, ApplyReport, ScheduleRegistry } from './registry';
import { mapLimit } from '../util/mapLimit';
import type { ScheduleError } from './scheduleStates';
import type { ScheduleStateStore } from './stateStore';
import { disable, isRemoved, REMOVED_HASH } from './stateTransitions';
import { planTriggers } from '../reactive/registration';
import type { HistoryEntry, PendingRetry, ScheduleState } from './stateTypes';
import { SETTINGS } from '../settings';

/** Default and largest `next` of `get` **(ours)**: a preview, not a calendar export. */
export const DEFAULT_NEXT_COUNT = 5;
export const MAX_NEXT_COUNT = 100;
/** Runs shown by `get` (the SDK's `get_last_pipeline_run` is the first of them). */
export const DEFAULT_LAST_RUNS = 5;
/** Default `history` limit; the store keeps at most its own `historyLimit` (100) entries anyway. */
export const DEFAULT_HISTORY_COUNT = 20;
export const MAX_HISTORY_COUNT = 1000;

/** Which pipeline a schedule submits to, as written (plus the target's pipeline when it is known). */
export interface PipelineView {
  /** A configured target's name, when the schedule names one. */
  target?: string;
  /** Published pipeline id: written in the schedule, or the target's. */
  pipelineId?: string;
  /** Pipeline endpoint id: written in the schedule, or the target's. */
  pipelineEndpointId?: string;
  /** Pipeline endpoint name (targets that name the endpoint). */
  pipelineEndpointName?: string;
  version?: string;
}

export interface DatastoreView {
  datastore: string;
  /** Folder in the container whose top level fires the schedule; absent = the container's top level. */
  pathOnDatastore?: string;
  container?: string;
  dataPathParameterName?: string;
  /** Accepted for SDK v1 compatibility and ignored (blob arrivals are events; nothing polls). */
  pollingInterval?: number;
}

export interface LastRunView {
  status: HistoryEntry['status'];
  trigger: HistoryEntry['trigger'];
  occurrence?: string;
  runId?: string;
  recordedAt: string;
  error?: { code: string; message: string };
}

/** A stored blob of a schedule that cannot be read, and what is wrong with it. */
export interface StoredBlobProblem {
  /** `<container>/<blob>`, e.g. `aml-triggers/schedules/nightly/state.json`. */
  blob: string;
  code: string;
  /** What is wrong and what to do (fix or delete the blob). */
  message: string;
}

/** One line of a listing (`Schedule.list`). */
export interface ScheduleSummary {
  name: string;
  /** Absent only when neither a definition nor a readable state says it (`sync: 'unreadable'`, no definition). */
  kind?: 'time' | 'reactive';
  /**
   * `Active` or `Disabled`: what the app does now (the stored state), else the definition's status. A
   * schedule whose state cannot be read does not fire: `Disabled` (with `stateError`).
   */
  status: ScheduleStatus;
  /** SDK-like sentence: "Runs at 9:30 on Monday every 2 Weeks (W. Europe Standard Time, Europe/Berlin), from …". */
  summary: string;
  description?: string;
  pipeline: PipelineView;
  experimentName?: string;
  /** IANA time zone of a time schedule's recurrence (its occurrences' wall clock), e.g. `Europe/Berlin`. */
  timeZone?: string;
  /** The next occurrence the timer will handle; absent when disabled, reactive, ended or not yet synced. */
  nextRun?: string;
  lastRun?: LastRunView;
  /** Occurrences waiting for a retry after a transient failure. */
  pendingRetries: number;
  /**
   * `synced`: definition and state agree; `pending`: defined but not yet synced (no state, or the state
   * holds an older definition: the next sync or apply brings it in); `orphaned`: state kept after its
   * definition was removed (disabled; delete it or apply a definition); `elsewhere`: state of a schedule
   * defined in schedule files this process cannot see (the CLI run outside the app folder, or a
   * deployment not yet synced), shown from its state alone; `unreadable`: its state (or applied
   * definition) cannot be read (`stateError` says which blob and why): it does not fire until repaired.
   */
  sync: 'synced' | 'pending' | 'orphaned' | 'elsewhere' | 'unreadable';
  /** Where the definition was written (file and line), absent for orphans. */
  source?: { file: string; line?: number };
  /** A stored blob of this schedule (state, history, applied definition) that cannot be read. */
  stateError?: StoredBlobProblem;
  /** Why the schedule cannot do what its status says, e.g. a reactive schedule whose container no trigger watches. */
  warning?: string;
}

export interface ScheduleDetail extends ScheduleSummary {
  recurrence?: RecurrenceJson;
  datastore?: DatastoreView;
  pipelineParameters: Record<string, unknown>;
  /** v2 targets: the schedule's own inputs, in the schedule file's terms ({type, path, mode} / {type, value}). */
  inputs?: Record<string, FileInput>;
  continueOnStepFailure?: boolean;
  missedRuns?: 'skip' | 'latest' | 'all';
  missedRunsLimit?: number;
  /**
   * The next N occurrences of the recurrence strictly after now, from the recurrence engine. For a
   * disabled schedule they are what it would run if enabled (`status` says it will not).
   */
  nextOccurrences: string[];
  state?: {
    createdAt: string;
    updatedAt: string;
    enabledChangedAt?: string;
    lastOccurrence?: string;
    nextDue?: string;
    pending: PendingRetry[];
  };
  /** Newest first (`get_pipeline_runs`), at most `runs`. */
  lastRuns: HistoryEntry[];
  /** Notes worth knowing, e.g. that polling_interval is unused. */
  notes: string[];
}

export interface ListFilter {
  /** Only schedules that fire (`Schedule.list(active_only=True)`, the SDK's default). */
  readonly activeOnly?: boolean;
  readonly pipelineId?: string;
  readonly pipelineEndpointId?: string;
  readonly target?: string;
}

/** Looks up a configured target (to match target-based schedules against pipeline id filters). */
export type TargetLookup = (name: string) => PipelineTarget | undefined;

// ---------------------------------------------------------------------------------------------------
// Pure builders

export function pipelineView(def: ScheduleDefinition, lookup?: TargetLookup): PipelineView {
  if (def.pipeline.kind === 'inline') {
    const p = def.pipeline.pipeline;
    return p.kind === 'published'
      ? { pipelineId: p.pipelineId }
      : { pipelineEndpointId: p.pipelineEndpointId, ...(p.version !== undefined ? { version: p.version } : {}) };
  }
  const view: PipelineView = { target: def.pipeline.target };
  const p = lookup?.(def.pipeline.target)?.pipeline;
  if (p?.kind === 'published') view.pipelineId = p.pipelineId;
  else if (p?.kind === 'endpoint') view.pipelineEndpointId = p.pipelineEndpointId;
  else if (p?.kind === 'endpointByName') view.pipelineEndpointName = p.pipelineEndpointName;
  if (p && p.kind !== 'published' && p.version !== undefined) view.version = p.version;
  return view;
}

/** The SDK-like one-sentence summary of when a schedule runs. */
export function scheduleSentence(def: ScheduleDefinition, state?: ScheduleState): string {
  if (def.kind === 'time') {
    // Without start_time and without a state the start is "when the app stores it", not this call's now.
    if (def.anchoredAtCreation && !state)
      return describeRecurrence(def.recurrence, { from: 'when the app first stores the schedule (no start_time)' });
    return describeRecurrence(anchoredRecurrence(def, state));
  }
  const where = def.pathOnDatastore
    ? `"${def.pathOnDatastore}/" in datastore ${def.datastore}`
    : `the top level of datastore ${def.datastore}`;
  const param = def.dataPathParameterName ? `, passing the blob's path as "${def.dataPathParameterName}"` : '';
  return `Runs when a blob is added or modified in ${where}${param}`;
}

/** The recurrence with the anchor the timer uses (the state's creation instant for recurrences without start_time). */
export function anchoredRecurrence(
  def: Extract<ScheduleDefinition, { kind: 'time' }>,
  state?: ScheduleState,
): Recurrence {
  return state ? recurrenceFor(def, new Date(state.createdAt)) : def.recurrence;
}

function lastRunView(entry: HistoryEntry | undefined): LastRunView | undefined {
  if (!entry) return undefined;
  return {
    status: entry.status,
    trigger: entry.trigger,
    ...(entry.occurrence !== undefined ? { occurrence: entry.occurrence } : {}),
    ...(entry.runId !== undefined ? { runId: entry.runId } : {}),
    recordedAt: entry.recordedAt,
    ...(entry.error ? { error: { code: entry.error.code, message: entry.error.message } } : {}),
  };
}

/** The newer of the state's `lastRun` and the newest history entry (reactive runs only reach the history). */
export function latestRun(
  state: ScheduleState | undefined,
  newest: HistoryEntry | undefined,
): HistoryEntry | undefined {
  const fromState = state?.lastRun;
  if (!fromState) return newest;
  if (!newest) return fromState;
  return Date.parse(newest.recordedAt) > Date.parse(fromState.recordedAt) ? newest : fromState;
}

/**
 * Why a reactive schedule can never fire, when that is known here: it names no `container` (so its
 * datastore's container is looked up when a blob arrives) and no blob trigger is registered at all (no
 * schedule names a container and REACTIVE_CONTAINERS is empty). `watched`: the containers the app
 * registers triggers for (`planTriggers`).
 */
export function reactiveWatchWarning(def: ScheduleDefinition, watched: readonly string[]): string | undefined {
  if (def.kind !== 'reactive' || def.container !== undefined || watched.length > 0) return undefined;
  return `never fires: no blob trigger is registered (no reactive schedule names a \`container\` and the REACTIVE_CONTAINERS setting is empty); set \`container\` in the schedule to the container of datastore ${def.datastore}, or list it in REACTIVE_CONTAINERS, and restart the app.`;
}

/** Summary of a defined schedule with its state (absent: not yet synced); `newest`: its newest history entry, when read. */
export function summarize(
  def: ScheduleDefinition,
  state: ScheduleState | undefined,
  lookup?: TargetLookup,
  newest?: HistoryEntry,
  watched?: readonly string[],
): ScheduleSummary {
  const status: ScheduleStatus = state ? (state.enabled ? 'Active' : 'Disabled') : def.status;
  const last = lastRunView(latestRun(state, newest));
  return {
    name: def.name,
    kind: def.kind,
    status,
    summary: scheduleSentence(def, state),
    ...(def.description !== undefined ? { description: def.description } : {}),
    pipeline: pipelineView(def, lookup),
    ...(def.experimentName !== undefined ? { experimentName: def.experimentName } : {}),
    ...(def.kind === 'time' ? { timeZone: def.recurrence.timeZone } : {}),
    ...(state?.enabled && state.nextDue ? { nextRun: state.nextDue } : {}),
    ...(last ? { lastRun: last } : {}),
    pendingRetries: state?.pending.length ?? 0,
    sync: state && state.definitionHash === def.hash ? 'synced' : 'pending',
    source: { file: def.source.file, ...(def.source.line !== undefined ? { line: def.source.line } : {}) },
    ...(status === 'Active' && watched ? optional('warning', reactiveWatchWarning(def, watched)) : {}),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Whether a state without a visible definition was orphaned by a sync (its definition removed). */
export function isOrphaned(state: ScheduleState): boolean {
  return isRemoved(state);
}

/** What a listing shows for a blob that cannot be read. */
export function blobProblem(error: AppError): StoredBlobProblem {
  return { blob: error.source ?? '?', code: error.code, message: error.message };
}

/**
 * Summary of a schedule whose state cannot be read: from its definition when there is one, else its
 * name alone. It does not fire until the blob is repaired or deleted.
 */
export function summarizeUnreadable(
  name: string,
  def: ScheduleDefinition | undefined,
  problem: StoredBlobProblem,
  lookup?: TargetLookup,
): ScheduleSummary {
  const base: ScheduleSummary = def
    ? summarize(def, undefined, lookup)
    : { name, status: 'Disabled', summary: '', pipeline: {}, pendingRetries: 0, sync: 'unreadable' };
  const { nextRun: _n, ...rest } = base;
  return {
    ...rest,
    status: 'Disabled',
    summary: `Stored data cannot be read (${problem.blob}); it does not fire until the blob is fixed or deleted`,
    sync: 'unreadable',
    stateError: problem,
  };
}

/**
 * Summary of a state with no definition in sight: orphaned (kept, disabled, by the orphan policy), or
 * defined in files this process cannot read.
 */
export function summarizeOrphan(state: ScheduleState, newest?: HistoryEntry): ScheduleSummary {
  const last = lastRunView(latestRun(state, newest));
  const orphaned = isOrphaned(state);
  return {
    name: state.name,
    kind: state.kind,
    status: state.enabled ? 'Active' : 'Disabled',
    summary: orphaned
      ? 'No definition any more (removed from the schedule files); kept with its history until deleted'
      : 'Defined in schedule files not readable here (run in the app folder or set SCHEDULES_PATH to see the definition)',
    pipeline: {},
    ...(state.enabled && state.nextDue ? { nextRun: state.nextDue } : {}),
    ...(last ? { lastRun: last } : {}),
    pendingRetries: state.pending.length,
    sync: orphaned ? 'orphaned' : 'elsewhere',
  };
}

export function detail(
  def: ScheduleDefinition,
  state: ScheduleState | undefined,
  runs: readonly HistoryEntry[],
  options: {
    readonly now: Date;
    readonly next: number;
    readonly lookup?: TargetLookup;
    readonly watched?: readonly string[];
  },
): ScheduleDetail {
  const base = summarize(def, state, options.lookup, runs[0], options.watched);
  const notes: string[] = [];
  let nextOccurrences: string[] = [];
  const extra: Partial<ScheduleDetail> = {};
  if (def.kind === 'time') {
    const recurrence = anchoredRecurrence(def, state);
    nextOccurrences = occurrencesAfter(recurrence, options.now, options.next).map(formatInstant);
    extra.recurrence = toRecurrenceJson(recurrence);
    extra.missedRuns = def.missedRuns;
    if (def.missedRuns === 'all') extra.missedRunsLimit = def.missedRunsLimit;
    if (base.status === 'Disabled')
      notes.push(
        'Disabled: the occurrences listed are what it would run if enabled; enabling does not replay missed ones.',
      );
  } else {
    extra.datastore = {
      datastore: def.datastore,
      ...(def.pathOnDatastore !== undefined ? { pathOnDatastore: def.pathOnDatastore } : {}),
      ...(def.container !== undefined ? { container: def.container } : {}),
      ...(def.dataPathParameterName !== undefined ? { dataPathParameterName: def.dataPathParameterName } : {}),
      ...(def.pollingInterval !== undefined ? { pollingInterval: def.pollingInterval } : {}),
    };
    if (def.pollingInterval !== undefined) {
      notes.push(
        `polling_interval (${def.pollingInterval} minutes) is accepted for SDK v1 compatibility but unused: blob arrivals are delivered as events, nothing polls.`,
      );
    }
  }
  if (base.sync === 'pending')
    notes.push(
      'Not yet synced: the definition differs from the stored state; the next timer tick (or apply) brings it in.',
    );
  return {
    ...base,
    ...extra,
    pipelineParameters: { ...def.pipelineParameters },
    ...(def.inputs
      ? { inputs: Object.fromEntries(Object.entries(def.inputs).map(([n, i]) => [n, inputToFile(i)])) }
      : {}),
    ...(def.continueOnStepFailure !== undefined ? { continueOnStepFailure: def.continueOnStepFailure } : {}),
    nextOccurrences,
    ...(state ? { state: stateView(state) } : {}),
    lastRuns: [...runs],
    notes,
  };
}

export function orphanDetail(state: ScheduleState, runs: readonly HistoryEntry[]): ScheduleDetail {
  return {
    ...summarizeOrphan(state, runs[0]),
    pipelineParameters: {},
    nextOccurrences: [],
    state: stateView(state),
    lastRuns: [...runs],
    notes: [
      isOrphaned(state)
        ? 'Its definition was removed from the schedule files, so it never fires. Apply a definition with this name to bring it back, or delete it.'
        : 'Its definition is in schedule files this process cannot read (SCHEDULES_PATH relative to the app folder); only its stored state is shown.',
    ],
  };
}

function stateView(s: ScheduleState): NonNullable<ScheduleDetail['state']> {
  return {
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    ...(s.enabledChangedAt !== undefined ? { enabledChangedAt: s.enabledChangedAt } : {}),
    ...(s.lastOccurrence !== undefined ? { lastOccurrence: s.lastOccurrence } : {}),
    ...(s.enabled && s.nextDue !== undefined ? { nextDue: s.nextDue } : {}),
    pending: [...s.pending],
  };
}

/** Whether a summary passes a listing filter (pipeline filters match what the schedule or its target names). */
export function matchesFilter(s: ScheduleSummary, filter: ListFilter): boolean {
  if (filter.activeOnly && s.status !== 'Active') return false;
  if (filter.pipelineId !== undefined && s.pipeline.pipelineId !== filter.pipelineId) return false;
  if (filter.pipelineEndpointId !== undefined && s.pipeline.pipelineEndpointId !== filter.pipelineEndpointId)
    return false;
  if (filter.target !== undefined && s.pipeline.target !== filter.target) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Errors

/** Schedules an apply stored but could not give a state, each named with what failed. */
function incomplete(failed: readonly { name: string; error: AppError }[], total: number): AppError {
  const transient = failed.some((f) => f.error.transient === true);
  const names =
    failed
      .slice(0, 5)
      .map((f) => f.name)
      .join(', ') + (failed.length > 5 ? `, and ${failed.length - 5} more` : '');
  return {
    code: 'schedule.apply.incomplete',
    status: transient ? 503 : 409,
    ...(transient ? { transient } : {}),
    field: 'name',
    message: `${failed.length} of ${total} schedule${total === 1 ? '' : 's'} could not be brought into effect (${names}): their definitions are stored, their state and next run are not. Run the same apply again to finish: it syncs only what is not in place yet and changes nothing else${transient ? '' : ' (fix or delete the blobs named first)'}.`,
    errors: failed.map(({ name, error }) => ({
      ...error,
      field: 'name',
      value: name,
      message: `schedule ${name} was not applied: ${error.message}`,
    })),
  };
}

function contended(name: string): AppError {
  return appError('schedule.state.contended', { name }, { field: 'name', value: name });
}

export function notFound(name: string, known?: number): AppError {
  return {
    code: 'schedule.not_found',
    status: 404,
    field: 'name',
    value: name,
    message: `No schedule named ${showValue(name)}${known === 0 ? ': no schedules are defined' : ''}; \`aml-triggers schedules list\` (GET /api/schedules) lists them.`,
  };
}

/** A schedule name as given in a path or argument: checked before any storage access. */
export function checkName(name: string, field = 'name'): AppError | undefined {
  if (SCHEDULE_NAME_PATTERN.test(name)) return undefined;
  return appError('schedule.name.invalid', { name }, { field, value: name });
}

/** Checks a whole-number option (next, limit) given as text or number. */
export function checkCount(
  raw: string | number | undefined,
  field: string,
  fallback: number,
  max: number,
): { ok: true; value: number } | { ok: false; error: AppError } {
  if (raw === undefined || raw === '') return { ok: true, value: fallback };
  const text = String(raw).trim();
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    return {
      ok: false,
      error: appError('request.field.out_of_range', { field, value: raw, max }, { field, value: raw }),
    };
  }
  return { ok: true, value };
}

// ---------------------------------------------------------------------------------------------------
// Operations

/** Result of enable / disable. */
export interface EnableResult {
  name: string;
  status: ScheduleStatus;
  /** False when it already had that status (nothing was written). */
  changed: boolean;
  /** The next occurrence after enabling (never one in the past: enabling does not replay). */
  nextRun?: string;
}

export interface DeleteResult {
  name: string;
  /** `applied`: its applied definition was removed too; `orphan`: only stored state was left. */
  definition: 'applied' | 'orphan';
  /** Blobs removed (state, history, claims, due marker, definition). */
  blobsDeleted: number;
}

export interface HistoryView {
  name: string;
  /** Newest first, at most `limit` (none when the history cannot be read). */
  entries: HistoryEntry[];
  limit: number;
  /** How many entries the app keeps per schedule (older ones are dropped). */
  retained: number;
  /** The history blob cannot be read: which one and what is wrong (the next outcome starts it afresh). */
  stateError?: StoredBlobProblem;
}

/**
 * How far an apply is, for long ones: `definitions` stored, schedules whose state (and next run) is
 * `synced`, stored states `checked` (those the sync found already in line, read back for the result).
 */
export interface ApplyProgress {
  readonly stage: 'definitions' | 'synced' | 'checked';
  readonly done: number;
  readonly total: number;
}

export interface ApplyResult extends Omit<ApplyReport, 'warnings' | 'schedules'> {
  schedules: (ApplyItem & { nextRun?: string; status?: ScheduleStatus })[];
  /** Non-fatal remarks (e.g. polling_interval is unused), one sentence each naming file, line and field. */
  warnings: { code: string; message: string; field?: string; source?: string; line?: number }[];
}

export interface ScheduleOperationsDeps {
  readonly registry: ScheduleRegistry;
  readonly store: ScheduleStateStore;
  /** Configured targets, to match target-based schedules against pipeline id filters (best effort). */
  readonly targets?: () => ReadonlyMap<string, PipelineTarget>;
  /**
   * Refuse apply / delete when this process's app schedule files differ from those the store was last
   * synced with (the CLI sets it); a store no app ever synced its files into has nothing to differ from. Both re-sync every definition, so a command run with other files
   * than the deployed app's would disable, create or change the deployed file schedules until the app
   * re-syncs. The app itself (HTTP routes) is the authority on its files and leaves this off.
   */
  readonly requireMatchingFiles?: boolean;
  /** App settings, for the containers the app watches (REACTIVE_CONTAINERS); absent: not checked. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export class ScheduleOperations {
  private container: Promise<void> | undefined;

  constructor(private readonly deps: ScheduleOperationsDeps) {}

  /**
   * Creates the state container on first use (a new storage account has none; listing a missing
   * container fails). A caller allowed to read but not to create containers gets on with reading.
   */
  private async ready(write: boolean): Promise<void> {
    this.container ??= this.deps.store.ensureContainer().catch((e: unknown) => {
      this.container = undefined;
      throw e;
    });
    try {
      await this.container;
    } catch (e) {
      if (write || !(e instanceof AppFailure && e.error.code === 'storage.access_denied')) throw e;
    }
  }

  /** Every schedule (defined ones in definition order, then orphaned states by name), filtered. */
  async list(filter: ListFilter = {}): Promise<ScheduleSummary[]> {
    await this.ready(false);
    const [definitions, listed, problems] = await Promise.all([
      this.deps.registry.list(),
      this.deps.store.states.list(),
      this.deps.registry.problems(),
    ]);
    const { states, errors } = listed;
    const byName = new Map(states.map((s) => [s.state.name, s.state]));
    const unreadable = new Map<string, StoredBlobProblem>([
      ...problems.map((p) => [p.schedule, blobProblem(p)] as const),
      ...errors.map((e: ScheduleError) => [e.name, blobProblem(e.error)] as const),
    ]);
    const lookup = this.lookup();
    const defined = new Set(definitions.map((d) => d.name));
    // The timer keeps a time schedule's last run in its state; reactive runs are only in the history,
    // so their newest entry is read (one small read per reactive or never-run schedule).
    const needHistory = states.filter((s) => s.state.kind === 'reactive' || !s.state.lastRun).map((s) => s.state.name);
    const reads = await mapLimit(needHistory, 16, async (n) => [n, await this.deps.store.history.read(n, 1)] as const);
    const newest = new Map<string, HistoryEntry>();
    const historyProblems = new Map<string, StoredBlobProblem>();
    for (const [n, read] of reads) {
      if (read.status === 'corrupt') historyProblems.set(n, blobProblem(read.error));
      else if (read.entries[0]) newest.set(n, read.entries[0]);
    }
    const withHistoryProblem = (s: ScheduleSummary): ScheduleSummary => {
      const problem = historyProblems.get(s.name);
      return problem && !s.stateError ? { ...s, stateError: problem } : s;
    };
    const watched = this.watched(definitions);
    const all = [
      ...definitions.map((d) => {
        const problem = unreadable.get(d.name);
        return withHistoryProblem(
          problem
            ? summarizeUnreadable(d.name, d, problem, lookup)
            : summarize(d, byName.get(d.name), lookup, newest.get(d.name), watched),
        );
      }),
      ...[...new Set([...states.map((s) => s.state.name), ...unreadable.keys()])]
        .filter((n) => !defined.has(n))
        .sort((a, b) => a.localeCompare(b))
        .map((n) => {
          const problem = unreadable.get(n);
          const state = byName.get(n);
          return withHistoryProblem(
            problem || !state ? summarizeUnreadable(n, undefined, problem!) : summarizeOrphan(state, newest.get(n)),
          );
        }),
    ];
    return all.filter((s) => matchesFilter(s, filter));
  }

  async get(
    name: string,
    options: { readonly now: Date; readonly next?: number; readonly runs?: number },
  ): Promise<Result<ScheduleDetail, AppError>> {
    await this.ready(false);
    const [def, read, problems] = await Promise.all([
      this.deps.registry.get(name),
      this.deps.store.states.read(name),
      this.deps.registry.problems(),
    ]);
    const definitionProblem = problems.find((p) => p.schedule === name);
    if (!def && read.status === 'missing' && !definitionProblem) return err(notFound(name));
    const history = await this.deps.store.history.read(name, options.runs ?? DEFAULT_LAST_RUNS);
    const runs = history.entries;
    const stateProblem =
      read.status === 'corrupt'
        ? blobProblem(read.error)
        : definitionProblem
          ? blobProblem(definitionProblem)
          : undefined;
    const problem = stateProblem ?? (history.status === 'corrupt' ? blobProblem(history.error) : undefined);
    if (stateProblem) {
      const lookup = this.lookup();
      const base: ScheduleDetail = def
        ? detail(def, undefined, runs, { now: options.now, next: 0, lookup })
        : {
            ...summarizeUnreadable(name, undefined, stateProblem),
            pipelineParameters: {},
            nextOccurrences: [],
            lastRuns: [...runs],
            notes: [],
          };
      const { state: _s, ...rest } = base;
      return ok({
        ...rest,
        ...summarizeUnreadable(name, def, stateProblem, lookup),
        notes: [`${stateProblem.message} Until then this schedule does not fire; the others are not affected.`],
      });
    }
    const snapshot = read.status === 'found' ? read.snapshot : undefined;
    const watched = def?.kind === 'reactive' ? this.watched(await this.deps.registry.list()) : undefined;
    const shown = !def
      ? orphanDetail(snapshot!.state, runs)
      : detail(def, snapshot?.state, runs, {
          now: options.now,
          next: options.next ?? DEFAULT_NEXT_COUNT,
          lookup: this.lookup(),
          ...(watched ? { watched } : {}),
        });
    return ok(
      problem
        ? {
            ...shown,
            stateError: problem,
            notes: [...shown.notes, `Its run history cannot be read: ${problem.message}`],
          }
        : shown,
    );
  }

  /** The containers the app registers blob triggers for, as registration plans them; undefined without settings. */
  private watched(definitions: readonly ScheduleDefinition[]): readonly string[] | undefined {
    if (!this.deps.env) return undefined;
    const sources = definitions.flatMap((d) =>
      d.kind === 'reactive' ? [{ name: d.name, ...(d.container !== undefined ? { container: d.container } : {}) }] : [],
    );
    return planTriggers(sources, this.deps.env).containers;
  }

  /**
   * `enable()` / `disable()`. Disabling stops the schedule at once (no next run, pending retries
   * dropped, out of the due index). Enabling plans the first occurrence after `now`: nothing missed
   * while disabled is replayed. A schedule whose state does not exist yet is synced first. The switch
   * holds until the definition's own `status` changes (a file edit or an apply that changes it).
   */
  async setEnabled(name: string, enabled: boolean, now: Date): Promise<Result<EnableResult, AppError>> {
    await this.ready(true);
    const def = await this.deps.registry.get(name);
    if (!def) {
      const orphan = await this.deps.store.states.get(name);
      if (!orphan) return err(notFound(name));
      if (!enabled) {
        // Disabling needs no definition: a schedule whose files this process cannot read can be stopped.
        const result = await this.deps.store.states.update(name, now, (st) => disable(st, now));
        if (result.status === 'missing') return err(notFound(name));
        if (result.status === 'conflict') return err(contended(name));
        return ok({ name, status: 'Disabled', changed: result.status === 'saved' });
      }
      if (!isOrphaned(orphan.state)) {
        return err({
          code: 'schedule.definition.unavailable',
          status: 409,
          field: 'name',
          value: name,
          message: `Schedule ${showValue(name)} is defined in schedule files this process cannot read, and enabling needs its recurrence; run the command in the app folder (or set SCHEDULES_PATH), or use POST /api/schedules/${name}/enable.`,
        });
      }
      return err({
        code: 'schedule.definition.missing',
        status: 409,
        field: 'name',
        value: name,
        message: `Schedule ${showValue(name)} has no definition any more (it was removed from the schedule files), so it cannot be ${enabled ? 'enabled' : 'changed'}; apply a definition with this name, or delete it.`,
      });
    }
    // Not in the store yet: create its state from the definition. Enabling and disabling are never
    // refused for differing files (docs/operations.md): they change one schedule's switch, not the set.
    // In a store no app has synced its files into yet (local development), bring in all of them, as the
    // app's first tick would, so the next apply does not find this one schedule "synced" and the rest not.
    if (!(await this.deps.store.states.get(name))) {
      if (this.deps.requireMatchingFiles && !(await this.everSynced())) await this.deps.registry.sync(now);
      else await this.deps.store.states.syncDefinition(def, now);
    }
    const outcome = await this.deps.store.states.setEnabled(def, enabled, now);
    if (outcome.status === 'missing')
      return err({
        ...notFound(name),
        status: 409,
        code: 'schedule.state.missing',
        message: `The state of schedule ${showValue(name)} was deleted while it was being ${enabled ? 'enabled' : 'disabled'}; try again.`,
      });
    const s = outcome.snapshot.state;
    return ok({
      name,
      status: s.enabled ? 'Active' : 'Disabled',
      changed: outcome.status === 'changed',
      ...(s.enabled && s.nextDue ? { nextRun: s.nextDue } : {}),
    });
  }

  /**
   * `Schedule.create` / `update` from definitions files: creates or updates, reporting what changed.
   * The result is true for every schedule: its state is stored and its status and next run are the
   * stored ones. A schedule whose state could not be written is named in a `schedule.apply.incomplete`
   * error (with what failed); the definitions are stored by then, and running the same apply again
   * syncs what is not in place yet and changes nothing else. `progress` hears how far it is.
   */
  async apply(
    files: readonly ScheduleFile[],
    options: { readonly now: Date; readonly dryRun?: boolean; readonly progress?: (p: ApplyProgress) => void },
  ): Promise<Result<ApplyResult, AppError>> {
    await this.ready(options.dryRun !== true);
    if (this.deps.requireMatchingFiles && !options.dryRun) {
      const mismatch = await this.filesMismatch();
      if (mismatch) return err(mismatch);
    }
    const progress = options.progress;
    const states = new Map<string, ScheduleState>();
    const failures = new Map<string, AppError>();
    const report = await this.deps.registry.apply(files, options.now, {
      dryRun: options.dryRun === true,
      ...(progress
        ? { onStored: (done: number, total: number) => progress({ stage: 'definitions', done, total }) }
        : {}),
      onSynced: (p) => {
        if (p.state) {
          states.set(p.name, p.state);
          failures.delete(p.name);
        } else if (p.error) failures.set(p.name, p.error);
        progress?.({ stage: 'synced', done: p.done, total: p.total });
      },
    });
    if (!report.ok) return report;
    const r = report.value;
    if (!r.dryRun) {
      // The schedules the sync did not touch (already in line by the catalog): read back, and synced
      // here when their state is missing or holds another definition (e.g. deleted by hand).
      const rest = r.schedules.filter((i) => !states.has(i.name) && !failures.has(i.name));
      const defs =
        rest.length > 0
          ? new Map((await this.deps.registry.list()).map((d) => [d.name, d]))
          : new Map<string, ScheduleDefinition>();
      let checked = 0;
      await mapLimit(rest, 16, async (item) => {
        try {
          const state = await this.stateInLine(defs.get(item.name), item.name, options.now);
          if (state) states.set(item.name, state);
        } catch (e) {
          failures.set(item.name, errorFrom(e, { code: 'storage.unavailable', transient: true }));
        }
        progress?.({ stage: 'checked', done: ++checked, total: rest.length });
      });
      const failed = r.schedules.filter((i) => failures.has(i.name));
      if (failed.length > 0)
        return err(
          incomplete(
            failed.map((i) => ({ name: i.name, error: failures.get(i.name)! })),
            r.schedules.length,
          ),
        );
    }
    return ok({
      dryRun: r.dryRun,
      created: r.created,
      updated: r.updated,
      unchanged: r.unchanged,
      schedules: r.schedules.map((item) => {
        const s = states.get(item.name);
        return {
          ...item,
          ...(s ? { status: s.enabled ? ('Active' as const) : ('Disabled' as const) } : {}),
          ...(s?.enabled && s.nextDue ? { nextRun: s.nextDue } : {}),
        };
      }),
      warnings: r.warnings.map((w) => ({
        code: w.code,
        message: w.message,
        ...(w.field !== undefined ? { field: w.field } : {}),
        ...(w.source !== undefined ? { source: w.source } : {}),
        ...(w.line !== undefined ? { line: w.line } : {}),
      })),
    });
  }

  /** The stored state of an applied schedule, synced first when it is missing or holds another definition. */
  private async stateInLine(
    def: ScheduleDefinition | undefined,
    name: string,
    now: Date,
  ): Promise<ScheduleState | undefined> {
    const current = await this.deps.store.states.get(name);
    if (!def || (current && current.state.definitionHash === def.hash)) return current?.state;
    return (await this.deps.store.states.syncDefinition(def, now)).snapshot.state;
  }

  /**
   * Deletes a schedule: its applied definition, state, history and claims. A schedule defined in the
   * app's files is a conflict (it would come back on the next sync): edit the file, or disable it.
   */
  async delete(name: string, now: Date): Promise<Result<DeleteResult, AppError>> {
    await this.ready(true);
    const origin = await this.deps.registry.originOf(name);
    if (origin === 'file') {
      const removed = await this.deps.registry.remove(name, now);
      if (!removed.ok) return removed;
    }
    let definition: DeleteResult['definition'] = 'orphan';
    if (origin === 'applied') {
      if (this.deps.requireMatchingFiles) {
        const mismatch = await this.filesMismatch();
        if (mismatch) return err(mismatch);
      }
      const removed = await this.deps.registry.remove(name, now);
      if (!removed.ok) return removed;
      if (removed.value.removed) definition = 'applied';
    }
    if (origin === undefined) {
      const read = await this.deps.store.states.read(name);
      if (read.status === 'missing') return err(notFound(name));
      const snapshot = read.status === 'found' ? read.snapshot : undefined;
      if (snapshot && !isOrphaned(snapshot.state)) {
        // Deleting the state of a schedule still defined somewhere would silently stop it: refuse.
        return err({
          code: 'schedule.definition.unavailable',
          status: 409,
          field: 'name',
          value: name,
          message: `Schedule ${showValue(name)} is defined in schedule files this process cannot read; delete it from those files and deploy (run the command in the app folder to see where), or disable it.`,
        });
      }
    }
    const deleted = await this.deps.store.delete(name);
    if (deleted.status === 'missing' && definition === 'orphan') return err(notFound(name));
    return ok({ name, definition, blobsDeleted: deleted.blobsDeleted + (definition === 'applied' ? 1 : 0) });
  }

  /** `get_pipeline_runs()`: the newest `limit` runs, newest first. */
  async history(name: string, options: { readonly limit?: number } = {}): Promise<Result<HistoryView, AppError>> {
    await this.ready(false);
    const limit = options.limit ?? DEFAULT_HISTORY_COUNT;
    const [def, read] = await Promise.all([this.deps.registry.get(name), this.deps.store.states.read(name)]);
    if (!def && read.status === 'missing' && !(await this.deps.registry.problems()).some((p) => p.schedule === name))
      return err(notFound(name));
    const history = await this.deps.store.history.read(name, limit);
    return ok({
      name,
      entries: history.entries,
      limit,
      retained: this.deps.store.history.limit,
      ...(history.status === 'corrupt' ? { stateError: blobProblem(history.error) } : {}),
    });
  }

  /** Whether the state of any schedule from an app's files was ever stored here. */
  private async everSynced(): Promise<boolean> {
    const [files, all, { states }] = await Promise.all([
      this.deps.registry.fileDefinitions(),
      this.deps.registry.list(),
      this.deps.store.states.list(),
    ]);
    const applied = new Set(all.map((d) => d.name).filter((n) => !files.byName.has(n)));
    return states.some(({ state }) => !applied.has(state.name));
  }

  /**
   * Compares the app schedule files this process reads with the stored states of file-defined
   * schedules (name and definition hash); undefined when they agree.
   */
  private async filesMismatch(): Promise<AppError | undefined> {
    const [files, all, catalog] = await Promise.all([
      this.deps.registry.fileDefinitions(),
      this.deps.registry.list(),
      this.deps.store.catalog.read(),
    ]);
    const applied = new Set(all.map((d) => d.name).filter((n) => !files.byName.has(n)));
    // What the app last synced, by name and definition hash: the catalog (one read, whatever the number
    // of schedules: an apply of thousands does not first read every state); the states themselves when
    // the catalog names no file schedule (missing or unreadable, or nothing synced yet).
    let synced: [string, string][] = Object.entries(catalog.schedules).filter(([name]) => !applied.has(name));
    let everSynced = synced.length > 0;
    if (!everSynced) {
      const { states } = await this.deps.store.states.list();
      synced = states
        .filter(({ state }) => state.definitionHash !== REMOVED_HASH && !applied.has(state.name))
        .map(({ state }) => [state.name, state.definitionHash]);
      // Nothing from any app's files was ever stored (a new store, local development): nothing to differ from.
      everSynced = states.some(({ state }) => !applied.has(state.name));
    }
    const differences: string[] = [];
    const stored = new Set<string>();
    for (const [name, hash] of synced) {
      stored.add(name);
      const local = files.byName.get(name);
      if (!local) differences.push(`${name} (in the app, not in the files here)`);
      else if (local.hash !== hash) differences.push(`${name} (edited here)`);
    }
    if (!everSynced) return undefined;
    for (const def of files.definitions)
      if (!stored.has(def.name)) differences.push(`${def.name} (only in the files here)`);
    if (differences.length === 0) return undefined;
    const shown =
      differences.slice(0, 5).join(', ') + (differences.length > 5 ? `, and ${differences.length - 5} more` : '');
    return {
      code: 'schedule.files.mismatch',
      status: 409,
      field: SETTINGS.schedulesPath.name,
      message: `The schedule files read here (SCHEDULES_PATH, relative to the app folder) differ from the ones the app last synced: ${shown}. apply and delete re-sync every schedule from the files read here, so they would disable or change the deployed ones. To go on: run the command in a checkout of the deployed app (or set SCHEDULES_PATH to its schedule files), or use the app's HTTP routes (POST /api/schedules, DELETE /api/schedules/{name}); --dry-run shows what apply would do. enable and disable work either way.`,
    };
  }

  private lookup(): TargetLookup | undefined {
    let targets: ReadonlyMap<string, PipelineTarget> | undefined;
    try {
      targets = this.deps.targets?.();
    } catch {
      return undefined; // no usable targets file: target-based schedules match on their target name only
    }
    return targets ? (name) => targets.get(name) : undefined;
  }
}
