/**
 * Counting unknown outcomes and failed submissions (pure). A run counts as **unknown** when its status is
 * `unknown` or its error code is `schedule.submit.outcome_unknown` (the tick records a submission whose
 * answer was lost that way), as **failed** when its status is `failed` with any other code. Retries in
 * progress, skips and successes count as neither.
 */
export const OUTCOME_UNKNOWN_CODE = 'schedule.submit.outcome_unknown';

export interface OutcomeCounts {
  readonly failed: number;
  readonly unknown: number;
}

export const NO_OUTCOMES: OutcomeCounts = { failed: 0, unknown: 0 };

/** Anything that records one run's result: a history entry, a tick's occurrence report. */
export interface RunOutcome {
  readonly status?: string;
  readonly error?: { readonly code?: string };
}

export function classify(run: RunOutcome): keyof OutcomeCounts | undefined {
  if (run.status === 'unknown' || run.error?.code === OUTCOME_UNKNOWN_CODE) return 'unknown';
  if (run.status === 'failed') return 'failed';
  return undefined;
}

export function countOutcomes(runs: Iterable<RunOutcome>): OutcomeCounts {
  let failed = 0;
  let unknown = 0;
  for (const run of runs) {
    const kind = classify(run);
    if (kind === 'failed') failed++;
    else if (kind === 'unknown') unknown++;
  }
  return { failed, unknown };
}

export function addCounts(a: OutcomeCounts, b: OutcomeCounts): OutcomeCounts {
  return { failed: a.failed + b.failed, unknown: a.unknown + b.unknown };
}
