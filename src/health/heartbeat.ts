/**
 * The timer's heartbeat: one small JSON blob, `health/timer.json` in the schedule state container,
 * rewritten at the end of every tick (one read and one write per tick, whatever the number of
 * schedules). It holds when the timer last ticked and, per UTC hour of the last 25, how many occurrences
 * the ticks recorded as failed and as outcome unknown: `GET /api/health` reads its counts for time
 * schedules from here instead of reading every schedule's state or history.
 */
import { AppFailure, err, ok, type AppError, type Result } from '../errors';
import type { BlobJsonStore, JsonParser } from '../storage/blobJson';
import type { TickReport } from '../schedules/tick';
import { addCounts, countOutcomes, NO_OUTCOMES, type OutcomeCounts } from './outcomes';

export { TICK_HEARTBEAT_BLOB } from '../schedules/blobNames';
import { TICK_HEARTBEAT_BLOB } from '../schedules/blobNames';
const HOURS_KEPT = 25;

export interface HourCounts extends OutcomeCounts {
  /** UTC hour, `YYYY-MM-DDTHH`. */
  readonly hour: string;
}

export interface TickHeartbeatDoc {
  readonly schemaVersion: 1;
  /** When the last tick ran (its `now`), ISO UTC. */
  readonly lastTickAt: string;
  readonly lastTickDurationMs: number;
  /** Newest first, at most 25 hours. */
  readonly hours: readonly HourCounts[];
}

const hourOf = (iso: string): string => iso.slice(0, 13);

/** The heartbeat after `report` (pure): last tick time, and this tick's failures added to its hour. */
export function withTick(
  previous: TickHeartbeatDoc | undefined,
  report: Pick<TickReport, 'now' | 'durationMs' | 'failed' | 'unknown'>,
): TickHeartbeatDoc {
  const hour = hourOf(report.now);
  const counts = countOutcomes([
    ...report.failed.map((f) => ({ status: 'failed' as const, ...(f.error ? { error: f.error } : {}) })),
    ...report.unknown.map(() => ({ status: 'unknown' as const })),
  ]);
  const older = (previous?.hours ?? []).filter((h) => h.hour !== hour);
  const current = previous?.hours.find((h) => h.hour === hour) ?? { hour, ...NO_OUTCOMES };
  const hours = [{ hour, ...addCounts(current, counts) }, ...older]
    .sort((a, b) => (a.hour < b.hour ? 1 : -1))
    .slice(0, HOURS_KEPT);
  return { schemaVersion: 1, lastTickAt: report.now, lastTickDurationMs: report.durationMs, hours };
}

/** Failed and unknown counts of the hours that overlap [since, ...) (pure; hour granularity). */
export function countsSince(doc: TickHeartbeatDoc | undefined, since: Date): OutcomeCounts {
  const first = hourOf(since.toISOString());
  return (doc?.hours ?? [])
    .filter((h) => h.hour >= first)
    .reduce<OutcomeCounts>((sum, h) => addCounts(sum, h), NO_OUTCOMES);
}

export const parseHeartbeat: JsonParser<TickHeartbeatDoc> = (raw) => {
  const doc = raw as Partial<TickHeartbeatDoc> | null;
  if (!doc || typeof doc !== 'object' || typeof doc.lastTickAt !== 'string' || !Array.isArray(doc.hours)) {
    return { ok: false, message: 'is not a timer heartbeat (expected lastTickAt and hours)' };
  }
  return { ok: true, value: doc as TickHeartbeatDoc };
};

export class TickHeartbeat {
  constructor(private readonly blobs: BlobJsonStore) {}

  /** The heartbeat, or undefined before the first tick. Throws `AppFailure` (storage.*) when storage fails. */
  async read(): Promise<TickHeartbeatDoc | undefined> {
    const read = await this.blobs.read(TICK_HEARTBEAT_BLOB, parseHeartbeat);
    if (read.status === 'missing') return undefined;
    if (read.status === 'corrupt') throw new AppFailure(read.error);
    return read.value;
  }

  /** Records a finished tick. A corrupt heartbeat is replaced (it only feeds the health endpoint). */
  async record(
    report: Pick<TickReport, 'now' | 'durationMs' | 'failed' | 'unknown'>,
  ): Promise<Result<TickHeartbeatDoc, AppError>> {
    try {
      const read = await this.blobs.read(TICK_HEARTBEAT_BLOB, parseHeartbeat);
      const next = withTick(read.status === 'found' ? read.value : undefined, report);
      await this.blobs.upsert(TICK_HEARTBEAT_BLOB, next);
      return ok(next);
    } catch (e) {
      return err(
        e instanceof AppFailure
          ? e.error
          : {
              code: 'storage.unknown',
              message: `Recording the tick's heartbeat (${TICK_HEARTBEAT_BLOB}) failed unexpectedly: ${String(e)}. The health endpoint shows the previous tick until a later one is recorded; report this if it repeats.`,
            },
      );
    }
  }
}
