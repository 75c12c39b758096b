/**
 * Capped exponential backoff (pure), one function for every retry the app schedules: the Azure ML
 * client's quick retries within a submission (full jitter) and the timer's retries on later ticks
 * (no jitter, so the documented delays — 1, 2, 4 … up to 15 minutes — are what happens).
 */
export interface BackoffPolicy {
  /** Delay before the first retry. */
  readonly baseMs: number;
  /** Upper bound of one delay. */
  readonly maxMs: number;
}

/**
 * The delay before the retry that follows attempt number `attempt` (1-based): `min(maxMs, baseMs · 2^(attempt−1))`,
 * multiplied by `random()` when a random source is given (full jitter, AWS architecture blog
 * "Exponential Backoff and Jitter"), rounded down to whole milliseconds.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random?: () => number): number {
  const capped = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random ? random() * capped : capped);
}
