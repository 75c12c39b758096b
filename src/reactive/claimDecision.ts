/**
 * What a delivery does with a blob version's claim that already exists (pure; no I/O). The ONE rule for a
 * claim, stated for the reactive side (the timer's tick applies the same rule to occurrence claims):
 *
 *   submitted                         → done: this version already started its run.
 *   failed (no run was created)       → take over and submit again: the host bounds how often
 *                                       (poisonBlobThreshold, then the poison queue), and a poison
 *                                       message requeued once the cause is fixed runs it.
 *   claimed, younger than the lease   → wait: its holder is alive; the invocation fails and is retried.
 *   claimed, older, no `submittingAt` → take over and submit: its holder died before sending anything.
 *   claimed, older, `submittingAt`    → reconcile: the request may have been sent; look the run up.
 *   unknown (outcome of a send lost)  → reconcile at once: its holder finished and recorded that.
 *   corrupt (unreadable claim blob)   → reconcile, like a crash mid-send (when it was sent is unknown).
 *
 * Reconcile, after the look-up by the version's submission key (`decideAfterLookup`):
 *   found                               → record `submitted` with that run id.
 *   look-up failed                      → stays unknown: fail the invocation, report it, retry later.
 *   not found, a settle period after the last possible send (sentAt + submit deadline + settle)
 *                                       → submit (Azure ML said, authoritatively, that no run exists).
 *   not found, earlier                  → stays unknown: wait (the run may not be listed yet).
 *
 * A request is never sent twice blindly: every path that submits again either knows nothing was sent
 * (no `submittingAt`, or a `not_created` failure) or has asked Azure ML and been told no run exists.
 */
import type { ClaimRecord } from './claims';

export interface ClaimPolicy {
  /** How long a `claimed` claim belongs to its holder before a redelivery may act on it. */
  readonly leaseMs: number;
  /** The submission's total budget (all attempts): the last request may be sent until sentAt + this. */
  readonly submitDeadlineMs: number;
  /** How long after the last possible send a run is surely listed by the look-up. */
  readonly settleMs: number;
}

export type ClaimView = { readonly kind: 'found'; readonly record: ClaimRecord } | { readonly kind: 'corrupt' };

export type ClaimDecision =
  | { readonly action: 'done'; readonly runId?: string }
  | { readonly action: 'wait'; readonly untilMs: number }
  | { readonly action: 'takeOver' }
  | { readonly action: 'reconcile'; readonly sentAtMs?: number };

export function decideClaim(view: ClaimView, nowMs: number, policy: ClaimPolicy): ClaimDecision {
  if (view.kind === 'corrupt') return { action: 'reconcile' };
  const r = view.record;
  switch (r.state) {
    case 'submitted':
      return { action: 'done', ...(r.runId ? { runId: r.runId } : {}) };
    case 'failed':
      return { action: 'takeOver' };
    case 'unknown':
      return { action: 'reconcile', ...sentAt(r) };
    case 'claimed': {
      const updated = Date.parse(r.updatedAt);
      const leaseEnds = (Number.isFinite(updated) ? updated : 0) + policy.leaseMs;
      if (nowMs < leaseEnds) return { action: 'wait', untilMs: leaseEnds };
      return r.submittingAt ? { action: 'reconcile', ...sentAt(r) } : { action: 'takeOver' };
    }
  }
}

export type LookupAnswer = { readonly kind: 'found'; readonly runId: string } | { readonly kind: 'notFound' } | { readonly kind: 'failed' };

export type AfterLookup =
  | { readonly action: 'record'; readonly runId: string }
  | { readonly action: 'submit' }
  | { readonly action: 'unknown'; readonly why: 'lookup-failed' }
  | { readonly action: 'unknown'; readonly why: 'not-settled'; readonly untilMs: number };

export function decideAfterLookup(answer: LookupAnswer, sentAtMs: number | undefined, nowMs: number, policy: ClaimPolicy): AfterLookup {
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
