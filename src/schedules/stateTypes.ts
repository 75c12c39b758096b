/**
 * What the app keeps about each schedule in Blob Storage (blobNames.ts names the blobs, stateStore.ts the parts). All
 * instants are ISO 8601 UTC strings with `Z` and no fractional seconds (recurrence.md, Output).
 */
import type { ScheduleStatus } from './definition';

export const STATE_SCHEMA_VERSION = 1;

/** An occurrence whose submission failed transiently and will be tried again on a later tick. */
export interface PendingRetry {
  /** The occurrence (its claim id, `occurrenceKey` of the instant). */
  readonly occurrence: string;
  /** Submission attempts made so far. */
  readonly attempts: number;
  /** Not before this instant. */
  readonly nextAttemptAt: string;
  /** Give up (record `failed`) after this instant. */
  readonly deadline: string;
  readonly lastError?: ErrorSummary;
  /** How the occurrence was planned (`schedule`, or `catch_up` for a missed one run by `missed_runs`). */
  readonly trigger?: Trigger;
}

export interface ErrorSummary {
  readonly code: string;
  readonly message: string;
}

export interface ScheduleState {
  readonly schemaVersion: number;
  readonly name: string;
  readonly kind: 'time' | 'reactive';
  /** Whether the schedule fires (`enable()` / `disable()`); a disabled schedule never fires. */
  readonly enabled: boolean;
  /** `ScheduleDefinition.hash` of the definition this state was last synced with. */
  readonly definitionHash: string;
  /** `ScheduleDefinition.timingHash` at the last sync: a change re-plans `nextDue` from "now". */
  readonly timingHash: string;
  /** The definition's `status` at the last sync: a change in the file switches `enabled`. */
  readonly definitionStatus: ScheduleStatus;
  /** When the state was created: the start of recurrences without `start_time`. */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly enabledChangedAt?: string;
  /** The last occurrence handled (submitted, failed for good, or skipped). */
  readonly lastOccurrence?: string;
  /** The next occurrence to handle; absent when disabled, reactive, or the recurrence has ended. */
  readonly nextDue?: string;
  /** Occurrences waiting for a retry (bounded by the store). */
  readonly pending: readonly PendingRetry[];
  /**
   * When a tick must next look at this schedule: the earliest of `nextDue` and the pending retries'
   * `nextAttemptAt`, absent when disabled. Maintained by the store; it keys the due index.
   */
  readonly wakeAt?: string;
  /** Name of this state's due-index marker blob (maintained by the store). */
  readonly dueMarker?: string;
  /** The most recent history entry, so listings need not read the history. */
  readonly lastRun?: HistoryEntry;
  /**
   * The timer's newest history entries (newest first), written with the state by the tick's settle write
   * and not yet filed into `history.json`: the tick files them there when there are `HISTORY_INBOX_LIMIT`,
   * so an occurrence costs no history request of its own. Readers merge both (history.ts).
   */
  readonly recentHistory?: readonly HistoryEntry[];
}

export type Trigger = 'schedule' | 'catch_up' | 'retry' | 'blob' | 'manual';

/**
 * `unknown`: the submission may or may not have reached Azure ML (the answer was lost, or the app
 * stopped while the request was in flight); it is not sent again before the run has been looked up.
 */
export type RunStatus = 'submitted' | 'failed' | 'retrying' | 'skipped' | 'unknown';

/** One handled occurrence (or blob event, or manual run) in a schedule's run history. */
export interface HistoryEntry {
  /** The occurrence instant for time schedules (ISO); the event id for others. */
  readonly occurrence?: string;
  readonly trigger: Trigger;
  readonly status: RunStatus;
  readonly runId?: string;
  readonly error?: ErrorSummary;
  readonly attempts?: number;
  readonly claimedAt?: string;
  readonly recordedAt: string;
  /** Free text, e.g. the blob that fired a reactive schedule. */
  readonly detail?: string;
}

export interface HistoryDocument {
  readonly name: string;
  /** Newest first, at most the store's history limit. */
  readonly entries: readonly HistoryEntry[];
}

/**
 * `claimed`: held for submitting (with `submittingAt` once the request may have been sent);
 * `submitted` / `failed` / `skipped`: done; `retrying`: a transient failure that certainly created no run,
 * tried again at `nextAttemptAt`; `unknown`: the request may have created a run, look it up by its
 * occurrence tag (`lookupKey`) before anything is sent again (claimDecision.ts: `reconcile`).
 */
export type ClaimStatus = 'claimed' | 'submitted' | 'failed' | 'retrying' | 'skipped' | 'unknown';

/**
 * The exclusive right to handle one occurrence. Created with If-None-Match: * before submitting, so
 * however many instances, retries or restarts race for an occurrence, exactly one submits it; every
 * later transition is If-Match on the claim's ETag.
 */
export interface Claim {
  readonly name: string;
  /** The occurrence id (`occurrenceKey(instant)` for time schedules). */
  readonly occurrence: string;
  readonly trigger: Trigger;
  readonly status: ClaimStatus;
  readonly attempts: number;
  readonly claimedAt: string;
  readonly updatedAt: string;
  /** Who holds it (instance id / invocation id), for diagnosis. */
  readonly owner?: string;
  readonly runId?: string;
  readonly error?: ErrorSummary;
  readonly nextAttemptAt?: string;
  readonly deadline?: string;
  /**
   * Set (If-Match) just before the request goes to Azure ML: a claim left `claimed` WITH it means its
   * holder stopped while the request may have been sent (outcome unknown); without it, nothing was sent.
   */
  readonly submittingAt?: string;
  /** Since when the outcome is `unknown` (status `unknown`). */
  readonly unknownSince?: string;
  /** Status `unknown`: not looked up again before this instant (default `unknownSince` + the reconcile delay). */
  readonly nextLookupAt?: string;
  /** Status `unknown`: the run tag to look the run up by in Azure ML, e.g. `aml-triggers.occurrence` = the instant. */
  readonly lookupKey?: { readonly tag: string; readonly value: string };
}
