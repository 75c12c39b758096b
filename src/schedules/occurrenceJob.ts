/**
 * One due occurrence of a time schedule, carried through one tick (docs/timer.md, "Exactly once"):
 * claim it, or decide about the claim someone else holds (claimDecision.ts), then submit, reconcile,
 * record. The tick builds one `OccurrenceJob` per due pending entry and calls `handleOccurrence`.
 *
 * Submission outcomes have three values, and each is handled so that a request that may have reached
 * Azure ML is never sent again blindly:
 *   - created: the run id is recorded on the claim and in the history. If recording fails (storage
 *     down), the claim keeps `submittingAt`; a later tick reconciles it and finds the same run by its key.
 *   - not created (nothing was sent, 429, a refusal): retried on later ticks while transient, else failed.
 *   - unknown (answer lost: reset, 502/504, timeout; or the holder stopped while the request was in
 *     flight; or its claim is unreadable): the claim becomes `unknown` and the occurrence stays pending.
 *     From `unknownSince + reconcileAfterMs` on, each tick looks the run up by its submission key
 *     (`aml_triggers_key`): found → recorded `submitted` with that run id; Azure ML answers that no run
 *     carries the key → nothing was created, the occurrence is submitted again (the look-up is made at
 *     least `reconcileAfterMs` after the request, so a run created by it would be listed); the look-up
 *     fails → stays `unknown`, looked up again later, until the retry deadline; then it is left
 *     `unknown` for good (history, log, `ScheduleOutcomeUnknown` event) for the operator to check.
 */
import { SUBMISSION_KEY_NAME } from '../aml/constants';
import { SETTINGS } from '../settings';
import type { FoundRun, PipelineTarget } from '../aml/types';
import type { AppError, Result } from '../errors';
import { backoffDelay } from '../util/backoff';
import { claimBlobName } from './blobNames';
import { decideClaim, type ClaimDecision, type ReconcileReason } from './claimDecision';
import type { TimeScheduleDefinition } from './definition';
import { isoInstant, occurrenceKey } from './instants';
import { historyEntryOf, type ClaimRead, type Outcome } from './occurrenceClaims';
import type { Claim, ErrorSummary, HistoryEntry, PendingRetry, Trigger } from './stateTypes';
import { occurrenceSubmission, occurrenceSubmissionKey } from './submitOccurrence';
import type { TickDeps } from './tick';
import type { ErrorCode } from '../errorCatalog';
import type { FireDecision } from '../targets/mayFire';

export interface OccurrenceReport {
  readonly schedule: string;
  readonly occurrence: string;
  readonly trigger: Trigger;
  readonly attempts: number;
  readonly runId?: string;
  /** The run was found in Azure ML by its submission key after its outcome was unknown. */
  readonly reconciled?: boolean;
  readonly error?: ErrorSummary;
  readonly nextAttemptAt?: string;
  /** Status `unknown`: the submission key to look the run up by, and when the app looks next. */
  readonly key?: string;
  readonly nextLookupAt?: string;
}

/** What a tick found and did, occurrence by occurrence (the tick's report lists them). */
export interface Collector {
  submitted: OccurrenceReport[];
  failed: OccurrenceReport[];
  retrying: OccurrenceReport[];
  /** Occurrences whose outcome is unknown (answer lost, or look-up not possible yet). */
  unknown: OccurrenceReport[];
  skipped: { schedule: string; count: number; first?: string; last?: string }[];
  errors: { schedule?: string; code: ErrorCode; message: string }[];
}

/** The schedule's target, resolved at most once per schedule and tick (on the first submission). */
export type TargetResolver = () => Result<PipelineTarget>;

/**
 * What became of one pending entry in this tick: the settle step applies it to the state. `record`: the
 * history entry of what this tick did, written by the settle step with the state (one write for both);
 * `recordOnlyIfPending`: only when the entry is still pending in the state settled over (an outcome
 * another holder wrote on the claim and never settled; it settles it if it comes later).
 */
export type PendingChange =
  | {
      readonly kind: 'done';
      readonly lastRun?: HistoryEntry;
      readonly record?: HistoryEntry;
      readonly recordOnlyIfPending?: boolean;
    }
  | {
      readonly kind: 'update';
      readonly pending: PendingRetry;
      readonly lastRun?: HistoryEntry;
      readonly record?: HistoryEntry;
    }
  | { readonly kind: 'leave' };

/** Everything about one due occurrence in one tick. */
export interface OccurrenceJob {
  readonly def: TimeScheduleDefinition;
  readonly entry: PendingRetry;
  readonly occurrence: Date;
  readonly now: Date;
  readonly deps: TickDeps;
  readonly out: Collector;
  readonly target: TargetResolver;
  /** Whether the schedule's target may fire (`mayFire`, from the statuses the tick read once). */
  readonly fire: FireDecision;
}

type Held = { readonly claim: Claim; readonly etag: string };

/** Writes of an outcome tried at most this often when storage fails (the run id must reach storage). */
const OUTCOME_WRITE_TRIES = 3;

export async function handleOccurrence(job: OccurrenceJob): Promise<PendingChange> {
  const { def, entry, occurrence, now, deps } = job;
  const trigger: Trigger = entry.attempts > 0 ? 'retry' : (entry.trigger ?? 'schedule');
  let existing: ClaimRead;
  if (entry.attempts === 0) {
    // Written with its `submittingAt` when the request goes right after (the target resolves): one request.
    const claimed = await deps.store.claims.claim(def.name, occurrence, {
      now,
      trigger,
      owner: deps.settings.owner,
      submitting: job.target().ok,
    });
    if (claimed.status === 'claimed') return submit(job, { claim: claimed.claim, etag: claimed.etag });
    existing = claimed.existing;
  } else {
    existing = await deps.store.claims.get(def.name, occurrence);
  }
  const decision = decideClaim({ claim: existing, entry, now, policy: deps.settings });
  const held = await carryOut(job, decision, existing);
  return 'kind' in held ? held : submit(job, held);
}

/** Carries out the decision about someone else's claim; a claim this tick now holds comes back to be submitted. */
async function carryOut(job: OccurrenceJob, decision: ClaimDecision, read: ClaimRead): Promise<PendingChange | Held> {
  const { def, occurrence, deps } = job;
  const when = isoInstant(occurrence);
  switch (decision.kind) {
    case 'done':
      // Final on its claim: its holder records it when it settles; if it never did (it stopped after
      // writing the outcome), this settle does, once.
      return read.status === 'found'
        ? { kind: 'done', record: historyEntryOf(read.claim, job.now), recordOnlyIfPending: true }
        : { kind: 'done' };
    case 'wait':
      if (read.status === 'corrupt')
        deps.log.warn(
          `schedule ${def.name} occurrence ${when}: its claim ${claimBlobName(def.name, occurrenceKey(occurrence))} cannot be read (${read.error.message}); resolved as a crashed submission at ${isoInstant(decision.until)} unless repaired before`,
        );
      return wait(job, read, decision.until);
    case 'takeOver':
      if (decision.reason === 'stale_claim' && read.status === 'found') {
        deps.log.warn(
          `schedule ${def.name} occurrence ${when}: claim of ${read.claim.owner ?? 'another instance'} at ${read.claim.updatedAt} was never used (the instance stopped before submitting); taking it over.`,
        );
      }
      return (await takeOver(job, read, job.target().ok)) ?? { kind: 'leave' };
    case 'giveUp': {
      const taken = await takeOver(job, read, false);
      if (!taken) return { kind: 'leave' };
      const error = (read.status === 'found' ? read.claim.error : undefined) ?? {
        code: 'schedule.retry.deadline',
        message: 'No attempt submitted the occurrence',
      };
      return finishFailed(job, taken, {
        code: error.code,
        message: gaveUp(error.message, `the retry deadline ${isoInstant(decision.deadline)} passed`, def.name),
      });
    }
    case 'reconcile':
      return reconcile(job, read, decision.reason);
  }
}

/**
 * Claims `read` for this tick (If-Match; created when missing): nothing was sent under it. `submitting`:
 * the claim is written with its `submittingAt` (this tick sends right after).
 */
async function takeOver(job: OccurrenceJob, read: ClaimRead, submitting: boolean): Promise<Held | undefined> {
  const { def, occurrence, now, deps } = job;
  const init = { now, trigger: 'retry' as const, owner: deps.settings.owner, submitting };
  if (read.status === 'missing') {
    const claimed = await deps.store.claims.claim(def.name, occurrence, init);
    return claimed.status === 'claimed' ? { claim: claimed.claim, etag: claimed.etag } : undefined;
  }
  const taken =
    read.status === 'corrupt'
      ? await deps.store.claims.replaceCorrupt(def.name, occurrence, read.etag, init)
      : await deps.store.claims.reclaim(read.claim, read.etag, {
          now,
          owner: deps.settings.owner,
          from: [read.claim.status],
          submitting,
        });
  return taken.status === 'written' ? { claim: taken.claim, etag: taken.etag } : undefined;
}

/** Leaves the entry pending until `until` (at least a second from now). */
function wait(job: OccurrenceJob, read: ClaimRead, until: Date): PendingChange {
  const attempts = read.status === 'found' ? Math.max(job.entry.attempts, read.claim.attempts) : job.entry.attempts;
  return {
    kind: 'update',
    pending: {
      ...job.entry,
      attempts,
      nextAttemptAt: isoInstant(new Date(Math.max(until.getTime(), job.now.getTime() + 1000))),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Submit

/**
 * Sends the occurrence under `held`, a claim this tick just wrote with its `submittingAt` (whenever the
 * target resolves; else it was written without, and the occurrence fails here, nothing sent).
 */
async function submit(job: OccurrenceJob, held: Held): Promise<PendingChange> {
  const { def, entry, occurrence, now, deps } = job;
  const { settings } = deps;
  if (!job.fire.fire) return finishSkipped(job, held, job.fire.error.message);
  const target = job.target();
  if (!target.ok) return finishFailed(job, held, summary(target.error));
  await deps.afterClaim?.(def.name, occurrence);

  const attempt = held.claim.attempts;
  const body = occurrenceSubmission(def, target.value, {
    occurrence,
    trigger: held.claim.trigger,
    runSource: settings.runSource,
  });
  const key = occurrenceSubmissionKey(def.name, occurrence);
  const result = await deps.client.submit(target.value, body, { deadlineMs: settings.submitDeadlineMs, key });

  if (result.ok)
    return recordSubmitted(job, held, {
      runId: result.value.runId,
      experiment: body.ExperimentName,
      reconciled: result.value.reconciled === true,
    });

  const error = summary(result.error);
  if (result.error.outcome === 'unknown') {
    // Since the request left, in the tick's time (the claim's submittingAt), so every instant here is on one clock.
    return recordUnknown(job, held, { error, since: now, key, experiment: body.ExperimentName, lookedUp: false });
  }
  const deadline = Date.parse(held.claim.deadline ?? entry.deadline);
  const nextAttemptAt = new Date(
    now.getTime() + backoffDelay(attempt, { baseMs: settings.retryBaseDelayMs, maxMs: settings.retryMaxDelayMs }),
  );
  if (result.error.transient && nextAttemptAt.getTime() <= deadline) {
    const written = await deps.store.claims.recordOutcome(
      held.claim,
      held.etag,
      { status: 'retrying', error, nextAttemptAt, deadline: new Date(deadline) },
      now,
    );
    if (written.status !== 'written') return { kind: 'leave' };
    const when = isoInstant(occurrence);
    job.out.retrying.push({
      schedule: def.name,
      occurrence: when,
      trigger: held.claim.trigger,
      attempts: attempt,
      error,
      nextAttemptAt: isoInstant(nextAttemptAt),
    });
    deps.log.warn(
      `schedule ${def.name} occurrence ${when} not submitted (attempt ${attempt}; certainly no run was created): ${error.code}: ${error.message}; retrying at ${isoInstant(nextAttemptAt)} (gives up after ${isoInstant(new Date(deadline))})`,
    );
    deps.telemetry.event(
      'ScheduleOccurrenceRetrying',
      { schedule: def.name, occurrence: when, code: error.code, nextAttemptAt: isoInstant(nextAttemptAt) },
      { attempts: attempt },
    );
    return {
      kind: 'update',
      pending: {
        occurrence: entry.occurrence,
        attempts: attempt,
        nextAttemptAt: isoInstant(nextAttemptAt),
        deadline: isoInstant(new Date(deadline)),
        lastError: error,
      },
      lastRun: historyOf(held.claim, 'retrying', now, { error }),
      ...(attempt === 1 ? { record: historyEntryOf(written.claim, now) } : {}), // later attempts: only the final outcome
    };
  }
  const final = result.error.transient
    ? {
        code: error.code,
        message: gaveUp(
          error.message,
          `after ${attempt} attempt(s): the retry deadline ${isoInstant(new Date(deadline))} would pass`,
          job.def.name,
        ),
      }
    : error;
  return finishFailed(job, held, final);
}

/** The failure recorded when an occurrence's retries end: why, and what the user can do about it. */
function gaveUp(message: string, why: string, schedule: string): string {
  return `${message} (gave up ${why}; app setting ${SETTINGS.retryDeadlineMinutes.name}). The next occurrence runs as usual; to run one now: aml-triggers schedules run ${schedule}.`;
}

/**
 * Records a created run: the claim (If-Match) and the history. A run id is never lost: a write that fails
 * is tried again, and if storage stays unreachable the claim keeps `submittingAt`, so a later tick
 * reconciles it and finds this very run by its key.
 */
async function recordSubmitted(
  job: OccurrenceJob,
  held: Held,
  run: { runId: string; experiment: string; reconciled: boolean },
): Promise<PendingChange> {
  const { def, occurrence, now, deps } = job;
  const when = isoInstant(occurrence);
  const outcome: Outcome = { status: 'submitted', runId: run.runId };
  const written = await writeOutcome(job, held, outcome);
  const claim =
    written && written !== 'lost' ? written.claim : { ...held.claim, status: 'submitted' as const, runId: run.runId };
  const detail = run.reconciled
    ? `found in Azure ML by its key ${occurrenceSubmissionKey(def.name, occurrence)} after the submission's answer was lost`
    : undefined;
  job.out.submitted.push({
    schedule: def.name,
    occurrence: when,
    trigger: claim.trigger,
    attempts: claim.attempts,
    runId: run.runId,
    ...(run.reconciled ? { reconciled: true } : {}),
  });
  deps.log.info(
    `schedule ${def.name} occurrence ${when} ${run.reconciled ? 'reconciled: run' : 'submitted run'} ${run.runId} (attempt ${claim.attempts}${claim.trigger === 'schedule' ? '' : `, ${claim.trigger}`}${run.reconciled ? '; found by its key, not submitted again' : ''})`,
  );
  deps.telemetry.event(
    'ScheduleOccurrenceSubmitted',
    {
      schedule: def.name,
      occurrence: when,
      runId: run.runId,
      trigger: claim.trigger,
      experiment: run.experiment,
      reconciled: String(run.reconciled),
    },
    { attempts: claim.attempts, latenessSeconds: Math.round((now.getTime() - occurrence.getTime()) / 1000) },
  );
  if (written === 'lost') {
    deps.log.error(
      `schedule ${def.name} occurrence ${when}: run ${run.runId} was created, but storage refused to record it; the occurrence stays pending and the next ticks find this run by its key (it is not submitted again)`,
    );
    return { kind: 'leave' };
  }
  if (!written) return { kind: 'leave' }; // taken over meanwhile (cannot happen while we hold submittingAt, but the new holder decides)
  return {
    kind: 'done',
    lastRun: historyOf(claim, 'submitted', now, { runId: run.runId }),
    record: historyEntryOf(written.claim, now, detail),
  };
}

/**
 * Writes an outcome If-Match, trying again when storage fails. `undefined`: someone else changed the claim;
 * `'lost'`: storage stayed unreachable (the claim is as it was).
 */
async function writeOutcome(job: OccurrenceJob, held: Held, outcome: Outcome): Promise<Held | undefined | 'lost'> {
  const { def, occurrence, now, deps } = job;
  let etag = held.etag;
  for (let tryNo = 1; tryNo <= OUTCOME_WRITE_TRIES; tryNo++) {
    try {
      const written = await deps.store.claims.recordOutcome(held.claim, etag, outcome, now);
      if (written.status === 'written') return { claim: written.claim, etag: written.etag };
      // A conflict after a failed try may be that try's own write, applied though its answer was lost.
      if (tryNo === 1) return undefined;
      const current = await deps.store.claims.get(def.name, occurrence);
      if (current.status !== 'found') return undefined;
      if (
        current.claim.status === outcome.status &&
        (outcome.status !== 'submitted' || current.claim.runId === outcome.runId)
      )
        return { claim: current.claim, etag: current.etag };
      if (current.claim.status !== held.claim.status || current.claim.attempts !== held.claim.attempts)
        return undefined;
      etag = current.etag;
    } catch {
      if (tryNo === OUTCOME_WRITE_TRIES) return 'lost';
    }
  }
  return 'lost';
}

// ---------------------------------------------------------------------------------------------------
// Unknown outcomes

/**
 * The request may have reached Azure ML: look the run up by its key. Found → submitted; no run carries the
 * key → nothing was created, submit again (returns the claim to submit); the look-up failed → unknown.
 */
async function reconcile(job: OccurrenceJob, read: ClaimRead, reason: ReconcileReason): Promise<PendingChange | Held> {
  const { def, occurrence, now, deps } = job;
  const when = isoInstant(occurrence);
  const key = occurrenceSubmissionKey(def.name, occurrence);
  const base = claimToSettle(job, read);
  const since = unknownSince(read, now);
  const target = job.target();
  if (!target.ok)
    return recordUnknown(job, base, {
      error: summary(target.error),
      since,
      key,
      experiment: '(its target cannot be resolved)',
      lookedUp: true,
    });
  const experiment = occurrenceSubmission(def, target.value, {
    occurrence,
    trigger: 'retry',
    runSource: deps.settings.runSource,
  }).ExperimentName;
  // No time filter: an occurrence's key is never reused, and comparing the app's clock with Azure ML's
  // could hide the run (a run missed here would be submitted again).
  const looked = await deps.client.findRun(target.value, { experimentName: experiment, key });
  if (!looked.ok) {
    const why = reasonText(reason, read, def.name, occurrence);
    return recordUnknown(job, base, {
      error: {
        code: 'schedule.submit.outcome_unknown',
        message: `${why}; looking the run up by its key failed (${looked.error.code}: ${looked.error.message})`,
      },
      since,
      key,
      experiment,
      lookedUp: true,
    });
  }
  if (looked.value) return reconciled(job, base, looked.value, experiment);
  // Azure ML answered: no run carries the key, at least reconcileAfterMs after the request. Nothing was created.
  deps.log.warn(
    `schedule ${def.name} occurrence ${when}: ${reasonText(reason, read, def.name, occurrence)}; no run in experiment ${experiment} carries its key ${key}, so none was created: submitting it again`,
  );
  return (await takeOver(job, read, true)) ?? { kind: 'leave' };
}

async function reconciled(job: OccurrenceJob, base: Held, run: FoundRun, experiment: string): Promise<PendingChange> {
  if (run.matches > 1)
    job.deps.log.error(
      `schedule ${job.def.name} occurrence ${isoInstant(job.occurrence)}: ${run.matches} runs carry its key (duplicates made outside this app's control?); the earliest, ${run.runId}, is recorded`,
    );
  return recordSubmitted(job, base, { runId: run.runId, experiment, reconciled: true });
}

/** The claim a reconciliation writes over, If-Match on what was read (a corrupt one: a stand-in document). */
function claimToSettle(job: OccurrenceJob, read: ClaimRead): Held {
  if (read.status === 'found') return { claim: read.claim, etag: read.etag };
  const nowIso = isoInstant(job.now);
  const stand: Claim = {
    name: job.def.name,
    occurrence: occurrenceKey(job.occurrence),
    trigger: 'retry',
    status: 'claimed',
    attempts: Math.max(1, job.entry.attempts),
    claimedAt: nowIso,
    updatedAt: nowIso,
    owner: job.deps.settings.owner,
  };
  // 'missing' never reaches reconcile (claimDecision takes missing claims over); the etag '*' would not match.
  return { claim: stand, etag: read.status === 'corrupt' ? read.etag : '*' };
}

function unknownSince(read: ClaimRead, now: Date): Date {
  if (read.status === 'found') {
    const at = read.claim.unknownSince ?? read.claim.submittingAt;
    if (at) return new Date(at);
  }
  if (read.status === 'corrupt' && read.lastModified) return read.lastModified;
  return now;
}

function reasonText(reason: ReconcileReason, read: ClaimRead, name: string, occurrence: Date): string {
  switch (reason) {
    case 'in_flight':
      return `the app stopped while submitting this occurrence (request sent at ${read.status === 'found' ? read.claim.submittingAt : '?'})`;
    case 'corrupt':
      return `its claim blob ${claimBlobName(name, occurrenceKey(occurrence))} could not be read${read.status === 'corrupt' ? ` (${read.error.message})` : ''}, so whether a request was sent cannot be known`;
    case 'unknown':
      return `the outcome of its submission was unknown${read.status === 'found' && read.claim.unknownSince ? ` since ${read.claim.unknownSince}` : ''}`;
  }
}

/**
 * Records that the outcome is unknown: claim `unknown` (If-Match), one history entry when it becomes
 * unknown, log and event; the entry waits for the next look-up. After the retry deadline the app stops
 * looking: the occurrence leaves the pending list, still `unknown`, for the operator.
 */
async function recordUnknown(
  job: OccurrenceJob,
  held: Held,
  info: { error: ErrorSummary; since: Date; key: string; experiment: string; lookedUp: boolean },
): Promise<PendingChange> {
  const { def, entry, occurrence, now, deps } = job;
  const when = isoInstant(occurrence);
  const deadline = Date.parse(held.claim.deadline ?? entry.deadline);
  // Looked up once the request is reconcileAfterMs old, and then every reconcileAfterMs after a look-up that failed.
  const nextLookupAt = new Date(
    Math.max(info.since.getTime(), info.lookedUp ? now.getTime() : 0) + deps.settings.reconcileAfterMs,
  );
  const givingUp = now.getTime() > deadline;
  const advice = `Azure ML may or may not have started a run for it. The app does not submit it again before it knows: ${
    givingUp
      ? `it stopped looking at ${when} after the retry deadline (${isoInstant(new Date(deadline))}).`
      : `it looks the run up again from ${isoInstant(nextLookupAt)}.`
  } To check by hand: in experiment ${info.experiment}, look for a run whose property or tag ${SUBMISSION_KEY_NAME} is ${info.key}; submit the occurrence by hand only if there is none.`;
  const error: ErrorSummary = { code: 'schedule.submit.outcome_unknown', message: `${info.error.message}. ${advice}` };
  const outcome: Outcome = { status: 'unknown', error, since: info.since, nextLookupAt, key: info.key };
  const written = await writeOutcome(job, held, outcome);
  if (!written || written === 'lost') return { kind: 'leave' }; // someone else settled it, or storage is down: the claim is as it was
  const becameUnknown = held.claim.status !== 'unknown';
  // Listed in the tick's report (and counted by the health heartbeat) once, when it becomes unknown.
  if (becameUnknown)
    job.out.unknown.push({
      schedule: def.name,
      occurrence: when,
      trigger: written.claim.trigger,
      attempts: written.claim.attempts,
      error,
      key: info.key,
      ...(givingUp ? {} : { nextLookupAt: isoInstant(nextLookupAt) }),
    });
  deps.log.error(`schedule ${def.name} occurrence ${when}: outcome unknown: ${error.message}`);
  if (becameUnknown || givingUp) {
    deps.telemetry.event(
      'ScheduleOutcomeUnknown',
      {
        schedule: def.name,
        occurrence: when,
        key: info.key,
        experiment: info.experiment,
        code: info.error.code,
        final: String(givingUp),
      },
      { attempts: written.claim.attempts },
    );
  }
  const lastRun = historyOf(written.claim, 'unknown', now, { error });
  const record = becameUnknown || givingUp ? { record: historyEntryOf(written.claim, now) } : {};
  if (givingUp) return { kind: 'done', lastRun, ...record };
  return {
    kind: 'update',
    pending: { ...entry, attempts: written.claim.attempts, nextAttemptAt: isoInstant(nextLookupAt), lastError: error },
    lastRun,
    ...record,
  };
}

// ---------------------------------------------------------------------------------------------------

async function finishFailed(job: OccurrenceJob, held: Held, error: ErrorSummary): Promise<PendingChange> {
  const { def, occurrence, now, deps } = job;
  const written = await deps.store.claims.recordOutcome(held.claim, held.etag, { status: 'failed', error }, now);
  if (written.status !== 'written') return { kind: 'leave' };
  const when = isoInstant(occurrence);
  job.out.failed.push({
    schedule: def.name,
    occurrence: when,
    trigger: held.claim.trigger,
    attempts: held.claim.attempts,
    error,
  });
  deps.log.error(
    `schedule ${def.name} occurrence ${when} failed (attempt ${held.claim.attempts}; no run was created): ${error.code}: ${error.message}`,
  );
  deps.telemetry.event(
    'ScheduleOccurrenceFailed',
    { schedule: def.name, occurrence: when, code: error.code, message: error.message },
    { attempts: held.claim.attempts },
  );
  return {
    kind: 'done',
    lastRun: historyOf(held.claim, 'failed', now, { error }),
    record: historyEntryOf(written.claim, now),
  };
}

/** The target is disabled: the claimed occurrence is recorded skipped (claim, history, log, event); it is never replayed. */
async function finishSkipped(job: OccurrenceJob, held: Held, reason: string): Promise<PendingChange> {
  const { def, occurrence, now, deps } = job;
  const written = await deps.store.claims.recordOutcome(held.claim, held.etag, { status: 'skipped', reason }, now);
  if (written.status !== 'written') return { kind: 'leave' };
  const when = isoInstant(occurrence);
  job.out.skipped.push({ schedule: def.name, count: 1, first: when, last: when });
  deps.log.warn(`schedule ${def.name} occurrence ${when} skipped: ${reason}`);
  deps.telemetry.event(
    'ScheduleOccurrenceSkipped',
    { schedule: def.name, occurrence: when, first: when, last: when, reason },
    { count: 1 },
  );
  return {
    kind: 'done',
    lastRun: { ...historyOf(written.claim, 'skipped', now, {}), detail: reason },
    record: { ...historyEntryOf(written.claim, now), status: 'skipped', detail: reason },
  };
}

function historyOf(
  claim: Claim,
  status: HistoryEntry['status'],
  now: Date,
  extra: { runId?: string; error?: ErrorSummary },
): HistoryEntry {
  return {
    ...historyEntryOf(claim, now),
    status,
    ...(extra.runId ? { runId: extra.runId } : {}),
    ...(extra.error ? { error: extra.error } : {}),
  };
}

export function summary(error: AppError): ErrorSummary {
  return { code: error.code, message: error.message };
}
