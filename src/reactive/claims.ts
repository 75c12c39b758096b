/**
 * "Exactly one run per blob version": before submitting, a handler claims `(schedule, blob, ETag)` with a
 * create-if-absent write (If-None-Match: *). The Event Grid blob trigger delivers at least once and one
 * upload can raise several events (functions-host.md), so many deliveries race for one claim; storage
 * lets exactly one create succeed, the others see `exists` and stop.
 *
 * Claim blob: `reactive-claims/<schedule>/<sha256(container + "/" + blob name)>/<etag>.json` (blobNames.ts). The name is
 * hashed because blob names may be 1,024 characters of anything; the record inside keeps it verbatim.
 *
 * Retry policy (the spec is silent; chosen here):
 *  - `submitted`: a duplicate, never submitted again.
 *  - `claimed` and younger than the lease (default 10 min): another delivery is submitting right now;
 *    this one stops (`in-progress`). Older: its owner died mid-way; the claim is taken over (If-Match on
 *    the claim's ETag, so only one delivery wins) and submitted. That is the one case where a run can be
 *    submitted twice (the owner died after Azure ML accepted but before recording it): v1 submissions
 *    have no idempotency key.
 *  - `failed` with a transient error (throttling, 5xx, timeout): the next delivery (the host retries the
 *    invocation because the handler throws) takes it over and tries again, up to `maxAttempts` (default 5,
 *    the host's `poisonBlobThreshold`) in total; after that it stays `failed`.
 *  - `failed` with a permanent error (400/403/404...): never retried automatically, since retrying cannot
 *    help; fix the cause, then delete the claim blob or upload the file again (a new ETag is a new run).
 */
import { reactiveClaimBlobName } from '../schedules/blobNames';
import type { BlobJsonStore, JsonParser } from '../storage/blobJson';

export const DEFAULT_LEASE_MS = 10 * 60_000;
export const DEFAULT_MAX_ATTEMPTS = 5;

export interface ClaimKey {
  readonly schedule: string;
  readonly container: string;
  readonly blobName: string;
  readonly etag: string;
}

export type ClaimState = 'claimed' | 'submitted' | 'failed';

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
  readonly error?: { readonly code: string; readonly message: string; readonly transient: boolean };
}

export type AcquireOutcome =
  /** This delivery owns the claim and must submit, then `complete` it. */
  | { readonly status: 'acquired'; readonly claim: OwnedClaim }
  | { readonly status: 'duplicate'; readonly record: ClaimRecord }
  | { readonly status: 'in-progress'; readonly record: ClaimRecord }
  | { readonly status: 'gave-up'; readonly record: ClaimRecord };

export interface OwnedClaim {
  readonly name: string;
  readonly etag: string;
  readonly record: ClaimRecord;
}

export interface ClaimOptions {
  readonly leaseMs?: number;
  readonly maxAttempts?: number;
}

/** The claim blob's name for a key (pure; named in schedules/blobNames.ts with every other blob). */
export function claimName(key: ClaimKey): string {
  return reactiveClaimBlobName(key);
}

const parseRecord: JsonParser<ClaimRecord> = (raw) => {
  if (typeof raw !== 'object' || raw === null) return { ok: false, message: 'is not a claim object' };
  const r = raw as Partial<ClaimRecord>;
  if (r.version !== 1 || typeof r.blobName !== 'string' || typeof r.attempts !== 'number' || !['claimed', 'submitted', 'failed'].includes(String(r.state))) {
    return { ok: false, message: 'is not a version 1 claim record' };
  }
  return { ok: true, value: r as ClaimRecord };
};

export class ClaimStore {
  private readonly leaseMs: number;
  private readonly maxAttempts: number;

  constructor(
    readonly store: BlobJsonStore,
    options: ClaimOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  async acquire(key: ClaimKey, now: Date): Promise<AcquireOutcome> {
    const name = claimName(key);
    const fresh: ClaimRecord = {
      version: 1,
      schedule: key.schedule,
      container: key.container,
      blobName: key.blobName,
      etag: key.etag,
      state: 'claimed',
      attempts: 1,
      claimedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const created = await this.store.createIfAbsent(name, fresh);
    if (created.status === 'written') return { status: 'acquired', claim: { name, etag: created.etag, record: fresh } };

    // Someone claimed this version before: decide from what they recorded (at most a few rounds, since
    // each round either ends or loses a race to a delivery that made progress).
    for (let round = 0; round < 3; round++) {
      const current = await this.store.read(name, parseRecord);
      if (current.status === 'missing') {
        // Deleted by an operator between our two requests: claim afresh.
        const again = await this.store.createIfAbsent(name, fresh);
        if (again.status === 'written') return { status: 'acquired', claim: { name, etag: again.etag, record: fresh } };
        continue;
      }
      if (current.status === 'corrupt') {
        // Unreadable claim: do not guess; a human has to look (the error names the blob).
        return { status: 'gave-up', record: { ...fresh, state: 'failed', error: { code: current.error.code, message: current.error.message, transient: false } } };
      }
      const record = current.value;
      if (record.state === 'submitted') return { status: 'duplicate', record };
      const age = now.getTime() - Date.parse(record.updatedAt);
      const stale = record.state === 'claimed' && !(age < this.leaseMs);
      const retryable = record.state === 'failed' && record.error?.transient === true && record.attempts < this.maxAttempts;
      if (record.state === 'claimed' && !stale) return { status: 'in-progress', record };
      if (!stale && !retryable) return { status: 'gave-up', record };
      const next: ClaimRecord = { ...record, state: 'claimed', attempts: record.attempts + 1, updatedAt: now.toISOString() };
      const taken = await this.store.replaceIfMatch(name, withoutError(next), current.etag);
      if (taken.status === 'written') return { status: 'acquired', claim: { name, etag: taken.etag, record: withoutError(next) } };
    }
    const last = await this.store.read(name, parseRecord);
    return { status: 'in-progress', record: last.status === 'found' ? last.value : fresh };
  }

  /** Records the outcome of the submission this delivery owned. */
  async complete(
    claim: OwnedClaim,
    outcome: { readonly runId: string } | { readonly error: { code: string; message: string; transient: boolean } },
    now: Date,
  ): Promise<ClaimRecord> {
    const record: ClaimRecord =
      'runId' in outcome
        ? { ...claim.record, state: 'submitted', runId: outcome.runId, updatedAt: now.toISOString() }
        : { ...claim.record, state: 'failed', error: outcome.error, updatedAt: now.toISOString() };
    const written = await this.store.replaceIfMatch(claim.name, record, claim.etag);
    // A lost race here means the lease expired and someone took over; their record wins.
    if (written.status !== 'written' && 'runId' in outcome) await this.store.upsert(claim.name, record);
    return record;
  }

  async read(key: ClaimKey): Promise<ClaimRecord | undefined> {
    const r = await this.store.read(claimName(key), parseRecord);
    return r.status === 'found' ? r.value : undefined;
  }
}

function withoutError(record: ClaimRecord): ClaimRecord {
  const { error: _error, ...rest } = record;
  return rest;
}
