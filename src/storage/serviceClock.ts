/**
 * The storage service's clock as the time authority for the timer (issue: a VM clock that jumps must
 * neither run an occurrence early nor skip one).
 *
 * Every storage response carries a `Date` header (whole seconds, RFC 9110 IMF-fixdate) from the service's
 * clock. One observation — the `Date` of an answer, plus the process's *monotonic* clock when the request
 * left and when the answer came back — anchors the service's clock to the monotonic clock, which a wall-
 * clock correction does not move. From then on the service's time "now" is known to lie in
 *
 *     [ date + (mono_now − received),  date + 1 s + (mono_now − sent) ]
 *
 * (the answer was produced somewhere between sending and receiving; `Date` is truncated to the second).
 * The app's wall clock is then judged against that range: within `toleranceMs` of it, the app's clock is
 * trusted as it is (so a tick at 09:30:00.2 still runs a 09:30 occurrence, although `Date` cannot say
 * better than the second); farther away, the tick does nothing but log (timer.md, "Clock").
 *
 * Pure decisions (`serviceTimeRange`, `judgeClock`) are apart from the small stateful `ServiceClock`
 * that keeps the latest anchor (fed by `BlobJsonStore` on every answer) and takes a fresh one when the
 * anchor is missing, too old, or disagrees (a process that was frozen has a monotonic clock that stood
 * still: a fresh anchor tells a frozen process from a jumped clock).
 */
import { performance } from 'node:perf_hooks';

/** One storage answer: the service's `Date` and the monotonic times around the request. */
export interface ClockAnchor {
  /** The answer's `Date` header, in epoch milliseconds (a whole second). */
  readonly serviceDateMs: number;
  /** Monotonic milliseconds (performance.now()) when the request was sent and the answer received. */
  readonly sentMono: number;
  readonly receivedMono: number;
}

export interface TimeRange {
  readonly earliestMs: number;
  readonly latestMs: number;
}

/** Where the service's clock stands at monotonic time `monoNow`, given an anchor. */
export function serviceTimeRange(anchor: ClockAnchor, monoNow: number): TimeRange {
  return {
    earliestMs: anchor.serviceDateMs + (monoNow - anchor.receivedMono),
    latestMs: anchor.serviceDateMs + 1000 + (monoNow - anchor.sentMono),
  };
}

export type ClockVerdict =
  | { readonly kind: 'agrees'; readonly service: TimeRange }
  | {
      readonly kind: 'disagrees';
      readonly service: TimeRange;
      /** How far the app's clock is outside the service's range: > 0 ahead, < 0 behind (ms). */
      readonly skewMs: number;
    };

/** Judges the app's wall clock `appNowMs` against the service's range. Pure. */
export function judgeClock(args: {
  readonly appNowMs: number;
  readonly service: TimeRange;
  readonly toleranceMs: number;
}): ClockVerdict {
  const { appNowMs, service, toleranceMs } = args;
  if (appNowMs > service.latestMs + toleranceMs)
    return { kind: 'disagrees', service, skewMs: appNowMs - service.latestMs };
  if (appNowMs < service.earliestMs - toleranceMs)
    return { kind: 'disagrees', service, skewMs: appNowMs - service.earliestMs };
  return { kind: 'agrees', service };
}

export interface ServiceClockOptions {
  /** Monotonic milliseconds; default performance.now(). */
  readonly mono?: () => number;
  /** An anchor older than this (monotonic) is renewed before judging; default 1 hour. */
  readonly maxAnchorAgeMs?: number;
}

export const DEFAULT_MAX_ANCHOR_AGE_MS = 60 * 60_000;

/**
 * Keeps the freshest anchor and judges the app's clock. `probe` makes one cheap storage request whose
 * answer reaches `observe` (the store's adapter does that for every request it makes).
 */
export class ServiceClock {
  private latest: ClockAnchor | undefined;
  private readonly mono: () => number;
  private readonly maxAgeMs: number;

  constructor(options: ServiceClockOptions = {}) {
    this.mono = options.mono ?? (() => performance.now());
    this.maxAgeMs = options.maxAnchorAgeMs ?? DEFAULT_MAX_ANCHOR_AGE_MS;
  }

  /** Monotonic now, for callers timing a request they then `observe`. */
  monoNow(): number {
    return this.mono();
  }

  /** Records an answer's `Date` (ignored when absent or unreadable). */
  observe(date: Date | string | undefined, sentMono: number, receivedMono: number): void {
    const ms = date instanceof Date ? date.getTime() : typeof date === 'string' ? Date.parse(date) : Number.NaN;
    if (!Number.isFinite(ms)) return;
    this.latest = { serviceDateMs: ms, sentMono, receivedMono };
  }

  anchor(): ClockAnchor | undefined {
    return this.latest;
  }

  /**
   * Judges `appNow`: with the current anchor when it is fresh and agrees; otherwise after `probe()` has
   * brought a new one. Throws what `probe` throws (storage unreachable: the tick cannot know the time).
   */
  async verify(
    appNow: Date,
    options: { readonly toleranceMs: number; readonly probe: () => Promise<void> },
  ): Promise<ClockVerdict> {
    const judge = (anchor: ClockAnchor): ClockVerdict =>
      judgeClock({
        appNowMs: appNow.getTime(),
        service: serviceTimeRange(anchor, this.mono()),
        toleranceMs: options.toleranceMs,
      });
    const current = this.latest;
    if (current && this.mono() - current.receivedMono <= this.maxAgeMs) {
      const verdict = judge(current);
      if (verdict.kind === 'agrees') return verdict;
    }
    await options.probe();
    const fresh = this.latest;
    if (!fresh || fresh === current)
      throw new Error('The storage service answered without a readable Date header; the app cannot check its clock.');
    return judge(fresh);
  }
}
