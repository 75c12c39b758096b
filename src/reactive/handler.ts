/**
 * The reactive logic, free of the Functions runtime: given one blob event (parsed from the host's trigger
 * metadata or an Event Grid event, never the blob's bytes), decide (eventDecision.ts) whether it is ours,
 * which blob version it is, and for each schedule it fires claim `(schedule, blob, version)`, decide what
 * the claim allows (claimDecision.ts: the one rule for claims), then carry that out: submit, reconcile,
 * record (claim, log line, telemetry event, history entry).
 *
 * Nothing fails silently: `retry` is true — and the function fails the invocation, so the host delivers
 * the event again and finally poison-queues it — whenever something could still be done later: an event
 * that cannot be read, a version that cannot be learnt, a storage or Azure ML failure that created no run,
 * a claim held by a live delivery that did not finish within the wait, an outcome still unknown.
 * Only events certainly not ours succeed without a run, each with a log line saying why.
 *
 * Outcome per matched schedule: `submitted` (this delivery started the run, or found it by its submission
 * key: `reconciled`), `duplicate` (already started), `disabled`, `failed` (no run was created: retried by
 * the host's redelivery, then poison-queued), `held` (another delivery holds the claim), `unknown` (a run
 * may exist; not resolved yet: reported, retried).
 */
import { performance } from 'node:perf_hooks';
import { SDK_RUN_SOURCE as DEFAULT_RUN_SOURCE } from '../aml/constants';
import { toSubmission } from '../aml/submission';
import type { PipelineClient, PipelineTarget, SubmissionBody } from '../aml/types';
import { AppFailure, errorFrom, type AppError, type Result } from '../errors';
import { scheduleRequest, type ReactiveScheduleDefinition } from '../schedules/definition';
import type { Telemetry } from '../telemetry';
import type { BlobEvent } from './blobEvent';
import { decideAfterLookup, decideClaim, type ClaimPolicy, type LookupAnswer } from './claimDecision';
import { DEFAULT_LEASE_MS, reactiveSubmissionKey, type ClaimKey, type ClaimStore, type OwnedClaim } from './claims';
import { decideEvent, SKIP_EXPLANATION, type BlobProbe, type FailReason, type SkipReason } from './eventDecision';
import { matchingSchedules, type Watch } from './match';
import type { ErrorCode } from '../errorCatalog';
import { mayFire, type FireDecision, type TargetStatusMap } from '../targets/mayFire';

export type { BlobProbe } from './eventDecision';

/** A reactive schedule ready to act on: its definition, resolved target and watched folder, and state. */
export interface ReactiveSchedule {
  readonly definition: ReactiveScheduleDefinition;
  readonly target: PipelineTarget;
  readonly watch: Watch;
  /** `status: Active` in the definition and not disabled at run time (the state store's flag). */
  readonly enabled: boolean;
}

/** `skipped`: the schedule's target is disabled (src/targets): the blob starts no run, recorded with the reason. */
export type RunStatus = 'submitted' | 'duplicate' | 'disabled' | 'skipped' | 'failed' | 'held' | 'unknown';

export interface ScheduleRun {
  readonly schedule: string;
  readonly status: RunStatus;
  readonly runId?: string;
  /** `submitted` by finding the run an earlier delivery created (by its submission key), not by sending. */
  readonly reconciled?: boolean;
  readonly attempts?: number;
  readonly error?: AppError;
  /** Whether the invocation must fail so that the host delivers the event again. */
  readonly retry?: boolean;
  /** Milliseconds spent waiting on the claim store and on Azure ML (the rest is the app's own time). */
  readonly timings?: RunTimings;
}

export interface RunTimings {
  /** Reading the run-time enabled flag. */
  readonly enabledMs: number;
  /** Opening / taking the claim (one create-if-absent; a read more when it existed). */
  readonly claimMs: number;
  /** The submission (including the client's own retries) or the look-up. */
  readonly submitMs: number;
  /** Recording the outcome in the claim and the history. */
  readonly recordMs: number;
}

export interface ReactiveOutcome {
  readonly container?: string;
  readonly blobName?: string;
  /** The blob version acted on (the blob's own ETag when it was read). */
  readonly etag?: string;
  readonly ignored?: { readonly reason: SkipReason; readonly explanation: string };
  /** The event as a whole cannot be handled now (unreadable, version unknown, blob unreadable). */
  readonly failed?: { readonly reason: FailReason; readonly message: string };
  readonly runs: readonly ScheduleRun[];
  /** True when the invocation must fail so that the host delivers the event again. */
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
  /** `unknown`: a run may exist and could not be confirmed yet (never advice to submit by hand); `skipped`: the target is disabled. */
  readonly status: 'submitted' | 'failed' | 'unknown' | 'skipped';
  readonly runId?: string;
  readonly attempts: number;
  readonly error?: AppError;
  readonly durationMs: number;
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface ReactiveDeps {
  /** The reactive schedules as they are now (definitions, resolved containers, enabled flags). */
  readonly schedules: () => Promise<readonly ReactiveSchedule[]> | readonly ReactiveSchedule[];
  readonly claims: ClaimStore;
  /** Submits runs, and finds one by its submission key to reconcile a claim whose request may have been sent. */
  readonly client: PipelineClient;
  /** `RunSource` of reactive submissions (AML_RUN_SOURCE); default "SDK". */
  readonly runSource?: string;
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
   * The targets' run-time statuses (src/targets/statusStore.ts), read once per event that some schedule
   * naming a target acts on; a disabled target's schedules skip the blob (`mayFire`). Absent: all Active.
   */
  readonly targetStatuses?: () => Promise<TargetStatusMap>;
  /**
   * Reads the blob's properties (HEAD) for events some schedule matches: the version acted on is the
   * blob's own ETag; a blob deleted since is ignored (`deleted`), one replaced since is ignored
   * (`superseded`: the newer version's own event starts its run). Without a probe, events are trusted
   * and one without an ETag fails.
   */
  readonly probe?: (container: string, blobName: string) => Promise<BlobProbe>;
  /** The claim rule's parameters (claimDecision.ts); defaults in DEFAULT_CLAIM_POLICY. */
  readonly claimPolicy?: Partial<ClaimPolicy>;
  /**
   * How long a delivery waits, polling, for a claim another delivery holds (several events of one
   * upload arrive together) before it fails its invocation to be retried later (default 90 s).
   */
  readonly claimWaitMs?: number;
  readonly claimPollMs?: number;
  /** Pause between the writes of a `submitted` outcome when one fails (default 500 ms). */
  readonly recordRetryMs?: number;
}

/** Submission budget 60 s; a live holder's claim lasts the lease; runs are listed within 2 min of a send. */
export const DEFAULT_CLAIM_POLICY: ClaimPolicy = {
  leaseMs: DEFAULT_LEASE_MS,
  submitDeadlineMs: 60_000,
  settleMs: 2 * 60_000,
};

export interface HandleOptions {
  readonly traceParent?: string;
  readonly signal?: AbortSignal;
}

/** The submission body for one blob (pure): the target's assignments, the schedule's inputs, the blob last (`toSubmission`). */
export function reactiveSubmissionBody(
  target: PipelineTarget,
  definition: ReactiveScheduleDefinition,
  blobName: string,
  runSource: string = DEFAULT_RUN_SOURCE,
): SubmissionBody {
  return toSubmission(target, {
    runSource,
    ...scheduleRequest(definition),
    ...(target.description !== undefined ? { description: target.description } : {}),
    ...(definition.dataPathParameterName !== undefined
      ? { blob: { parameter: definition.dataPathParameterName, datastore: definition.datastore, path: blobName } }
      : {}),
    tags: { 'aml-triggers.schedule': definition.name, 'aml-triggers.trigger': 'blob' },
  });
}

/** Quoted, escaped form of a blob name for log lines (control characters cannot forge log lines). */
function quoted(name: string): string {
  return JSON.stringify(name);
}

function errorOf(e: unknown, code: ErrorCode): AppError {
  return errorFrom(e, { code, transient: true });
}

export async function handleBlobEvent(
  parsed: Result<BlobEvent, AppError>,
  deps: ReactiveDeps,
  options: HandleOptions = {},
): Promise<ReactiveOutcome> {
  const event = parsed.ok ? parsed.value : undefined;
  const where = event ? `${event.container}/${quoted(event.blobName)}` : '';
  const matched = event ? matchingSchedules(await deps.schedules(), event.container, event.blobName) : [];
  let probe: Parameters<typeof decideEvent>[0]['probe'];
  let probeMs: number | undefined;
  for (;;) {
    const decision = decideEvent({
      parsed,
      matched: matched.length,
      canProbe: deps.probe !== undefined,
      ...(probe ? { probe } : {}),
    });
    const base = {
      ...(event ? { container: event.container, blobName: event.blobName } : {}),
      ...(probeMs !== undefined ? { probeMs } : {}),
    };
    const shown = event
      ? `blob ${where} (ETag ${event.etag ?? (probe && 'exists' in probe && probe.exists ? probe.etag : 'none')})`
      : 'an event';
    switch (decision.kind) {
      case 'probe': {
        const started = performance.now();
        try {
          probe = await deps.probe!(event!.container, event!.blobName);
        } catch (e) {
          probe = { failed: errorOf(e, 'storage.read_failed') };
        }
        probeMs = performance.now() - started;
        continue;
      }
      case 'ignore': {
        const explanation = SKIP_EXPLANATION[decision.reason];
        deps.log('info', `Reactive: ignored ${shown}: ${explanation}.`);
        deps.telemetry.event('reactive.ignored', {
          reason: decision.reason,
          ...(event ? { container: event.container } : {}),
        });
        return {
          ...base,
          ...(event?.etag ? { etag: event.etag } : {}),
          ignored: { reason: decision.reason, explanation },
          runs: [],
          retry: false,
        };
      }
      case 'fail': {
        deps.log(
          'error',
          `Reactive: cannot handle ${shown} now: ${decision.message}. The invocation fails so the host delivers the event again (then moves it to the poison queue).`,
        );
        deps.telemetry.event('reactive.event_failed', {
          reason: decision.reason,
          ...(event ? { container: event.container } : {}),
        });
        return { ...base, failed: { reason: decision.reason, message: decision.message }, runs: [], retry: true };
      }
      case 'act': {
        const version = { ...event!, etag: decision.etag };
        const label = `${where} (ETag ${decision.etag})`;
        const statuses = await readStatuses(matched, deps);
        const runs = await Promise.all(
          matched.map((schedule) => runOne(schedule, version, label, deps, options, statuses)),
        );
        return { ...base, etag: decision.etag, runs, retry: runs.some((r) => r.retry === true) };
      }
    }
  }
}

type Version = BlobEvent & { readonly etag: string };

interface RunContext {
  readonly schedule: ReactiveSchedule;
  readonly name: string;
  readonly event: Version;
  readonly where: string;
  readonly key: ClaimKey;
  readonly submissionKey: string;
  readonly policy: ClaimPolicy;
  readonly deps: ReactiveDeps;
  readonly options: HandleOptions;
  readonly t0: number;
  t1: number;
  t2: number;
  t3: number;
}

const MAX_CLAIM_ROUNDS = 1000;

/** The target statuses, read once per event (only when a matched schedule names a target), or why they cannot be. */
async function readStatuses(
  matched: readonly ReactiveSchedule[],
  deps: ReactiveDeps,
): Promise<Result<TargetStatusMap>> {
  if (!deps.targetStatuses || !matched.some((s) => s.definition.pipeline.kind === 'target'))
    return { ok: true, value: {} };
  try {
    return { ok: true, value: await deps.targetStatuses() };
  } catch (e) {
    return { ok: false, error: errorOf(e, 'storage.unavailable') };
  }
}

function targetOf(schedule: ReactiveSchedule): string | undefined {
  return schedule.definition.pipeline.kind === 'target' ? schedule.definition.pipeline.target : undefined;
}

async function runOne(
  schedule: ReactiveSchedule,
  event: Version,
  where: string,
  deps: ReactiveDeps,
  options: HandleOptions,
  statuses: Result<TargetStatusMap>,
): Promise<ScheduleRun> {
  const name = schedule.definition.name;
  const t0 = performance.now();
  const disabled = !schedule.enabled || (deps.isEnabled !== undefined && (await deps.isEnabled(name)) === false);
  const t1 = performance.now();
  if (disabled) {
    deps.log('info', `Reactive: schedule "${name}" is disabled; blob ${where} starts no run.`);
    deps.telemetry.event('reactive.disabled', { schedule: name });
    return { schedule: name, status: 'disabled' };
  }
  const target = targetOf(schedule);
  if (target !== undefined && !statuses.ok) {
    const error: AppError = {
      ...statuses.error,
      message: `the status of target "${target}" cannot be read (${statuses.error.code}: ${statuses.error.message}); nothing was sent`,
    };
    deps.log(
      'error',
      `Reactive: schedule "${name}" blob ${where}: ${error.message}; the invocation fails so that the event is delivered again.`,
    );
    return { schedule: name, status: 'failed', error, retry: true };
  }
  const fire: FireDecision = statuses.ok ? mayFire(target, statuses.value) : { fire: true };
  if (!fire.fire) return skipForTarget(schedule, event, where, deps, fire.error);
  const key: ClaimKey = { schedule: name, container: event.container, blobName: event.blobName, etag: event.etag };
  const policy: ClaimPolicy = { ...DEFAULT_CLAIM_POLICY, ...deps.claimPolicy };
  const ctx: RunContext = {
    schedule,
    name,
    event,
    where,
    key,
    submissionKey: reactiveSubmissionKey(key),
    policy,
    deps,
    options,
    t0,
    t1,
    t2: t1,
    t3: t1,
  };
  const waitEnds = deps.now().getTime() + (deps.claimWaitMs ?? 90_000);

  for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
    const opened = await deps.claims.open(key, deps.now());
    ctx.t2 = performance.now();
    if (opened.status === 'created') return submit(ctx, opened.claim);
    if (opened.status === 'corrupt') {
      deps.log(
        'warn',
        `Reactive: schedule "${name}": the claim of blob ${where} cannot be read (${opened.message}); it is resolved like a crash mid-send: the run is looked up by its key before anything is sent.`,
      );
    }
    const record = opened.status === 'found' ? opened.claim.record : undefined;
    const now = deps.now();
    const decision = decideClaim(
      record
        ? { kind: 'found', record }
        : {
            kind: 'corrupt',
            ...(opened.status === 'corrupt' && opened.lastModified ? { lastModified: opened.lastModified } : {}),
          },
      now.getTime(),
      policy,
    );
    switch (decision.action) {
      case 'done':
        deps.log(
          'info',
          `Reactive: schedule "${name}" skips blob ${where}: already started run ${decision.runId ?? '?'} for this version.`,
        );
        deps.telemetry.event('reactive.duplicate', { schedule: name });
        return {
          schedule: name,
          status: 'duplicate',
          ...(decision.runId ? { runId: decision.runId } : {}),
          attempts: record?.attempts ?? 0,
          timings: timings(ctx),
        };
      case 'wait': {
        const left = Math.min(decision.untilMs, waitEnds) - now.getTime();
        if (left > 0) {
          await sleep(Math.min(left, deps.claimPollMs ?? 500));
          continue;
        }
        const message = `another delivery holds the claim of this version since ${record?.updatedAt ?? '?'} (until ${new Date(decision.untilMs).toISOString()} at most) and did not finish within the wait; the invocation fails so that the event is delivered again`;
        deps.log('warn', `Reactive: schedule "${name}" blob ${where}: ${message}.`);
        deps.telemetry.event('reactive.held', { schedule: name });
        return {
          schedule: name,
          status: 'held',
          retry: true,
          error: { code: 'reactive.claim.held', message, transient: true },
          timings: timings(ctx),
        };
      }
      case 'takeOver':
      case 'reconcile': {
        const held = opened.status === 'found' ? opened.claim : { name: opened.name, etag: opened.etag };
        const reconcile = decision.action === 'reconcile';
        const taken = await deps.claims.take(held, key, now, { keepSubmitting: reconcile });
        ctx.t2 = performance.now();
        if (!taken) continue; // another delivery moved it first: decide again from what it wrote
        if (!reconcile) {
          deps.log(
            'info',
            `Reactive: schedule "${name}" takes over the claim of blob ${where} (${record?.state === 'failed' ? `attempt ${taken.record.attempts} after ${record.error?.code ?? 'an error'}` : 'its holder stopped before sending anything'}).`,
          );
          return submit(ctx, taken);
        }
        // A corrupt claim's claimedAt is unknown: then the look-up is not limited in time.
        return reconcileClaim(ctx, taken, decision.sentAtMs);
      }
    }
  }
  throw new AppFailure({
    code: 'reactive.claim.contended',
    message: `The claim of blob ${where} for schedule "${name}" kept changing under this delivery.`,
    transient: true,
  });
}

/** Looks the version's run up by its submission key, then records it, submits, or keeps it unknown. */
async function reconcileClaim(ctx: RunContext, claim: OwnedClaim, sentAtMs: number | undefined): Promise<ScheduleRun> {
  const { deps, schedule, name, where } = ctx;
  // No time filter: a blob version's key is never reused, and a filter on the app's clock against Azure
  // ML's would hide the run when the two clocks disagree (a run missed here would be submitted again).
  const found = await deps.client.findRun(schedule.target, {
    experimentName: schedule.target.experimentName,
    key: ctx.submissionKey,
  });
  const lookupError = found.ok ? undefined : found.error;
  const answer: LookupAnswer = !found.ok
    ? { kind: 'failed' }
    : found.value
      ? { kind: 'found', runId: found.value.runId }
      : { kind: 'notFound' };
  ctx.t3 = performance.now();
  const after = decideAfterLookup(answer, sentAtMs, deps.now().getTime(), ctx.policy);
  switch (after.action) {
    case 'record':
      return recordSubmitted(ctx, claim, after.runId, true);
    case 'submit':
      deps.log(
        'info',
        `Reactive: schedule "${name}": Azure ML has no run with key ${ctx.submissionKey} for blob ${where} (request of ${claim.record.submittingAt ?? 'unknown time'} never created one); submitting it.`,
      );
      return submit(ctx, claim);
    case 'unknown': {
      const error: AppError =
        after.why === 'lookup-failed'
          ? {
              code: 'reactive.submit.outcome_unknown',
              message: `A request for this blob version may have reached Azure ML at ${claim.record.submittingAt ?? 'an unknown time'} and looking the run up failed (${lookupError?.code ?? 'error'}: ${lookupError?.message ?? ''})`,
            }
          : {
              code: 'reactive.submit.outcome_unknown',
              message: `A request for this blob version reached Azure ML at ${claim.record.submittingAt ?? 'an unknown time'} or may have; no run with its key is listed yet (looked again after ${new Date(after.untilMs).toISOString()})`,
            };
      return recordUnknown(ctx, claim, error);
    }
  }
}

/** Marks the claim `submittingAt`, submits with the version's key, and records the outcome. */
async function submit(ctx: RunContext, owned: OwnedClaim): Promise<ScheduleRun> {
  const { deps, schedule, name, where, options } = ctx;
  const marked = await deps.claims.markSubmitting(owned, deps.now());
  if (!marked) {
    const message = 'the claim was taken over by another delivery before the request was sent; nothing was sent';
    deps.log('warn', `Reactive: schedule "${name}" blob ${where}: ${message}; the event is delivered again.`);
    return {
      schedule: name,
      status: 'held',
      retry: true,
      error: { code: 'reactive.claim.lost', message, transient: true },
      timings: timings(ctx),
    };
  }
  const body = reactiveSubmissionBody(schedule.target, schedule.definition, ctx.event.blobName, deps.runSource);
  const result = await deps.client.submit(schedule.target, body, {
    deadlineMs: ctx.policy.submitDeadlineMs,
    key: ctx.submissionKey,
    ...(options.traceParent ? { traceParent: options.traceParent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  ctx.t3 = performance.now();
  // `reconciled`: the answer was lost and the client found the run by its key (nothing was resent).
  if (result.ok) return recordSubmitted(ctx, marked, result.value.runId, result.value.reconciled === true);

  const error = result.error;
  if (error.outcome === 'unknown') return recordUnknown(ctx, marked, error);
  const transient = error.transient === true;
  const attempts = marked.record.attempts;
  await deps.claims.complete(marked, { error: { code: error.code, message: error.message, transient } }, deps.now());
  await recordHistory(deps, { ...entryOf(ctx, attempts), status: 'failed', error });
  const next = transient
    ? 'it is tried again when the host delivers the event again'
    : 'retrying cannot help until the cause is fixed: after its retries the host moves the event to the poison queue; fix the cause, then requeue it (or upload the file again)';
  deps.log(
    'error',
    `Reactive: schedule "${name}" could not submit a run for blob ${where} (attempt ${attempts}; no run was created): ${error.message} (${error.code}); ${next}.`,
  );
  deps.telemetry.event(
    'reactive.failed',
    { schedule: name, code: error.code, transient, container: ctx.event.container },
    { ...timings(ctx), attempts },
  );
  return { schedule: name, status: 'failed', error, attempts, retry: true, timings: timings(ctx) };
}

/**
 * Records the run (claim first: it is what makes later deliveries duplicates). A write that keeps
 * failing fails the invocation: the claim still has `submittingAt`, so the redelivery reconciles it to
 * this same run by its key, never submitting again.
 */
async function recordSubmitted(
  ctx: RunContext,
  claim: OwnedClaim,
  runId: string,
  reconciled: boolean,
): Promise<ScheduleRun> {
  const { deps, name, where } = ctx;
  const attempts = claim.record.attempts;
  try {
    await deps.claims.complete(claim, { runId }, deps.now(), {
      ...(deps.recordRetryMs !== undefined ? { writeRetryMs: deps.recordRetryMs } : {}),
    });
  } catch (e) {
    const error = errorOf(e, 'storage.write_failed');
    deps.log(
      'error',
      `Reactive: schedule "${name}" started run ${runId} for blob ${where}, but recording it failed (${error.code}: ${error.message}); the invocation fails and the redelivery finds this run by its key ${ctx.submissionKey} (nothing is submitted again).`,
    );
    deps.telemetry.event('reactive.record_failed', { schedule: name, runId, code: error.code });
    return { schedule: name, status: 'unknown', runId, attempts, retry: true, error, timings: timings(ctx) };
  }
  await recordHistory(deps, { ...entryOf(ctx, attempts), status: 'submitted', runId });
  const t = timings(ctx);
  deps.log(
    'info',
    reconciled
      ? `Reactive: schedule "${name}" found run ${runId} for blob ${where} by its key ${ctx.submissionKey} (a request whose answer was lost created it; recorded, nothing sent again).`
      : `Reactive: schedule "${name}" submitted run ${runId} for blob ${where}.`,
  );
  deps.telemetry.event(
    reconciled ? 'reactive.reconciled' : 'reactive.submitted',
    { schedule: name, runId, container: ctx.event.container },
    { ...t, attempts },
  );
  return { schedule: name, status: 'submitted', runId, attempts, ...(reconciled ? { reconciled } : {}), timings: t };
}

/** A run may exist and is not confirmed: the claim says `unknown`, reported everywhere, the invocation fails. */
async function recordUnknown(ctx: RunContext, claim: OwnedClaim, error: AppError): Promise<ScheduleRun> {
  const { deps, name, where } = ctx;
  const attempts = claim.record.attempts;
  await deps.claims.complete(
    claim,
    { unknown: { code: error.code, message: error.message, transient: false } },
    deps.now(),
  );
  await recordHistory(deps, { ...entryOf(ctx, attempts), status: 'unknown', error });
  deps.log(
    'error',
    `Reactive: schedule "${name}" blob ${where}: outcome unknown: ${error.message} (${error.code}). A run may exist: it is NOT submitted again. The next delivery looks it up by its key ${ctx.submissionKey} (run property/tag aml_triggers_key) and records it, or submits once Azure ML says it has none; the invocation fails so that the event is delivered again.`,
  );
  deps.telemetry.event(
    'ReactiveOutcomeUnknown',
    {
      schedule: name,
      container: ctx.event.container,
      blobName: ctx.event.blobName,
      etag: ctx.event.etag,
      key: ctx.submissionKey,
      code: error.code,
    },
    { attempts },
  );
  return { schedule: name, status: 'unknown', attempts, retry: true, error, timings: timings(ctx) };
}

/** The schedule's target is disabled: the blob starts no run; the reason goes to the log, telemetry and history. */
async function skipForTarget(
  schedule: ReactiveSchedule,
  event: Version,
  where: string,
  deps: ReactiveDeps,
  error: AppError,
): Promise<ScheduleRun> {
  const name = schedule.definition.name;
  deps.log('warn', `Reactive: schedule "${name}" ignores blob ${where}: ${error.message}`);
  deps.telemetry.event('reactive.target_disabled', { schedule: name, code: error.code, container: event.container });
  await recordHistory(deps, {
    schedule: name,
    at: deps.now().toISOString(),
    trigger: 'blob',
    container: event.container,
    blobName: event.blobName,
    etag: event.etag,
    datastore: schedule.definition.datastore,
    status: 'skipped',
    attempts: 0,
    error,
    durationMs: 0,
  });
  return { schedule: name, status: 'skipped', error };
}

function entryOf(ctx: RunContext, attempts: number): Omit<ReactiveHistoryEntry, 'status'> {
  return {
    schedule: ctx.name,
    at: ctx.deps.now().toISOString(),
    trigger: 'blob',
    container: ctx.event.container,
    blobName: ctx.event.blobName,
    etag: ctx.event.etag,
    datastore: ctx.schedule.definition.datastore,
    attempts,
    durationMs: Math.round(performance.now() - ctx.t0),
  };
}

function timings(ctx: RunContext): RunTimings {
  const t3 = Math.max(ctx.t3, ctx.t2);
  return {
    enabledMs: ctx.t1 - ctx.t0,
    claimMs: ctx.t2 - ctx.t1,
    submitMs: t3 - ctx.t2,
    recordMs: performance.now() - t3,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function recordHistory(deps: ReactiveDeps, entry: ReactiveHistoryEntry): Promise<void> {
  if (!deps.history) return;
  try {
    await deps.history(entry);
  } catch (e) {
    // The run exists either way; a lost history line must not turn a success into a retry (duplicate run).
    deps.log(
      'warn',
      `Reactive: could not record history for schedule "${entry.schedule}": ${e instanceof Error ? e.message : String(e)}.`,
    );
    deps.telemetry.exception(e, { schedule: entry.schedule, operation: 'reactive.history' });
  }
}
