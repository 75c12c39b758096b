/**
 * Which occurrences of a time schedule a tick runs, and which it skips (pure: no I/O, `now` given).
 *
 * The occurrences to decide are those from the schedule's `nextDue` (inclusive) to `now` (inclusive):
 * a normal tick sees one of them, a tick after downtime many.
 *   - An occurrence is **current** when it is at most `graceMs` old (the tick came a little late: a
 *     slow start, a tick that took long, a deployment of a few seconds): current occurrences always run,
 *     oldest first. The grace must exceed the timer's tick interval, or every occurrence would count as
 *     missed.
 *   - Older ones were **missed** (nobody ran them while the app was down). The schedule's `missed_runs`
 *     decides (docs/schedules.md, ours):
 *       skip   (default, as the SDK: a start in the past does not run earlier occurrences): none run;
 *       latest: the newest missed one runs, unless a current occurrence runs anyway (it is the catch-up);
 *       all:   the newest `missedRunsLimit` missed ones run, oldest first; older ones are skipped.
 *   Every occurrence not run is reported as skipped (count, first, last, the newest few by instant).
 *
 * Never early: only occurrences <= now are ever in the plan. The plan's `nextDue` is the first
 * occurrence after `now` (undefined when the recurrence has ended), or, when `room` cut the run list
 * short, the first occurrence left to run (the next tick picks it up; it stays within the policy since
 * the ones left are the newest).
 *
 * Cost: the occurrences in the gap are enumerated up to `SCAN_CAP`; beyond that (a one-minute schedule
 * down for months) only the newest ones are found, by looking back from `now` in growing windows, and
 * the skipped count is reported as a lower bound.
 */
import { nextOccurrence, occurrencesBetween, type Recurrence } from '../recurrence';
import type { MissedRunsPolicy } from './definition';

export const SCAN_CAP = 50_000;
/** Skipped occurrences listed one by one; more are summarized (first, last, count). */
export const SKIPPED_SAMPLE = 10;

export interface MissedRunsInput {
  readonly recurrence: Recurrence;
  /** The first occurrence not handled yet (inclusive). */
  readonly nextDue: Date;
  readonly now: Date;
  readonly policy: MissedRunsPolicy;
  /** Bound of `all` (the definition's `missedRunsLimit`). */
  readonly limit: number;
  /** How old an occurrence may be and still count as current (not missed). */
  readonly graceMs: number;
  /** At most this many runs are planned (the rest wait for the next tick); default unbounded. */
  readonly room?: number;
}

export interface PlannedRun {
  readonly occurrence: Date;
  /** `schedule` for a current occurrence, `catch_up` for a missed one run by the policy. */
  readonly trigger: 'schedule' | 'catch_up';
}

export interface SkippedRuns {
  /** How many occurrences were skipped (a lower bound when `countIsLowerBound`). */
  readonly count: number;
  readonly countIsLowerBound: boolean;
  readonly first?: Date;
  readonly last?: Date;
  /** The newest skipped occurrences (at most SKIPPED_SAMPLE), oldest first. */
  readonly newest: readonly Date[];
}

export interface OccurrencePlan {
  /** Oldest first. */
  readonly run: readonly PlannedRun[];
  readonly skipped: SkippedRuns;
  /** The newest occurrence handled by this plan (run or skipped), if any. */
  readonly lastHandled?: Date;
  /** What the state's `nextDue` becomes. */
  readonly nextDue: Date | undefined;
}

export function planOccurrences(input: MissedRunsInput): OccurrencePlan {
  const { recurrence, nextDue, now, policy, graceMs } = input;
  if (nextDue.getTime() > now.getTime()) {
    return { run: [], skipped: noneSkipped(), nextDue }; // never early
  }
  const keep = Math.max(1, policy === 'all' ? input.limit : 1) + SKIPPED_SAMPLE;
  const gap = tailOf(recurrence, nextDue, now, keep, graceMs);
  const currentFrom = now.getTime() - graceMs;
  const current = gap.tail.filter((t) => t.getTime() >= currentFrom);
  const missedTail = gap.tail.filter((t) => t.getTime() < currentFrom);
  const missedCount = gap.count - current.length;

  let catchUp: Date[] = [];
  if (policy === 'latest' && current.length === 0) catchUp = missedTail.slice(-1);
  if (policy === 'all') catchUp = missedTail.slice(-Math.max(0, input.limit));
  catchUp = catchUp.slice(-missedCount);

  const runs: PlannedRun[] = [
    ...catchUp.map((occurrence) => ({ occurrence, trigger: 'catch_up' as const })),
    ...current.map((occurrence) => ({ occurrence, trigger: 'schedule' as const })),
  ];
  const skippedCount = missedCount - catchUp.length;
  const skippedKnown = missedTail.slice(0, missedTail.length - catchUp.length);
  const skipped: SkippedRuns =
    skippedCount <= 0
      ? noneSkipped()
      : {
          count: skippedCount,
          countIsLowerBound: gap.countIsLowerBound,
          first: nextDue,
          last: skippedKnown.at(-1) ?? nextDue,
          newest: skippedKnown.slice(-SKIPPED_SAMPLE),
        };

  const room = input.room ?? Number.POSITIVE_INFINITY;
  const taken = runs.slice(0, Math.max(0, room));
  const deferred = runs[taken.length];
  const lastHandled = taken.at(-1)?.occurrence ?? skipped.last; // skipped ones are older than every run
  return {
    run: taken,
    skipped,
    ...(lastHandled ? { lastHandled } : {}),
    nextDue: deferred ? deferred.occurrence : nextOccurrence(recurrence, now),
  };
}

function noneSkipped(): SkippedRuns {
  return { count: 0, countIsLowerBound: false, newest: [] };
}

/**
 * The newest `keep` occurrences in [from, now] and how many there are in all (a lower bound when the
 * gap holds more than SCAN_CAP).
 */
function tailOf(
  r: Recurrence,
  from: Date,
  now: Date,
  keep: number,
  graceMs: number,
): { tail: Date[]; count: number; countIsLowerBound: boolean } {
  const justBefore = new Date(from.getTime() - 1);
  const all = occurrencesBetween(r, justBefore, now, SCAN_CAP);
  if (all.length < SCAN_CAP) return { tail: all.slice(-keep), count: all.length, countIsLowerBound: false };
  // Too many to list: look back from now in growing windows until `keep` (and the grace) are covered.
  let windowMs = Math.max(graceMs, 60 * 60_000);
  for (;;) {
    const start = Math.max(justBefore.getTime(), now.getTime() - windowMs);
    const recent = occurrencesBetween(r, new Date(start), now, SCAN_CAP);
    if (recent.length >= keep || start === justBefore.getTime() || recent.length >= SCAN_CAP) {
      return { tail: recent.slice(-keep), count: Math.max(SCAN_CAP, recent.length), countIsLowerBound: true };
    }
    windowMs *= 4;
  }
}
