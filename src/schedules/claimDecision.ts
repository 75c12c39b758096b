/**
 * What to do about an occurrence whose claim someone else holds or held: pure, no I/O (as croner keeps
 * `nextRuns` apart from `schedule()`). The tick reads the claim, asks `decideClaim`, and carries the
 * decision out.
 *
 * | Claim                                   | Condition                                      | Decision                         |
 * |-----------------------------------------|------------------------------------------------|----------------------------------|
 * | missing                                 | (a pending entry whose claim is gone)          | takeOver `missing` (create it)   |
 * | submitted / failed / skipped            |                                                | done                             |
 * | claimed, no `submittingAt`              | now < updatedAt + claimTimeout                 | wait until then                  |
 * |                                         | otherwise (holder stopped before sending)      | takeOver `stale_claim`           |
 * | claimed WITH `submittingAt`             | now < submittingAt + submitDeadline + timeout  | wait until then                  |
 * |                                         | otherwise (holder stopped, request in flight)  | reconcile `in_flight`            |
 * | retrying                                | nextAttemptAt > now and <= deadline            | wait until nextAttemptAt         |
 * |                                         | now > deadline                                 | giveUp (retry deadline passed)   |
 * |                                         | otherwise (its time has come)                  | takeOver `retry_due`             |
 * | unknown                                 | now < nextLookupAt (unknownSince + reconcileAfter) | wait until then              |
 * |                                         | otherwise                                      | reconcile `unknown`              |
 * | corrupt (not JSON, not a claim)         | now < written + submitDeadline + timeout (*)   | wait until then                  |
 * |                                         | otherwise                                      | reconcile `corrupt`              |
 *
 * `takeOver` means nothing was sent under this claim: the new holder may submit. `reconcile` means the
 * request may have reached Azure ML: the run is looked up by the occurrence's tag before anything is
 * sent, and never resubmitted blindly. A corrupt claim is treated like a holder that crashed at the worst
 * moment (whether it had sent the request cannot be known), so it is reconciled, never taken over.
 * The retry deadline is the claim's (set when the occurrence was first handled), else the entry's.
 * (*) `written`: the corrupt blob's last-modified time, or the occurrence's instant when that time is
 * unknown or ahead of `now` (a storage clock ahead of this one must not make it wait forever).
 */
import { parseOccurrenceKey } from './instants';
import type { ClaimRead } from './occurrenceClaims';
import type { PendingRetry } from './stateTypes';

export interface ClaimPolicy {
  /** How long a holder that went silent is left alone (`SCHEDULE_CLAIM_TIMEOUT_SECONDS`). */
  readonly claimTimeoutMs: number;
  /** How long one submission may take (`SCHEDULE_SUBMIT_DEADLINE_SECONDS`). */
  readonly submitDeadlineMs: number;
  /** How long after an outcome became unknown the run is looked up (again). */
  readonly reconcileAfterMs: number;
}

export type TakeOverReason = 'missing' | 'stale_claim' | 'retry_due';
export type ReconcileReason = 'in_flight' | 'unknown' | 'corrupt';

export type ClaimDecision =
  | { readonly kind: 'done'; readonly status: 'submitted' | 'failed' | 'skipped' }
  | { readonly kind: 'wait'; readonly until: Date }
  /** Nothing was sent under this claim: take it over (If-Match; create it when missing) and submit. */
  | { readonly kind: 'takeOver'; readonly reason: TakeOverReason }
  /** The request may have reached Azure ML: look the run up by its key before anything is sent. */
  | { readonly kind: 'reconcile'; readonly reason: ReconcileReason }
  /** A retrying occurrence's retry deadline passed: record it failed. */
  | { readonly kind: 'giveUp'; readonly reason: string; readonly deadline: Date };

export interface ClaimSituation {
  readonly claim: ClaimRead;
  /** The occurrence's pending entry in the schedule's state. */
  readonly entry: PendingRetry;
  readonly now: Date;
  readonly policy: ClaimPolicy;
}

export function decideClaim({ claim: read, entry, now, policy }: ClaimSituation): ClaimDecision {
  const nowMs = now.getTime();
  const waitOr = (untilMs: number, then: ClaimDecision): ClaimDecision =>
    nowMs < untilMs ? { kind: 'wait', until: new Date(untilMs) } : then;
  if (read.status === 'missing') return { kind: 'takeOver', reason: 'missing' };
  if (read.status === 'corrupt') {
    // Its own time is gone with its content: the blob's last write (storage time), unless that is unknown
    // or ahead of this clock (it could then never come): then the occurrence's instant (no holder can
    // have claimed it earlier; a stable anchor, unlike the entry's attempt time, which waiting moves).
    const written = read.lastModified?.getTime();
    const since =
      written !== undefined && written <= nowMs
        ? written
        : (parseOccurrenceKey(entry.occurrence)?.getTime() ?? Number.NEGATIVE_INFINITY);
    return waitOr(since + policy.submitDeadlineMs + policy.claimTimeoutMs, { kind: 'reconcile', reason: 'corrupt' });
  }
  const claim = read.claim;
  switch (claim.status) {
    case 'submitted':
    case 'failed':
    case 'skipped':
      return { kind: 'done', status: claim.status };
    case 'claimed':
      if (claim.submittingAt)
        return waitOr(Date.parse(claim.submittingAt) + policy.submitDeadlineMs + policy.claimTimeoutMs, {
          kind: 'reconcile',
          reason: 'in_flight',
        });
      return waitOr(Date.parse(claim.updatedAt) + policy.claimTimeoutMs, { kind: 'takeOver', reason: 'stale_claim' });
    case 'retrying': {
      const deadline = Date.parse(claim.deadline ?? entry.deadline);
      const next = claim.nextAttemptAt ? Date.parse(claim.nextAttemptAt) : nowMs;
      if (next > nowMs && next <= deadline) return { kind: 'wait', until: new Date(next) };
      if (nowMs > deadline)
        return { kind: 'giveUp', reason: 'the retry deadline passed', deadline: new Date(deadline) };
      return { kind: 'takeOver', reason: 'retry_due' };
    }
    case 'unknown': {
      const lookup = claim.nextLookupAt
        ? Date.parse(claim.nextLookupAt)
        : Date.parse(claim.unknownSince ?? claim.updatedAt) + policy.reconcileAfterMs;
      return waitOr(lookup, { kind: 'reconcile', reason: 'unknown' });
    }
  }
}
