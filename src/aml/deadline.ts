/**
 * One deadline for a whole submission (retries and look-ups included), shared by the v1 and v2 clients:
 * a signal that aborts when the caller's does or when the time is up, and the time left.
 */
export interface SubmissionDeadline {
  /** Aborts when the caller's signal does or the deadline passes: everything the submission does uses it. */
  readonly signal: AbortSignal;
  /** Milliseconds left (negative once passed). */
  remaining(): number;
  /** Stops the timer; call when the submission ends. */
  dispose(): void;
}

export function startDeadline(deadlineMs: number, now: () => number, callerSignal?: AbortSignal): SubmissionDeadline {
  const started = now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  return {
    signal: callerSignal ? AbortSignal.any([callerSignal, controller.signal]) : controller.signal,
    remaining: () => deadlineMs - (now() - started),
    dispose: () => clearTimeout(timer),
  };
}
