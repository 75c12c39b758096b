/**
 * The reactive logic, free of the Functions runtime: given one blob event (already parsed from the
 * host's trigger metadata or an Event Grid event, never the blob's bytes), find the schedules it fires,
 * claim `(schedule, blob, ETag)` once, submit the pipeline with the blob as a DataPath, and record what
 * happened (log line, telemetry event, history entry).
 *
 * Outcome per matched schedule: `submitted`, `duplicate` (this blob version already started a run),
 * `in-progress` (another delivery of the same event is submitting it right now), `disabled`,
 * `gave-up` (an earlier attempt failed permanently, or too often), or `failed` (this attempt failed;
 * `retry` says whether the invocation should fail so the host delivers it again).
 */
import { performance } from 'node:perf_hooks';
import { submissionKey } from '../aml/submissionKey';
import type { PipelineClient, PipelineTarget, SubmissionBody } from '../aml/types';
import type { AppError } from '../errors';
import type { ReactiveScheduleDefinition } from '../schedules/definition';
import type { Telemetry } from '../telemetry';
import { normalizeEtag, type BlobEvent } from './blobEvent';
import type { ClaimRecord, ClaimStore } from './claims';
import { IGNORE_EXPLANATION, ignoreReason, matchingSchedules, type IgnoreReason, type Watch } from './match';

/** A reactive schedule ready to act on: its definition, resolved target and watched folder, and state. */
export interface ReactiveSchedule {
  readonly definition: ReactiveScheduleDefinition;
  readonly target: PipelineTarget;
  readonly watch: Watch;
  /** `status: Active` in the definition and not disabled at run time (the state store's flag). */
  readonly enabled: boolean;
}

export type RunStatus = 'submitted' | 'duplicate' | 'in-progress' | 'disabled' | 'gave-up' | 'failed';

export interface ScheduleRun {
  readonly schedule: string;
  readonly status: RunStatus;
  readonly runId?: string;
  readonly attempts?: number;
  readonly error?: AppError;
  /** For `failed`: whether a later delivery may succeed (the invocation should fail so the host retries). */
  readonly retry?: boolean;
  /** Milliseconds spent waiting on the claim store and on Azure ML (the rest is the app's own time). */
  readonly timings?: RunTimings;
}

export interface RunTimings {
  /** Reading the run-time enabled flag. */
  readonly enabledMs: number;
  /** Acquiring the claim (one create-if-absent; a read more for a duplicate). */
  readonly claimMs: number;
  /** The submission, including the client's own retries. */
  readonly submitMs: number;
  /** Recording the outcome in the claim and the history. */
  readonly recordMs: number;
}

export interface ReactiveOutcome {
  readonly container: string;
  readonly blobName: string;
  readonly etag: string;
  readonly ignored?: { readonly reason: IgnoreReason | 'no-matching-schedule'; readonly explanation: string };
  readonly runs: readonly ScheduleRun[];
  /** True when at least one run failed in a way worth a redelivery. */
  readonly retry: boolean;
  /** Milliseconds spent on the probe (HEAD) request, when one was made. */
  readonly probeMs?: number;
}

/** One history entry per submission attempt (the blob name verbatim, as RelativePath was sent). */
export interface ReactiveHistoryEntry {
  readonly schedule: string;
  readonly at: string;
  readonly trigger: 'blob';
  readonly container: string;
  readonly blobName: string;
  readonly etag: string;
  readonly datastore: string;
  readonly status: 'submitted' | 'failed';
  readonly runId?: string;
  readonly attempts: number;
  readonly error?: AppError;
  readonly durationMs: number;
}

export type LogLevel = 'info' | 'warn' | 'error';

/** A blob's current state, read with a HEAD request (properties only, never the content). */
export type BlobProbe = { readonly exists: false } | { readonly exists: true; readonly etag: string; readonly contentLength?: number };

export interface ReactiveDeps {
  /** The reactive schedules as they are now (definitions, resolved containers, enabled flags). */
  readonly schedules: () => Promise<readonly ReactiveSchedule[]> | readonly ReactiveSchedule[];
  readonly claims: ClaimStore;
  readonly client: PipelineClient;
  readonly telemetry: Telemetry;
  readonly log: (level: LogLevel, message: string) => void;
  readonly now: () => Date;
  readonly history?: (entry: ReactiveHistoryEntry) => Promise<void>;
  /**
   * The run-time enabled flag (the state store's `enable()`/`disable()`), read for matched schedules only,
   * at each event, so that disabling takes effect at once. `undefined` = no state: the definition decides.
   */
  readonly isEnabled?: (schedule: string) => Promise<boolean | undefined>;
  /**
   * Checks that the blob still exists at the version the event names, before claiming (only for events
   * some schedule matches). A blob deleted since is ignored (`deleted`), one replaced since is ignored
   * (`superseded`: the newer version's own event starts its run). Without a probe, events are trusted.
   */
  readonly probe?: (container: string, blobName: string) => Promise<BlobProbe>;
  /** Budget for one submission including the client's retries (default 60 s). */
  readonly submitDeadlineMs?: number;
}

export interface HandleOptions {
  readonly traceParent?: string;
  readonly signal?: AbortSignal;
}

/** The submission body for one blob (pure): the target's assignments plus the blob as a DataPath. */
export function reactiveSubmissionBody(target: PipelineTarget, definition: ReactiveScheduleDefinition, blobName: string): SubmissionBody {
  const dataPaths = { ...target.dataPathAssignments };
  if (definition.dataPathParameterName !== undefined) {
    dataPaths[definition.dataPathParameterName] = { DataStoreName: definition.datastore, RelativePath: blobName };
  }
  return {
    ExperimentName: target.experimentName,
    ParameterAssignments: { ...target.parameterAssignments },
    ...(Object.keys(dataPaths).length > 0 ? { DataPathAssignments: dataPaths } : {}),
    RunSource: 'SDK',
    ...(target.description !== undefined ? { Description: target.description } : {}),
    ...(target.continueOnStepFailure !== undefined ? { ContinueRunOnStepFailure: target.continueOnStepFailure } : {}),
    Tags: { ...(target.tags ?? {}), 'aml-triggers.schedule': definition.name, 'aml-triggers.trigger': 'blob' },
  };
}

/** Quoted, escaped form of a blob name for log lines (control characters cannot forge log lines). */
function quoted(name: string): string {
  return JSON.stringify(name);
}

export async function handleBlobEvent(event: BlobEvent, deps: ReactiveDeps, options: HandleOptions = {}): Promise<ReactiveOutcome> {
  const base = { container: event.container, blobName: event.blobName, etag: event.etag };
  const where = `${event.container}/${quoted(event.blobName)} (ETag ${event.etag || 'none'})`;

  const reason = ignoreReason(event);
  if (reason) {
    deps.log('info', `Reactive: ignored blob ${where}: ${IGNORE_EXPLANATION[reason]}.`);
    deps.telemetry.event('reactive.ignored', { reason, container: event.container });
    return { ...base, ignored: { reason, explanation: IGNORE_EXPLANATION[reason] }, runs: [], retry: false };
  }

  const matched = matchingSchedules(await deps.schedules(), event.container, event.blobName);
  if (matched.length === 0) {
    const explanation = 'no reactive schedule watches the folder this blob is directly in (blobs in subfolders never fire)';
    deps.log('info', `Reactive: ignored blob ${where}: ${explanation}.`);
    deps.telemetry.event('reactive.ignored', { reason: 'no-matching-schedule', container: event.container });
    return { ...base, ignored: { reason: 'no-matching-schedule', explanation }, runs: [], retry: false };
  }

  let probeMs: number | undefined;
  if (deps.probe) {
    const started = performance.now();
    const now = await deps.probe(event.container, event.blobName);
    probeMs = performance.now() - started;
    const stale: IgnoreReason | undefined = !now.exists ? 'deleted' : normalizeEtag(now.etag) !== event.etag ? 'superseded' : undefined;
    if (stale) {
      deps.log('info', `Reactive: ignored blob ${where}: ${IGNORE_EXPLANATION[stale]}.`);
      deps.telemetry.event('reactive.ignored', { reason: stale, container: event.container });
      return { ...base, ignored: { reason: stale, explanation: IGNORE_EXPLANATION[stale] }, runs: [], retry: false, probeMs };
    }
  }

  const runs = await Promise.all(matched.map((schedule) => runOne(schedule, event, where, deps, options)));
  return { ...base, runs, retry: runs.some((r) => r.status === 'failed' && r.retry === true), ...(probeMs !== undefined ? { probeMs } : {}) };
}

async function runOne(schedule: ReactiveSchedule, event: BlobEvent, where: string, deps: ReactiveDeps, options: HandleOptions): Promise<ScheduleRun> {
  const name = schedule.definition.name;
  const t0 = performance.now();
  const disabled = !schedule.enabled || (deps.isEnabled !== undefined && (await deps.isEnabled(name)) === false);
  const t1 = performance.now();
  if (disabled) {
    deps.log('info', `Reactive: schedule "${name}" is disabled; blob ${where} starts no run.`);
    deps.telemetry.event('reactive.disabled', { schedule: name });
    return { schedule: name, status: 'disabled' };
  }

  const claim = await deps.claims.acquire({ schedule: name, container: event.container, blobName: event.blobName, etag: event.etag }, deps.now());
  const t2 = performance.now();
  if (claim.status !== 'acquired') {
    return { ...notOwned(name, claim.status, claim.record, where, deps), timings: { enabledMs: t1 - t0, claimMs: t2 - t1, submitMs: 0, recordMs: 0 } };
  }

  const body = reactiveSubmissionBody(schedule.target, schedule.definition, event.blobName);
  const result = await deps.client.submit(schedule.target, body, {
    deadlineMs: deps.submitDeadlineMs ?? 60_000,
    key: submissionKey('blob', name, event.container, event.blobName, event.etag),
    ...(options.traceParent ? { traceParent: options.traceParent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const t3 = performance.now();
  const attempts = claim.claim.record.attempts;
  const entry = {
    schedule: name,
    trigger: 'blob' as const,
    container: event.container,
    blobName: event.blobName,
    etag: event.etag,
    datastore: schedule.definition.datastore,
    attempts,
    durationMs: Math.round(t3 - t0),
  };
  const timings = (): RunTimings => ({ enabledMs: t1 - t0, claimMs: t2 - t1, submitMs: t3 - t2, recordMs: performance.now() - t3 });

  if (result.ok) {
    await deps.claims.complete(claim.claim, { runId: result.value.runId }, deps.now());
    await recordHistory(deps, { ...entry, at: deps.now().toISOString(), status: 'submitted', runId: result.value.runId });
    const t = timings();
    deps.log('info', `Reactive: schedule "${name}" submitted run ${result.value.runId} for blob ${where}.`);
    deps.telemetry.event('reactive.submitted', { schedule: name, runId: result.value.runId, container: event.container }, { ...t, attempts });
    return { schedule: name, status: 'submitted', runId: result.value.runId, attempts, timings: t };
  }

  const error = result.error;
  const transient = error.transient === true;
  const record = await deps.claims.complete(claim.claim, { error: { code: error.code, message: error.message, transient } }, deps.now());
  await recordHistory(deps, { ...entry, at: deps.now().toISOString(), status: 'failed', error });
  const t = timings();
  deps.log('error', `Reactive: schedule "${name}" could not submit a run for blob ${where}: ${error.message} (${error.code}${transient ? `, attempt ${attempts}, will retry` : ', not retried'}).`);
  deps.telemetry.event('reactive.failed', { schedule: name, code: error.code, transient, container: event.container }, { ...t, attempts });
  return { schedule: name, status: 'failed', error, attempts: record.attempts, retry: transient, timings: t };
}

function notOwned(name: string, status: 'duplicate' | 'in-progress' | 'gave-up', record: ClaimRecord, where: string, deps: ReactiveDeps): ScheduleRun {
  const why =
    status === 'duplicate'
      ? `already started run ${record.runId ?? '?'} for this version`
      : status === 'in-progress'
        ? 'another delivery of this event is submitting it now'
        : `an earlier attempt failed (${record.error?.code ?? 'unknown'}: ${record.error?.message ?? ''}) after ${record.attempts} attempt(s); upload the file again or delete the claim to retry`;
  deps.log(status === 'gave-up' ? 'warn' : 'info', `Reactive: schedule "${name}" skips blob ${where}: ${why}.`);
  deps.telemetry.event(`reactive.${status}`, { schedule: name });
  return { schedule: name, status, ...(record.runId ? { runId: record.runId } : {}), attempts: record.attempts };
}

async function recordHistory(deps: ReactiveDeps, entry: ReactiveHistoryEntry): Promise<void> {
  if (!deps.history) return;
  try {
    await deps.history(entry);
  } catch (e) {
    // The run exists either way; a lost history line must not turn a success into a retry (duplicate run).
    deps.log('warn', `Reactive: could not record history for schedule "${entry.schedule}": ${e instanceof Error ? e.message : String(e)}.`);
    deps.telemetry.exception(e, { schedule: entry.schedule, operation: 'reactive.history' });
  }
}
