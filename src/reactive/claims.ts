/**
 * "Exactly one run per blob version": the claim blob of `(schedule, blob, ETag)` is the single right to
 * submit that version. It is created If-None-Match: * (the Event Grid blob trigger delivers at least once
 * and one upload can raise several events, so many deliveries race; storage lets exactly one create
 * win), and every later change is If-Match on the claim's ETag, so exactly one delivery moves it on.
 *
 * This module only reads and writes claims; what a delivery does with an existing claim is decided by
 * the pure rule in claimDecision.ts.
 *
 * Claim blob: `reactive-claims/<schedule>/<sha256(container + "/" + blob name)>/<etag>.json` (blobNames.ts). The name is
 * hashed because blob names may be 1,024 characters of anything; the record inside keeps it verbatim.
 * States: `claimed` (held; `submittingAt` set just before the request goes to Azure ML), `submitted`
 * (with the run id), `failed` (certainly no run; with the error, `transient` when it may pass by itself),
 * `unknown` (a request may have reached Azure ML and no run was found yet: reconciled by a later delivery).
 */
import { submissionKey } from '../aml/submissionKey';
import { reactiveClaimBlobName } from '../schedules/blobNames';
import type { BlobJsonStore, JsonParser } from '../storage/blobJson';
import { normalizeEtag } from './blobEvent';

/**
 * How long a `claimed` claim belongs to its holder. A live holder needs at most the submit deadline
 * (60 s) plus a few storage writes; after a crash the host delivers the queue message again about 10
 * minutes after it was taken (its visibility timeout), so a lease well below that lets that redelivery act.
 */
export const DEFAULT_LEASE_MS = 5 * 60_000;

export interface ClaimKey {
  readonly schedule: string;
  readonly container: string;
  readonly blobName: string;
  readonly etag: string;
}

export type ClaimState = 'claimed' | 'submitted' | 'failed' | 'unknown';

export interface ClaimRecord {
  readonly version: 1;
  readonly schedule: string;
  readonly container: string;
  readonly blobName: string;
  readonly etag: string;
  readonly state: ClaimState;
  readonly attempts: number;
  readonly claimedAt: string;
  readonly updatedAt: string;
  readonly runId?: string;
  readonly error?: ClaimError;
  /** Set (If-Match) just before the request goes to Azure ML: from then on a run may exist. */
  readonly submittingAt?: string;
}

export interface ClaimError {
  readonly code: string;
  readonly message: string;
  readonly transient: boolean;
}

/** A claim this delivery holds: its blob name, the ETag of the claim blob, and what it says. */
export interface OwnedClaim {
  readonly name: string;
  readonly etag: string;
  readonly record: ClaimRecord;
}

export type OpenOutcome =
  /** Created now: this delivery holds it and must submit. */
  | { readonly status: 'created'; readonly claim: OwnedClaim }
  /** It existed: decide with claimDecision.ts, then `take` it (If-Match) to act. */
  | { readonly status: 'found'; readonly claim: OwnedClaim }
  | {
      readonly status: 'corrupt';
      readonly name: string;
      readonly etag: string;
      readonly message: string;
      readonly lastModified?: Date;
    };

export type Outcome =
  | { readonly runId: string }
  | { readonly error: ClaimError }
  /** A request may have reached Azure ML and no run was found: keeps `submittingAt` for reconciling. */
  | { readonly unknown: ClaimError };

export interface CompleteOptions {
  /** Attempts at writing a `submitted` outcome before giving up (the run id must not be lost). */
  readonly writeAttempts?: number;
  /** Pause between those attempts (ms). */
  readonly writeRetryMs?: number;
}

/** The claim blob's name for a key (pure; named in schedules/blobNames.ts with every other blob). */
export function claimName(key: ClaimKey): string {
  return reactiveClaimBlobName(key);
}

const STATES: ReadonlySet<string> = new Set(['claimed', 'submitted', 'failed', 'unknown']);

const parseRecord: JsonParser<ClaimRecord> = (raw) => {
  if (typeof raw !== 'object' || raw === null) return { ok: false, message: 'is not a claim object' };
  const r = raw as Partial<ClaimRecord>;
  if (
    r.version !== 1 ||
    typeof r.blobName !== 'string' ||
    typeof r.attempts !== 'number' ||
    typeof r.updatedAt !== 'string' ||
    !STATES.has(String(r.state))
  ) {
    return { ok: false, message: 'is not a version 1 claim record' };
  }
  return { ok: true, value: r as ClaimRecord };
};

function freshRecord(key: ClaimKey, now: Date, attempts: number): ClaimRecord {
  const at = now.toISOString();
  return {
    version: 1,
    schedule: key.schedule,
    container: key.container,
    blobName: key.blobName,
    etag: key.etag,
    state: 'claimed',
    attempts,
    claimedAt: at,
    updatedAt: at,
  };
}

export class ClaimStore {
  constructor(readonly store: BlobJsonStore) {}

  /** Creates the claim (If-None-Match: *) or reads the one that exists. */
  async open(key: ClaimKey, now: Date): Promise<OpenOutcome> {
    const name = claimName(key);
    const fresh = freshRecord(key, now, 1);
    for (;;) {
      const created = await this.store.createIfAbsent(name, fresh);
      if (created.status === 'written')
        return { status: 'created', claim: { name, etag: created.etag, record: fresh } };
      const current = await this.store.read(name, parseRecord);
      if (current.status === 'found')
        return { status: 'found', claim: { name, etag: current.etag, record: current.value } };
      if (current.status === 'corrupt')
        return {
          status: 'corrupt',
          name,
          etag: current.etag,
          message: current.error.message,
          ...(current.lastModified ? { lastModified: current.lastModified } : {}),
        };
      // Deleted (by an operator) between the two requests: create it again.
    }
  }

  /**
   * Takes an existing claim over (If-Match on what was read): `claimed` by this delivery, one attempt
   * more, the error dropped. `keepSubmitting` keeps the earlier send time (to reconcile it); otherwise
   * nothing of an earlier send remains. `undefined` when another delivery changed it first.
   */
  async take(
    held: { readonly name: string; readonly etag: string; readonly record?: ClaimRecord },
    key: ClaimKey,
    now: Date,
    options: { readonly keepSubmitting: boolean },
  ): Promise<OwnedClaim | undefined> {
    // A corrupt claim is rebuilt from the key (its attempts are unknown: counted from 1 again).
    const base: ClaimRecord = held.record ?? freshRecord(key, now, 0);
    const { error: _e, submittingAt, ...rest } = base;
    const next: ClaimRecord = {
      ...rest,
      state: 'claimed',
      attempts: base.attempts + 1,
      updatedAt: now.toISOString(),
      ...(options.keepSubmitting && submittingAt ? { submittingAt } : {}),
    };
    const written = await this.store.replaceIfMatch(held.name, next, held.etag);
    return written.status === 'written' ? { name: held.name, etag: written.etag, record: next } : undefined;
  }

  /** Marks the claim `submittingAt` (If-Match) just before the request is sent; `undefined` if taken over meanwhile. */
  async markSubmitting(claim: OwnedClaim, now: Date): Promise<OwnedClaim | undefined> {
    const record: ClaimRecord = { ...claim.record, submittingAt: now.toISOString(), updatedAt: now.toISOString() };
    const written = await this.store.replaceIfMatch(claim.name, record, claim.etag);
    return written.status === 'written' ? { name: claim.name, etag: written.etag, record } : undefined;
  }

  /**
   * Records the outcome of the submission this delivery held (If-Match). A run id is never lost: a
   * `submitted` outcome is written even over a claim someone took over meanwhile (the run exists), and a
   * failing write is tried again `writeAttempts` times before this throws — the invocation then fails and
   * the redelivery finds the claim with `submittingAt` and reconciles it to the same run.
   */
  async complete(claim: OwnedClaim, outcome: Outcome, now: Date, options: CompleteOptions = {}): Promise<ClaimRecord> {
    const { error: _e, submittingAt, ...rest } = claim.record;
    const at = now.toISOString();
    const record: ClaimRecord =
      'runId' in outcome
        ? {
            ...rest,
            state: 'submitted',
            runId: outcome.runId,
            updatedAt: at,
            ...(submittingAt ? { submittingAt } : {}),
          }
        : 'unknown' in outcome
          ? {
              ...rest,
              state: 'unknown',
              error: outcome.unknown,
              updatedAt: at,
              ...(submittingAt ? { submittingAt } : {}),
            }
          : { ...rest, state: 'failed', error: outcome.error, updatedAt: at };
    const attempts = 'runId' in outcome ? Math.max(1, options.writeAttempts ?? 3) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const written = await this.store.replaceIfMatch(claim.name, record, claim.etag);
        // A lost race: the lease ran out and another delivery took the claim over. A run id still wins
        // (the run exists); any other outcome leaves the newer holder's record alone.
        if (written.status !== 'written' && 'runId' in outcome) await this.store.upsert(claim.name, record);
        return record;
      } catch (e) {
        if (attempt >= attempts) throw e;
        await new Promise((resolve) => setTimeout(resolve, options.writeRetryMs ?? 500));
      }
    }
  }

  async read(key: ClaimKey): Promise<ClaimRecord | undefined> {
    const r = await this.store.read(claimName(key), parseRecord);
    return r.status === 'found' ? r.value : undefined;
  }
}

/**
 * The submission key of a blob version's run (`SubmitOptions.key`, derived by the one `submissionKey`):
 * the run carries it, and a redelivery finds the run by it. Same inputs as the claim, ETag unquoted.
 */
export function reactiveSubmissionKey(key: ClaimKey): string {
  return submissionKey('blob', key.schedule, key.container, key.blobName, normalizeEtag(key.etag));
}
