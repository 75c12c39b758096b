/**
 * Retry policy for submissions (pure: the caller supplies "now" and the random source).
 *
 * Retried: only attempts that certainly created no run and may succeed later (outcome.ts): no
 * connection made (refused, DNS, connect timeout), 429 (honouring `Retry-After`) and 408. Never
 * retried: an attempt whose outcome is unknown (a 5xx, a timeout or reset after connecting: the run may
 * exist; it is reconciled, not resent), any other refusing 4xx, and anything once the total deadline
 * would be passed. Delay: `Retry-After` when the service gives one (seconds or an HTTP date), else capped
 * exponential backoff with full jitter (`random() * min(cap, base * 2^(attempt-1))`, AWS architecture
 * blog "Exponential Backoff and Jitter").
 */
import { backoffDelay as sharedBackoff } from '../util/backoff';

import { classifyAttempt, type AttemptObservation } from './outcome';

export type AttemptOutcome = AttemptObservation;

export interface RetryPolicy {
  /** Maximum number of attempts, including the first. */
  maxAttempts: number;
  /** Backoff base in milliseconds (the first retry waits up to this long). */
  baseDelayMs: number;
  /** Upper bound of a single computed backoff delay. */
  maxDelayMs: number;
  /** Upper bound honoured for a server's Retry-After; longer asks give up instead of waiting. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 60_000,
};

/** Whether an attempt is worth another one (ignoring budgets): it created nothing and may pass. */
export function isRetryable(outcome: AttemptOutcome): boolean {
  const verdict = classifyAttempt(outcome);
  return verdict.outcome === 'not_created' && verdict.retryable;
}

/**
 * Parses a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns milliseconds
 * from `nowMs` (never negative), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * The wait a Retry-After asks for, in seconds counted from when the answer was sent: delta-seconds as
 * given; an HTTP date measured from the answer's own `Date` header when it has a readable one (both come
 * from the service's clock, so clock skew between Azure ML and the app does not matter), else from
 * `receivedAtMs`. Never negative; undefined when absent or unreadable. This is what the app passes on to
 * its own callers; the retry loop's waits (`decideRetry`) keep measuring from the app's clock.
 */
export function retryAfterSeconds(
  value: string | null | undefined,
  dateHeader: string | null | undefined,
  receivedAtMs: number,
): number | undefined {
  const sentMs = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  const ms = parseRetryAfter(value, Number.isNaN(sentMs) ? receivedAtMs : sentMs);
  return ms === undefined ? undefined : ms / 1000;
}

/** Full-jitter exponential backoff for the retry after attempt number `attempt` (1-based): src/util/backoff.ts. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  return sharedBackoff(attempt, { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs }, random);
}

export type RetryDecision =
  | { retry: true; delayMs: number; reason: string }
  | {
      retry: false;
      reason: 'not_retryable' | 'attempts_exhausted' | 'deadline' | 'retry_after_too_long';
      delayMs?: number;
    };

/**
 * Decides what to do after attempt number `attempt` (1-based) ended with `outcome`.
 * `remainingMs` is what is left of the total deadline now; a retry is only planned when the wait leaves
 * time for another attempt (at least `minAttemptMs`).
 */
export function decideRetry(args: {
  outcome: AttemptOutcome;
  attempt: number;
  policy: RetryPolicy;
  nowMs: number;
  remainingMs: number;
  random: () => number;
  minAttemptMs?: number;
}): RetryDecision {
  const { outcome, attempt, policy, nowMs, remainingMs, random } = args;
  if (!isRetryable(outcome)) return { retry: false, reason: 'not_retryable' };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts_exhausted' };
  let delayMs: number;
  let reason: string;
  const retryAfter = outcome.kind === 'status' ? parseRetryAfter(outcome.retryAfter, nowMs) : undefined;
  if (retryAfter !== undefined) {
    if (retryAfter > policy.maxRetryAfterMs)
      return { retry: false, reason: 'retry_after_too_long', delayMs: retryAfter };
    delayMs = retryAfter;
    reason = 'retry-after';
  } else {
    delayMs = backoffDelay(attempt, policy, random);
    reason = 'backoff';
  }
  const minAttemptMs = args.minAttemptMs ?? 1;
  if (delayMs + minAttemptMs > remainingMs) return { retry: false, reason: 'deadline', delayMs };
  return { retry: true, delayMs, reason };
}
