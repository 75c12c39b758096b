/**
 * What one submission attempt means for the run it asked for (pure). A v1 pipeline submission carries
 * no idempotency key, so the only safe rule is: send again only what certainly created nothing.
 *
 *   created      a 2xx answer with a readable run `Id`.
 *   not_created  nothing can have reached Azure ML, or Azure ML said it refused the request:
 *                - no connection was ever made (ECONNREFUSED, DNS failures, a connect timeout, a TLS
 *                  handshake that failed: the request's bytes were never written);
 *                - 429 (throttled: the service turned the request away before acting on it);
 *                - 4xx answers that refuse the request: 400, 401, 403, 404, 408, 409, 413, 415, 422.
 *   unknown      the request may have reached Azure ML and we cannot tell whether a run started:
 *                a timeout or a reset / EPIPE after the connection was made (including a reused
 *                keep-alive socket the server had closed), an attempt cut off by cancellation after
 *                connecting, 500/502/503/504 and every other 5xx (a gateway may have forwarded it),
 *                any other status (3xx, an unlisted 4xx), and a 2xx without a readable `Id`.
 *
 * Only `not_created` attempts that may succeed later are retried inside a submission (no connection,
 * 429, 408); an `unknown` attempt is reconciled by looking the run up (runLookup.ts), never resent.
 */
import type { HttpOutcome } from './transport';

/** What the transport saw for one attempt, reduced to what the classification needs. */
export type AttemptObservation =
  | {
      kind: 'status';
      status: number;
      retryAfter?: string | null;
      /** For 2xx: the run `Id` read from the answer, if any. */ runId?: string;
    }
  | { kind: 'timeout'; /** A connection was made (so the request may have been written). */ connected: boolean }
  | { kind: 'network'; code?: string; connected: boolean }
  | { kind: 'aborted'; connected: boolean };

/** What the transport saw, reduced to an observation (`runId`: the id read from a 2xx answer, if any). */
export function observe(answer: HttpOutcome, runId: string | undefined): AttemptObservation {
  switch (answer.kind) {
    case 'response':
      return {
        kind: 'status',
        status: answer.status,
        retryAfter: answer.headers['retry-after'] ?? null,
        ...(runId !== undefined ? { runId } : {}),
      };
    case 'timeout':
      return { kind: 'timeout', connected: answer.connected };
    case 'network':
      return { kind: 'network', code: answer.code, connected: answer.connected };
    case 'aborted':
      return { kind: 'aborted', connected: answer.connected };
  }
}

export type SubmissionOutcome = 'created' | 'not_created' | 'unknown';

export type AttemptVerdict =
  | { outcome: 'created'; runId: string }
  | { outcome: 'not_created'; /** Trying again may succeed (no connection, 429, 408). */ retryable: boolean }
  | { outcome: 'unknown' };

/** 4xx statuses by which Azure ML (or a front end before it) refuses the request without acting on it. */
export const REFUSING_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404, 408, 409, 413, 415, 422]);

/** Statuses worth another attempt: nothing was created and the cause may pass. */
const RETRYABLE_REFUSALS: ReadonlySet<number> = new Set([408, 429]);

export function classifyAttempt(attempt: AttemptObservation): AttemptVerdict {
  switch (attempt.kind) {
    case 'status': {
      const { status } = attempt;
      if (status >= 200 && status < 300) {
        return typeof attempt.runId === 'string' && attempt.runId !== ''
          ? { outcome: 'created', runId: attempt.runId }
          : { outcome: 'unknown' };
      }
      if (status === 429) return { outcome: 'not_created', retryable: true };
      if (REFUSING_STATUSES.has(status)) return { outcome: 'not_created', retryable: RETRYABLE_REFUSALS.has(status) };
      return { outcome: 'unknown' };
    }
    case 'timeout':
    case 'network':
      return attempt.connected ? { outcome: 'unknown' } : { outcome: 'not_created', retryable: true };
    case 'aborted':
      // Cancelled by the caller or the deadline: nothing to retry; whether a run exists depends on
      // whether the request could have been written.
      return attempt.connected ? { outcome: 'unknown' } : { outcome: 'not_created', retryable: false };
  }
}
