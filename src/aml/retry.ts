/**
 * Retry policy for submissions (pure: the caller supplies "now" and the random source).
 *
 * Retried: 429 (honouring `Retry-After`), 408, 5xx, connection resets / refused / DNS hiccups, and
 * per-attempt timeouts. Not retried: any other 4xx (the request itself is wrong or not allowed), and
 * anything once the total deadline would be passed. Delay: `Retry-After` when the service gives one
 * (seconds or an HTTP date), else capped exponential backoff with full jitter
 * (`random() * min(cap, base * 2^(attempt-1))`, AWS architecture blog "Exponential Backoff and Jitter").
 */

export type AttemptOutcome =
  | { kind: 'status'; status: number; retryAfter?: string | null }
  | { kind: 'timeout' }
  | { kind: 'network'; code?: string };

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

/** Whether an outcome is worth another attempt (ignoring budgets). */
export function isRetryable(outcome: AttemptOutcome): boolean {
  if (outcome.kind !== 'status') return true;
  return outcome.status === 429 || outcome.status === 408 || outcome.status >= 500;
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
export function retryAfterSeconds(value: string | null | undefined, dateHeader: string | null | undefined, receivedAtMs: number): number | undefined {
  const sentMs = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  const ms = parseRetryAfter(value, Number.isNaN(sentMs) ? receivedAtMs : sentMs);
  return ms === undefined ? undefined : ms / 1000;
}

/** Full-jitter exponential backoff for the retry after attempt number `attempt` (1-based). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * exp);
}

export type RetryDecision =
  | { retry: true; delayMs: number; reason: string }
  | { retry: false; reason: 'not_retryable' | 'attempts_exhausted' | 'deadline' | 'retry_after_too_long'; delayMs?: number };

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
    if (retryAfter > policy.maxRetryAfterMs) return { retry: false, reason: 'retry_after_too_long', delayMs: retryAfter };
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
