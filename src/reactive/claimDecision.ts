/**
 * What a delivery does with a blob version's claim that already exists (pure; no I/O). There is ONE rule
 * for claims, the timer's and the reactive ones: `decideClaim` in src/schedules/claimDecision.ts. This
 * module states how a reactive claim reads in its terms, and adds the step after a look-up.
 *
 *   reactive claim                      → as the shared rule sees it        → decision
 *   submitted                           → submitted                          → done (a duplicate)
 *   failed (no run was created)         → retrying, due now, no deadline     → take over and submit again:
 *                                         (the host bounds the attempts — poisonBlobThreshold, then the
 *                                         poison queue — and a requeued poison message runs it)
 *   claimed, no `submittingAt`          → claimed                            → wait for the lease, then take over
 *   claimed, `submittingAt`             → claimed, submittingAt              → wait for submit deadline + lease,
 *                                                                              then reconcile
 *   unknown                             → unknown, looked up on every delivery → reconcile
 *   corrupt                             → corrupt (its last write)           → wait as for a send then, then
 *                                                                              reconcile
 *
 * "wait" means another delivery may still be working on it: the handler waits a little, then fails its
 * invocation so that the event is delivered again. Reconcile, after the look-up by the version's
 * submission key (`decideAfterLookup`):
 *   found                               → record `submitted` with that run id.
 *   look-up failed                      → stays unknown: fail the invocation, report it, retry later.
 *   not found, a settle period after the last possible send (sentAt + submit deadline + settle)
 *                                       → submit (Azure ML said, authoritatively, that no run exists).
 *   not found, earlier                  → stays unknown: wait (the run may not be listed yet).
 *
 * A request is never sent twice blindly: every path that submits again either knows nothing was sent
 * (no `submittingAt`, or a `not_created` failure) or has asked Azure ML and been told no run exists.
 */
import { decideClaim as decideSharedClaim } from '../schedules/claimDecision';
import type { Claim } from '../schedules/stateTypes';
import type { ClaimRecord } from './claims';

export interface ClaimPolicy {
  /** How long a `claimed` claim belongs to its holder before a redelivery may act on it. */
  readonly leaseMs: number;
  /** The submission's total budget (all attempts): the last request may be sent until sentAt + this. */
  readonly submitDeadlineMs: number;
  /** How long after the last possible send a run is surely listed by the look-up. */
  readonly settleMs: number;
}

export type ClaimView =
  { readonly kind: 'found'; readonly record: ClaimRecord } | { readonly kind: 'corrupt'; readonly lastModified?: Date };

export type ClaimDecision =
  | { readonly action: 'done'; readonly runId?: string }
  | { readonly action: 'wait'; readonly untilMs: number }
  | { readonly action: 'takeOver' }
  | { readonly action: 'reconcile'; readonly sentAtMs?: number };

/** Reactive retries have no deadline of their own: the host's delivery count bounds them. */
const NO_DEADLINE = '9999-12-31T23:59:59.999Z';

/** A reactive claim as the shared rule reads it (see the table above). */
function asSharedClaim(r: ClaimRecord): Claim {
  const common = {
    name: r.schedule,
    occurrence: r.etag,
    trigger: 'blob' as const,
    attempts: r.attempts,
    claimedAt: r.claimedAt,
    updatedAt: r.updatedAt,
  };
  switch (r.state) {
    case 'submitted':
      return { ...common, status: 'submitted', ...(r.runId ? { runId: r.runId } : {}) };
    case 'failed':
      return { ...common, status: 'retrying', deadline: NO_DEADLINE };
    case 'unknown':
      return { ...common, status: 'unknown', unknownSince: r.updatedAt, nextLookupAt: r.updatedAt };
    case 'claimed':
      return { ...common, status: 'claimed', ...(r.submittingAt ? { submittingAt: r.submittingAt } : {}) };
  }
}

export function decideClaim(view: ClaimView, nowMs: number, policy: ClaimPolicy): ClaimDecision {
  const now = new Date(nowMs);
  const shared = { claimTimeoutMs: policy.leaseMs, submitDeadlineMs: policy.submitDeadlineMs, reconcileAfterMs: 0 };
  const entry = {
    occurrence: view.kind === 'found' ? view.record.etag : '',
    attempts: 0,
    nextAttemptAt: now.toISOString(),
    deadline: NO_DEADLINE,
  };
  const claim =
    view.kind === 'found'
      ? ({ status: 'found', claim: asSharedClaim(view.record), etag: '' } as const)
      : ({
          status: 'corrupt',
          etag: '',
          ...(view.lastModified ? { lastModified: view.lastModified } : {}),
          error: { code: 'reactive.claim.corrupt', message: 'unreadable' },
        } as const);
  const d = decideSharedClaim({ claim, entry, now, policy: shared });
  switch (d.kind) {
    case 'done':
      return { action: 'done', ...(view.kind === 'found' && view.record.runId ? { runId: view.record.runId } : {}) };
    case 'wait':
      return { action: 'wait', untilMs: d.until.getTime() };
    case 'takeOver':
      return { action: 'takeOver' };
    case 'reconcile':
      return { action: 'reconcile', ...(view.kind === 'found' ? sentAt(view.record) : {}) };
    case 'giveUp':
      // Not reachable: reactive claims carry no retry deadline (NO_DEADLINE). Trying again is the safe side
      // (a `failed` claim certainly created no run).
      return { action: 'takeOver' };
  }
}

export type LookupAnswer =
  { readonly kind: 'found'; readonly runId: string } | { readonly kind: 'notFound' } | { readonly kind: 'failed' };

export type AfterLookup =
  | { readonly action: 'record'; readonly runId: string }
  | { readonly action: 'submit' }
  | { readonly action: 'unknown'; readonly why: 'lookup-failed' }
  | { readonly action: 'unknown'; readonly why: 'not-settled'; readonly untilMs: number };

export function decideAfterLookup(
  answer: LookupAnswer,
  sentAtMs: number | undefined,
  nowMs: number,
  policy: ClaimPolicy,
): AfterLookup {
  if (answer.kind === 'found') return { action: 'record', runId: answer.runId };
  if (answer.kind === 'failed') return { action: 'unknown', why: 'lookup-failed' };
  if (sentAtMs === undefined) return { action: 'submit' };
  const settled = sentAtMs + policy.submitDeadlineMs + policy.settleMs;
  return nowMs >= settled ? { action: 'submit' } : { action: 'unknown', why: 'not-settled', untilMs: settled };
}

function sentAt(r: ClaimRecord): { sentAtMs?: number } {
  const t = r.submittingAt ? Date.parse(r.submittingAt) : NaN;
  return Number.isFinite(t) ? { sentAtMs: t } : {};
}
