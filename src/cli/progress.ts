/**
 * Progress lines on stderr for long work (`aml-triggers schedules apply` of thousands of schedules):
 * "applied 1,200/5,000 schedules (state and next run)". Silent for small work (`total` under `minTotal`),
 * so a three-schedule apply prints nothing but its result. For large work a line is printed at every
 * tenth of the total and, between those, at most every `everyMs` (default 2 s), so slow storage still
 * shows it is moving; the last item always gets its line. Which lines appear for a given total does not
 * depend on speed, except the time-based ones in between.
 */
export interface ProgressOptions {
  /** Totals below this print nothing (default 100). */
  readonly minTotal?: number;
  /** Longest silence between lines of large work (default 2000 ms). */
  readonly everyMs?: number;
  /** Monotonic milliseconds (default performance.now). */
  readonly clock?: () => number;
}

export type ProgressLine = (done: number, total: number) => string;

/** A reporter per kind of step: call it with (done, total) as items finish. */
export function progressPrinter(
  print: (line: string) => void,
  options: ProgressOptions = {},
): (line: ProgressLine, done: number, total: number) => void {
  const minTotal = options.minTotal ?? 100;
  const everyMs = options.everyMs ?? 2000;
  const clock = options.clock ?? (() => performance.now());
  let last = clock();
  const stepsShown = new Map<ProgressLine, number>();
  return (line, done, total) => {
    if (total < minTotal) return;
    const step = Math.floor((done * 10) / total);
    const now = clock();
    const newStep = step > (stepsShown.get(line) ?? 0);
    if (!newStep && now - last < everyMs && done !== total) return;
    if (done === total && stepsShown.get(line) === 10) return;
    stepsShown.set(line, Math.max(step, stepsShown.get(line) ?? 0));
    last = now;
    print(line(done, total));
  };
}

/** 5000 → "5,000". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
