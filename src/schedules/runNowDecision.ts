/**
 * Run now, the decisions (pure, no I/O; carried out by runNow.ts): what a request id may be, which claim
 * it takes, what a repeated request gets when its claim already exists, and the submission's body.
 *
 * A run-now request is claimed exactly like an occurrence: a claim blob created If-None-Match: * under
 * the schedule's claims, named `manualClaimId(request id)` (blobNames.ts), a name no occurrence can
 * have, so a manual run never takes an occurrence's claim nor counts as one. What a repeated request
 * gets is the tick's own claim decision (claimDecision.ts) read for a request.
 */
import type { DataPathAssignment, ParameterValue, PipelineTarget, SubmissionBody, V2Input } from '../aml/types';
import { showValue, type AppError } from '../errors';
import { manualClaimId } from './blobNames';
import { decideClaim, type ClaimPolicy } from './claimDecision';
import type { TimeScheduleDefinition } from './definition';
import { isoInstant } from './instants';
import type { ClaimRead } from './occurrenceClaims';
import { occurrenceSubmission, TAG_OCCURRENCE } from './submitOccurrence';

/** Tag carrying the run-now request id on the Azure ML run (find a run whose outcome is unknown). */
export const TAG_REQUEST = 'aml-triggers.request';
/** Tag carrying who asked for a run-now. */
export const TAG_REQUESTED_BY = 'aml-triggers.requested_by';

const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9_.=-]{0,127}$/;

/** A request id as given (header or option named `field`), checked: letters, digits, `_.=-`, at most 128. */
export function checkRequestId(id: string, field: string): AppError | undefined {
  if (REQUEST_ID.test(id)) return undefined;
  return {
    code: 'schedule.run_now.request_id.invalid',
    status: 400,
    field,
    value: id,
    message: `${field} ${showValue(id)} is not a usable request id: give 1 to 128 letters, digits, "_", ".", "=" or "-" starting with a letter or digit (a GUID is ideal).`,
  };
}

/** What a repeated request id gets, from the claim the first request left. */
export type Repeat =
  | { readonly kind: 'replay'; readonly runId: string }
  | { readonly kind: 'failed'; readonly error: AppError }
  | { readonly kind: 'in-progress'; readonly retryAfterSeconds: number; readonly error: AppError }
  | { readonly kind: 'unknown'; readonly error: AppError };

/**
 * What a repeated request gets, from the claim the first one left, as the tick decides for an
 * occurrence (`decideClaim`): a settled claim replays its run or its failure; a holder still within its
 * time is waited for (409, Retry-After); one that stopped is reported, never resubmitted: before sending
 * (nothing was sent: ask again with a new id) or while the request may have reached Azure ML (unknown).
 */
export function decideRepeat(read: ClaimRead, requestId: string, now: Date, policy: ClaimPolicy): Repeat {
  const base = { field: 'requestId', value: requestId };
  const name = read.status === 'found' ? read.claim.name : 'this schedule';
  const decision = decideClaim({
    claim: read,
    entry: {
      occurrence: manualClaimId(requestId),
      attempts: 1,
      nextAttemptAt: isoInstant(now),
      deadline: isoInstant(now),
    },
    now,
    policy,
  });
  switch (decision.kind) {
    case 'done':
      if (decision.status === 'submitted' && read.status === 'found' && read.claim.runId)
        return { kind: 'replay', runId: read.claim.runId };
      break;
    case 'wait':
      return {
        kind: 'in-progress',
        retryAfterSeconds: Math.max(1, Math.ceil((decision.until.getTime() - now.getTime()) / 1000)),
        error: {
          ...base,
          code: 'schedule.run_now.in_progress',
          status: 409,
          transient: true,
          message: `Run-now request ${requestId} of schedule "${name}" is being submitted; ask again with the same request id in a moment to get its run.`,
        },
      };
    case 'takeOver':
      return {
        kind: 'unknown',
        error: {
          ...base,
          code: 'schedule.run_now.abandoned',
          status: 409,
          message: `Run-now request ${requestId} of schedule "${name}" stopped before it was submitted; nothing was sent. Ask again with a new request id.`,
        },
      };
    case 'reconcile':
      return {
        kind: 'unknown',
        error: {
          ...base,
          code: 'schedule.run_now.outcome_unknown',
          status: 409,
          message: `Run-now request ${requestId} of schedule "${name}" stopped while it was being submitted, or its answer was lost: Azure ML may or may not have started a run. It is not submitted again under this request id; look for a run tagged ${TAG_REQUEST}=${requestId} and, if there is none, ask again with a new request id.`,
        },
      };
    case 'giveUp':
      break;
  }
  const claim = read.status === 'found' ? read.claim : undefined;
  const why = claim?.error ? `${claim.error.code}: ${claim.error.message}` : `status ${claim?.status ?? read.status}`;
  return {
    kind: 'failed',
    error: {
      ...base,
      code: 'schedule.run_now.failed_before',
      status: 409,
      message: `Run-now request ${requestId} of schedule "${name}" already failed (${why}); it is not submitted again under the same request id: ask again with a new request id.`,
    },
  };
}

export interface RunNowOverrides {
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  readonly dataPaths?: Readonly<Record<string, DataPathAssignment>>;
  /** v2 targets: inputs in v2 terms (the request's `Inputs`). */
  readonly inputs?: Readonly<Record<string, V2Input>>;
}

/**
 * The body of a run-now submission: the occurrence body of the schedule (its resolved target, its own
 * parameters, inputs and tags) with the request's overrides key by key, tagged `manual` with the request
 * id and who asked instead of an occurrence instant. A name the request sets in any terms replaces the
 * schedule's input of that name (the request's value wins, as on the submit route).
 */
export function runNowSubmission(
  def: TimeScheduleDefinition,
  target: PipelineTarget,
  request: RunNowOverrides & {
    readonly requestId: string;
    readonly requestedBy: string;
    readonly now: Date;
    readonly runSource: string;
  },
): SubmissionBody {
  const base = occurrenceSubmission(def, target, {
    occurrence: request.now,
    trigger: 'manual',
    runSource: request.runSource,
  });
  const { [TAG_OCCURRENCE]: _occurrence, ...tags } = base.Tags ?? {};
  const replaced = new Set([...Object.keys(request.parameters ?? {}), ...Object.keys(request.dataPaths ?? {})]);
  const inputs = {
    ...Object.fromEntries(Object.entries(base.Inputs ?? {}).filter(([n]) => !replaced.has(n))),
    ...(request.inputs ?? {}),
  };
  const { Inputs: _schedule, ...withoutInputs } = base;
  return {
    ...withoutInputs,
    ParameterAssignments: { ...base.ParameterAssignments, ...(request.parameters ?? {}) },
    DataPathAssignments: { ...base.DataPathAssignments, ...(request.dataPaths ?? {}) },
    ...(Object.keys(inputs).length > 0 ? { Inputs: inputs } : {}),
    // Azure ML tag values are strings of bounded length: who asked is kept short.
    Tags: { ...tags, [TAG_REQUEST]: request.requestId, [TAG_REQUESTED_BY]: request.requestedBy.slice(0, 256) },
  };
}
