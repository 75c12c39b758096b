/**
 * Claims of timer occurrences (`claims/<name>/<occurrence>.json`, blobNames.ts): the single right to
 * submit one occurrence. Created If-None-Match: * before submitting, so however many instances,
 * retries or restarts race for an occurrence, exactly one holds it; every later transition (record the
 * outcome, take over) is If-Match on the claim's ETag. The timer writes a claim it is about to send
 * under with its `submittingAt` in the same write (`submitting`): one request, and a holder that stops
 * right after claiming is then resolved like one that stopped mid-request (looked up by its key, never
 * sent again blindly).
 *
 * This module only stores claims: what to do with a claim someone else holds is decided by
 * claimDecision.ts, and the history is appended by the caller (`historyEntryOf` builds the entry).
 * A claim that cannot be read (not JSON, not a claim) comes back as a typed `corrupt` read, never as an
 * exception, so the decision can treat it like a holder that crashed.
 */
import { SUBMISSION_KEY_NAME } from '../aml/constants';
import { AppFailure, type AppError } from '../errors';
import type { BlobJsonStore, JsonParser } from '../storage/blobJson';
import { mapLimit } from '../util/mapLimit';
import { claimBlobName, CLAIMS_PREFIX, parseClaimBlobName } from './blobNames';
import { isoInstant, occurrenceKey, parseOccurrenceKey } from './instants';
import type { ScheduleStates } from './scheduleStates';
import type { Claim, ClaimStatus, ErrorSummary, HistoryEntry, Trigger } from './stateTypes';

/** A claim read: there and readable, absent, or there but unreadable. `lastModified` is storage time. */
export type ClaimRead =
  | { readonly status: 'found'; readonly claim: Claim; readonly etag: string; readonly lastModified?: Date }
  | { readonly status: 'missing' }
  | { readonly status: 'corrupt'; readonly etag: string; readonly lastModified?: Date; readonly error: AppError };

export type ClaimOutcome =
  | { readonly status: 'claimed'; readonly claim: Claim; readonly etag: string }
  /** Someone else holds (or held) the occurrence: `existing` is what is stored now (`claim`/`etag` when readable). */
  | { readonly status: 'taken'; readonly existing: ClaimRead; readonly claim?: Claim; readonly etag?: string };

export type ClaimWriteOutcome =
  | { readonly status: 'written'; readonly claim: Claim; readonly etag: string }
  | { readonly status: 'conflict' }
  | { readonly status: 'missing' };

export type Outcome =
  | { readonly status: 'submitted'; readonly runId: string }
  | { readonly status: 'failed'; readonly error: ErrorSummary }
  | { readonly status: 'retrying'; readonly error: ErrorSummary; readonly nextAttemptAt: Date; readonly deadline: Date }
  | { readonly status: 'skipped'; readonly reason: string }
  /**
   * The request may have created a run (its answer was lost, or the holder stopped while it was in
   * flight) and no look-up has settled it yet: looked up again from `nextLookupAt` by `key`.
   */
  | {
      readonly status: 'unknown';
      readonly error: ErrorSummary;
      readonly since: Date;
      readonly nextLookupAt: Date;
      readonly key: string;
    };

const CLAIM_ID = /^[A-Za-z0-9][A-Za-z0-9_.=-]{0,199}$/;

export class OccurrenceClaims {
  constructor(
    private readonly blobs: BlobJsonStore,
    private readonly states: ScheduleStates,
    private readonly concurrency: number,
  ) {}

  /**
   * Claims an occurrence (If-None-Match: *). Exactly one caller gets `claimed` for a given
   * (schedule, occurrence), however many race; the others get `taken` with what is stored.
   * `occurrence` is an instant (keyed by `occurrenceKey`) or an id of letters, digits and `_.=-`.
   */
  async claim(name: string, occurrence: Date | string, init: ClaimInit): Promise<ClaimOutcome> {
    const claim = freshClaim(name, claimId(occurrence), init);
    const created = await this.blobs.createIfAbsent(claimBlobName(name, claim.occurrence), claim);
    if (created.status === 'written') return { status: 'claimed', claim, etag: created.etag };
    const existing = await this.get(name, claim.occurrence);
    return existing.status === 'found'
      ? { status: 'taken', existing, claim: existing.claim, etag: existing.etag }
      : { status: 'taken', existing };
  }

  async get(name: string, occurrence: Date | string): Promise<ClaimRead> {
    const read = await this.blobs.read(claimBlobName(name, claimId(occurrence)), parseClaim);
    if (read.status === 'missing') return read;
    if (read.status === 'corrupt')
      return {
        status: 'corrupt',
        etag: read.etag,
        error: read.error,
        ...(read.lastModified ? { lastModified: read.lastModified } : {}),
      };
    return {
      status: 'found',
      claim: read.value,
      etag: read.etag,
      ...(read.lastModified ? { lastModified: read.lastModified } : {}),
    };
  }

  /**
   * Takes over a claim left in `retrying` (or any status in `from`) for another attempt, If-Match on
   * its ETag: exactly one of several racing instances gets `written`.
   */
  async reclaim(
    claim: Claim,
    etag: string,
    init: {
      readonly now: Date;
      readonly owner?: string;
      readonly from?: readonly ClaimStatus[];
      readonly submitting?: boolean;
    },
  ): Promise<ClaimWriteOutcome> {
    if (!(init.from ?? ['retrying']).includes(claim.status)) return { status: 'conflict' };
    // The new holder's attempt starts afresh: an earlier attempt's `submittingAt` goes (it was reconciled).
    const { error: _e, nextAttemptAt: _n, submittingAt: _s, ...rest } = claim;
    return this.write(
      {
        ...rest,
        status: 'claimed',
        attempts: claim.attempts + 1,
        updatedAt: isoInstant(init.now),
        trigger: 'retry',
        ...(init.owner ? { owner: init.owner } : {}),
        ...(init.submitting ? { submittingAt: isoInstant(init.now) } : {}),
      },
      etag,
    );
  }

  /** Replaces an unreadable claim blob (If-Match on its ETag) with a fresh claim held by the caller. */
  async replaceCorrupt(
    name: string,
    occurrence: Date | string,
    etag: string,
    init: ClaimInit,
  ): Promise<ClaimWriteOutcome> {
    return this.write(freshClaim(name, claimId(occurrence), init), etag);
  }

  /** Marks a held claim as being submitted (`submittingAt`), If-Match: from here on the request may reach Azure ML. */
  async markSubmitting(claim: Claim, etag: string, now: Date): Promise<ClaimWriteOutcome> {
    return this.write({ ...claim, submittingAt: isoInstant(now) }, etag);
  }

  /**
   * Records what became of a claimed occurrence (If-Match on the claim's ETag). `conflict` means the
   * claim changed meanwhile (someone else took it over). The history is the caller's to append.
   */
  async recordOutcome(claim: Claim, etag: string, outcome: Outcome, now: Date): Promise<ClaimWriteOutcome> {
    return this.write(claimWithOutcome(claim, outcome, now), etag);
  }

  /**
   * Deletes the claims of occurrences settled for good, so claim blobs do not pile up (one per occurrence
   * otherwise: half a million a year for a schedule that runs each minute). A claim goes when
   *   - its schedule's state has moved past the occurrence (`lastOccurrence` at or after it, `nextDue`
   *     after it) and does not hold it in `pending`: it can never be planned or retried again, and
   *   - the claim blob has not changed for `settledForMs` of storage time: a tick that read the state
   *     before the occurrence settled (a tick lasts at most the function timeout) cannot still be about
   *     to act on it, so nobody can mistake the missing claim for "not claimed yet".
   * Claims whose id is not an instant, and claims of schedules without a (readable) state, are left
   * alone. Looks at `limit` claims at most (oldest schedules' names first); the next call goes on from the start.
   */
  async pruneSettled(options: {
    readonly settledForMs: number;
    readonly limit?: number;
    readonly wallClock?: () => number;
  }): Promise<{ scanned: number; deleted: number; schedules: number }> {
    const wall = options.wallClock ?? Date.now;
    const cutoff = wall() - options.settledForMs;
    const listed = await this.blobs.list(CLAIMS_PREFIX, { limit: options.limit ?? 5000, pageSize: 5000 });
    const bySchedule = new Map<string, { blob: string; etag: string; occurrence: string; instant: number }[]>();
    for (const item of listed) {
      const parsed = parseClaimBlobName(item.name);
      if (!parsed?.instant || !item.lastModified || item.lastModified.getTime() > cutoff) continue;
      const list = bySchedule.get(parsed.name) ?? [];
      list.push({ blob: item.name, etag: item.etag, occurrence: parsed.occurrence, instant: parsed.instant.getTime() });
      bySchedule.set(parsed.name, list);
    }
    let deleted = 0;
    await mapLimit([...bySchedule.entries()], this.concurrency, async ([name, claims]) => {
      const read = await this.states.read(name).catch(() => undefined);
      const state = read?.status === 'found' ? read.snapshot.state : undefined;
      if (!state?.lastOccurrence) return;
      const last = Date.parse(state.lastOccurrence);
      const next = state.nextDue ? Date.parse(state.nextDue) : Number.POSITIVE_INFINITY;
      const pending = new Set(state.pending.map((p) => p.occurrence));
      const settled = claims.filter((c) => c.instant <= last && c.instant < next && !pending.has(c.occurrence));
      // If-Match on the listed ETag: a claim written since the listing is not deleted.
      const results = await mapLimit(settled, this.concurrency, (c) => this.blobs.deleteIfMatch(c.blob, c.etag));
      deleted += results.filter((r) => r.status === 'deleted').length;
    });
    return { scanned: listed.length, deleted, schedules: bySchedule.size };
  }

  private async write(next: Claim, etag: string): Promise<ClaimWriteOutcome> {
    const written = await this.blobs.replaceIfMatch(claimBlobName(next.name, next.occurrence), next, etag);
    if (written.status === 'written') return { status: 'written', claim: next, etag: written.etag };
    return { status: written.status === 'missing' ? 'missing' : 'conflict' };
  }
}

// ---------------------------------------------------------------------------------------------------

/** How a claim is opened: `submitting` writes `submittingAt` = `now` with it (the holder sends right after). */
export interface ClaimInit {
  readonly now: Date;
  readonly trigger?: Trigger;
  readonly owner?: string;
  readonly submitting?: boolean;
}

function freshClaim(name: string, occurrence: string, init: ClaimInit): Claim {
  return {
    name,
    occurrence,
    trigger: init.trigger ?? 'schedule',
    status: 'claimed',
    attempts: 1,
    claimedAt: isoInstant(init.now),
    updatedAt: isoInstant(init.now),
    ...(init.owner ? { owner: init.owner } : {}),
    ...(init.submitting ? { submittingAt: isoInstant(init.now) } : {}),
  };
}

/** The claim after `outcome` (pure): status, run id or error, retry times; earlier outcome fields dropped. */
export function claimWithOutcome(claim: Claim, outcome: Outcome, now: Date): Claim {
  const {
    error: _e,
    nextAttemptAt: _n,
    deadline: _d,
    runId: _r,
    submittingAt: _s,
    unknownSince: _u,
    nextLookupAt: _l,
    lookupKey: _k,
    ...rest
  } = claim;
  return {
    ...rest,
    status: outcome.status,
    updatedAt: isoInstant(now),
    ...(outcome.status === 'submitted' ? { runId: outcome.runId } : {}),
    ...(outcome.status === 'failed' || outcome.status === 'retrying' || outcome.status === 'unknown'
      ? { error: outcome.error }
      : {}),
    ...(outcome.status === 'unknown'
      ? {
          unknownSince: isoInstant(outcome.since),
          nextLookupAt: isoInstant(outcome.nextLookupAt),
          lookupKey: { tag: SUBMISSION_KEY_NAME, value: outcome.key },
        }
      : {}),
    ...(outcome.status === 'skipped'
      ? { error: { code: 'schedule.occurrence.skipped', message: outcome.reason } }
      : {}),
    ...(outcome.status === 'retrying'
      ? { nextAttemptAt: isoInstant(outcome.nextAttemptAt), deadline: isoInstant(outcome.deadline) }
      : {}),
  };
}

/** The history entry recording a claim's current status (a claim still `claimed` is shown `retrying`). */
export function historyEntryOf(claim: Claim, now: Date, detail?: string): HistoryEntry {
  const instant = parseOccurrenceKey(claim.occurrence);
  return {
    occurrence: instant ? isoInstant(instant) : claim.occurrence,
    trigger: claim.trigger,
    status: claim.status === 'claimed' ? 'retrying' : claim.status,
    ...(claim.runId ? { runId: claim.runId } : {}),
    ...(claim.error ? { error: claim.error } : {}),
    attempts: claim.attempts,
    claimedAt: claim.claimedAt,
    recordedAt: isoInstant(now),
    ...(detail ? { detail } : {}),
  };
}

function claimId(occurrence: Date | string): string {
  if (occurrence instanceof Date) return occurrenceKey(occurrence);
  if (!CLAIM_ID.test(occurrence)) {
    throw new AppFailure({
      code: 'schedule.claim.invalid_id',
      message: `Occurrence id ${JSON.stringify(occurrence)} cannot name a claim: use letters, digits and "_.=-" (at most 200), or pass the occurrence instant.`,
      value: occurrence,
    });
  }
  return occurrence;
}

const CLAIM_STATUSES: readonly string[] = [
  'claimed',
  'submitted',
  'failed',
  'retrying',
  'skipped',
  'unknown',
] satisfies readonly ClaimStatus[];

const parseClaim: JsonParser<Claim> = (raw) => {
  const r = raw as Record<string, unknown> | null;
  return typeof r === 'object' &&
    r !== null &&
    !Array.isArray(r) &&
    typeof r.occurrence === 'string' &&
    typeof r.status === 'string' &&
    CLAIM_STATUSES.includes(r.status) &&
    typeof r.updatedAt === 'string' &&
    typeof r.attempts === 'number'
    ? { ok: true, value: r as unknown as Claim }
    : { ok: false, message: 'is not a claim document (occurrence, status, attempts, updatedAt)' };
};
