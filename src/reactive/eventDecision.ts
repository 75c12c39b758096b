/**
 * What to do with one blob event (pure; no I/O): act on a blob version, ignore it (certainly not ours,
 * with the reason), or fail the invocation (cannot be handled now but might be later: the host delivers
 * it again, then puts it in the poison queue, where it is visible). Nothing is dropped silently.
 *
 *   unreadable event                                  → fail  (unreadable)
 *   deleted / not a content write / folder marker /
 *   zero length (as the event says)                   → ignore
 *   no schedule watches the folder it is directly in  → ignore (no-matching-schedule)
 *   blob not read yet and a probe is available        → probe (read its properties, then decide again)
 *   no probe: the event's ETag if it has one          → act (trusted as it came)
 *             no ETag                                 → fail  (no-version: set REACTIVE_STORAGE)
 *   probe failed (storage unreachable, throttled...)  → fail  (probe-failed)
 *   blob gone                                         → ignore (deleted)
 *   blob is a folder marker / empty (its own props)   → ignore
 *   blob has no ETag                                  → fail  (no-version)
 *   event's ETag differs from the blob's              → ignore (superseded: the newer version's event runs it)
 *   otherwise                                         → act on the blob's own ETag
 *
 * The version acted on is always a certain one: the blob's own ETag when it was read (the trigger
 * metadata of a real host carries none, see blobEvent.ts).
 */
import type { AppError, Result } from '../errors';
import type { ErrorCode } from '../errorCatalog';
import { normalizeEtag, type BlobEvent } from './blobEvent';
import { IGNORE_EXPLANATION, ignoreReason, type IgnoreReason } from './match';

/** A blob's current state, read with a HEAD request (properties only, never the content). */
export type BlobProbe =
  | { readonly exists: false }
  | { readonly exists: true; readonly etag: string; readonly contentLength?: number; readonly folderMarker?: boolean };

export interface EventFacts {
  readonly parsed: Result<BlobEvent, AppError>;
  /** How many active-or-not schedules watch the folder the blob is directly in (0 when unparsed). */
  readonly matched: number;
  /** Whether the blob's properties can be read (REACTIVE_STORAGE configured). */
  readonly canProbe: boolean;
  /** The probe's answer once read; `undefined` before. */
  readonly probe?: BlobProbe | { readonly failed: AppError };
}

export type SkipReason = IgnoreReason | 'no-matching-schedule' | 'disabled';
export type FailReason = 'unreadable' | 'no-version' | 'probe-failed';

/** The error code an invocation fails with, per reason. */
export const FAIL_CODE = {
  unreadable: 'reactive.event.unreadable',
  'no-version': 'reactive.event.no-version',
  'probe-failed': 'reactive.event.probe-failed',
} as const satisfies Record<FailReason, ErrorCode>;

export type EventDecision =
  | { readonly kind: 'act'; readonly etag: string; readonly source: 'blob' | 'event' }
  | { readonly kind: 'probe' }
  | { readonly kind: 'ignore'; readonly reason: SkipReason }
  | { readonly kind: 'fail'; readonly reason: FailReason; readonly message: string };

export const SKIP_EXPLANATION: Readonly<Record<SkipReason, string>> = {
  ...IGNORE_EXPLANATION,
  'no-matching-schedule':
    'no reactive schedule watches the folder this blob is directly in (blobs in subfolders never fire)',
  disabled: 'the schedule is disabled',
};

export function decideEvent(facts: EventFacts): EventDecision {
  if (!facts.parsed.ok) {
    return {
      kind: 'fail',
      reason: 'unreadable',
      message: `the event cannot be read: ${facts.parsed.error.message} (field ${facts.parsed.error.field ?? '?'})`,
    };
  }
  const event = facts.parsed.value;
  const said = ignoreReason(event);
  if (said) return { kind: 'ignore', reason: said };
  if (facts.matched === 0) return { kind: 'ignore', reason: 'no-matching-schedule' };

  const probe = facts.probe;
  if (probe === undefined) {
    if (facts.canProbe) return { kind: 'probe' };
    if (event.etag) return { kind: 'act', etag: event.etag, source: 'event' };
    return {
      kind: 'fail',
      reason: 'no-version',
      message:
        "the event does not carry the blob version (ETag) and the app cannot read the blob to learn it: set REACTIVE_STORAGE (the watched account's connection)",
    };
  }
  if ('failed' in probe) {
    return {
      kind: 'fail',
      reason: 'probe-failed',
      message: `reading the blob's properties failed: ${probe.failed.message} (${probe.failed.code})`,
    };
  }
  if (!probe.exists) return { kind: 'ignore', reason: 'deleted' };
  if (probe.folderMarker) return { kind: 'ignore', reason: 'folder-marker' };
  if (probe.contentLength === 0) return { kind: 'ignore', reason: 'zero-length' };
  const etag = normalizeEtag(probe.etag);
  if (!etag) return { kind: 'fail', reason: 'no-version', message: 'the storage service gave no ETag for the blob' };
  if (event.etag !== undefined && event.etag !== etag) return { kind: 'ignore', reason: 'superseded' };
  return { kind: 'act', etag, source: 'blob' };
}
