/**
 * Submission keys (pure): the identity a run carries in its Properties and Tags (`aml_triggers_key`) so
 * that a submission whose outcome is unknown can be found again instead of being resent. One function
 * derives every key, so the timer, reactive and HTTP paths stay comparable:
 *
 *   submissionKey('occ', scheduleName, occurrenceIso)            one occurrence of a time schedule
 *   submissionKey('blob', scheduleName, container, blob, etag)   one blob version for one reactive schedule
 *   submissionKey('http', targetName, requestId)                 one HTTP request (caller's id or a new one)
 *
 * A key is `<kind>-<40 hex digits of SHA-256 over the parts>`: at most 57 characters of `[a-z0-9-]`, so
 * it fits the `[A-Za-z0-9_-]{1,64}` the run-history filter needs (constants.ts) and never carries user
 * text into a query.
 */
import { createHash } from 'node:crypto';

export const SUBMISSION_KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const KIND_PATTERN = /^[a-z][a-z0-9]{0,15}$/;

/** Whether a string may be used as a submission key as it is. */
export function isSubmissionKey(value: string): boolean {
  return SUBMISSION_KEY_PATTERN.test(value);
}

/** Derives the key of a submission from what identifies it. `kind`: lower-case letters and digits, ≤ 16. */
export function submissionKey(kind: string, ...parts: string[]): string {
  if (!KIND_PATTERN.test(kind))
    throw new Error(`submissionKey: kind must match ${KIND_PATTERN.source}, not ${JSON.stringify(kind)}`);
  if (parts.length === 0) throw new Error('submissionKey: give at least one part');
  // JSON keeps the parts apart: ('a', 'bc') and ('ab', 'c') differ.
  const digest = createHash('sha256')
    .update(JSON.stringify([kind, ...parts]), 'utf8')
    .digest('hex');
  return `${kind}-${digest.slice(0, 40)}`;
}
