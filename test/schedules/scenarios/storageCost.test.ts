/**
 * What a tick costs in storage requests (each one is latency and a billed transaction): a due occurrence
 * costs at most 6, a schedule that is not due costs nothing, a tick with nothing due costs the
 * applied-definitions index read and one listing of the due index (docs/timer.md, "Performance").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyBlobName } from '../../../src/schedules/blobNames';
import {
  engine,
  MINUTE,
  newContainer,
  occurrencesOf,
  scheduleFile,
  series,
  startBed,
  ticks,
  type Bed,
} from './harness';

let bed: Bed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

const quarterHourly = (name: string): Record<string, unknown> => ({
  name,
  target: 'train',
  recurrence: { frequency: 'Minute', interval: 15, start_time: '2026-06-01T00:00:00Z' },
});
const dailyAtNoon = (name: string): Record<string, unknown> => ({
  name,
  target: 'train',
  recurrence: { frequency: 'Day', interval: 1, time_of_day: '12:00', start_time: '2026-05-01T00:00:00Z' },
});

/** Storage requests of the tick at 00:15:01 (3 due) and of the idle tick at 00:15:31, with `notDue` other schedules. */
async function costs(
  notDue: number,
): Promise<{ busy: number; busyByKind: Record<string, number>; idle: number; submitted: number }> {
  const container = await newContainer();
  const schedules = [
    ...['a', 'b', 'c'].map((n) => quarterHourly(`due-${n}`)),
    ...Array.from({ length: notDue }, (_, i) => dailyAtNoon(`later-${i}`)),
  ];
  const e = engine(bed, { container, files: scheduleFile(schedules) });
  await e.tick('2026-06-01T00:00:00Z'); // creates the states
  e.store.counter.reset();
  const report = await e.tick('2026-06-01T00:15:01Z');
  expect(report.errors).toEqual([]);
  const busy = e.store.counter.total;
  const busyByKind = { ...e.store.counter.snapshot() } as Record<string, number>;
  e.store.counter.reset();
  const idle = await e.tick('2026-06-01T00:15:31Z');
  expect(idle.submitted).toEqual([]);
  return { busy, busyByKind, idle: e.store.counter.total, submitted: report.submitted.length };
}

describe('storage requests per tick', () => {
  it('are proportional to the due schedules: the same with 2 or 40 schedules that are not due', async () => {
    const few = await costs(2);
    const many = await costs(40);
    expect(few.submitted).toBe(3);
    expect(many.submitted).toBe(3);
    expect(many.busy).toBe(few.busy);
    expect(many.idle).toBe(few.idle);
  }, 60_000);

  it('a due occurrence costs at most 6 requests (state read, plan, claim, outcome, new due marker, settle); plus at most 5 per tick; an idle tick 2', async () => {
    const { busy, busyByKind, idle } = await costs(2);
    // Per due schedule: 1 state read; 1 state write that plans the occurrence (its due marker stays put);
    // the claim created with its submittingAt; the outcome on the claim; the new due marker; the settle
    // write (pending cleared, the history entry, the new marker named).
    // Once per tick: the applied-definitions index, the catalog (the periodic re-sync), the due-index
    // listing, one batch that deletes the due markers the tick replaced, and, only when
    // something is due, the one blob of target statuses (src/targets/statusStore.ts).
    expect(busy, JSON.stringify(busyByKind)).toBeLessThanOrEqual(5 + 3 * 6);
    expect(busyByKind, JSON.stringify(busyByKind)).toMatchObject({
      read: 3 + 3,
      create: 3,
      replace: 3 * 3,
      upsert: 3,
      batch: 1,
      list: 1,
    });
    expect(idle).toBe(2);
  }, 60_000);
});

describe('the timer history', () => {
  it('costs no request per occurrence, is filed into the history blob ten at a time, and loses or repeats nothing', async () => {
    const container = await newContainer();
    const e = engine(bed, { container, files: scheduleFile([quarterHourly('h')]) });
    await e.tick('2026-06-01T00:00:00Z');
    for (const now of ticks('2026-06-01T00:00:00Z', '2026-06-01T06:00:00Z', 15 * MINUTE, () => 1000)) await e.tick(now);
    const occurrences = series('2026-06-01T00:15:00Z', 15 * MINUTE, 24);
    expect(occurrencesOf(bed.aml, 'h')).toEqual(occurrences);
    // Newest first, each occurrence once, with its run id.
    const history = await e.store.history.entries('h');
    expect(history.map((h) => h.occurrence)).toEqual([...occurrences].reverse());
    expect(history.every((h) => h.status === 'submitted' && h.runId)).toBe(true);
    // The blob holds the filed ones, the state at most ten newer ones.
    const state = (await e.store.states.get('h'))!.state;
    const filed = ((await e.store.blobs.read(historyBlobName('h'))) as { value: { entries: { occurrence: string }[] } })
      .value.entries;
    expect(state.recentHistory?.length).toBeGreaterThan(0);
    expect(state.recentHistory!.length).toBeLessThanOrEqual(10);
    expect([...state.recentHistory!.map((h) => h.occurrence), ...filed.map((h) => h.occurrence)]).toEqual(
      [...occurrences].reverse(),
    );
  }, 120_000);
});

describe('claims', () => {
  it('do not pile up: the first tick of each hour deletes those of settled occurrences, and nothing runs twice', async () => {
    const container = await newContainer();
    // claimSettledMs 0: no wait for ticks holding an older view (there is one instance here).
    const e = engine(bed, { container, files: scheduleFile([quarterHourly('q')]), settings: { claimSettledMs: 0 } });
    const claims = async (): Promise<string[]> =>
      (await e.store.blobs.list('claims/q/')).map((b) => b.name.slice('claims/q/'.length));
    await e.tick('2026-06-01T00:00:00Z');
    for (const now of ticks('2026-06-01T00:00:00Z', '2026-06-01T00:59:00Z', MINUTE)) await e.tick(now);
    // 00:15 ... 00:45 submitted; their claims are still there until the next hour starts.
    expect(await claims()).toEqual(['20260601T001500Z.json', '20260601T003000Z.json', '20260601T004500Z.json']);
    for (const now of ticks('2026-06-01T00:59:00Z', '2026-06-01T01:59:00Z', MINUTE)) await e.tick(now);
    // The hour's first tick (01:00, which also submitted 01:00 before pruning) deleted every settled claim.
    expect(e.lines).toContain(
      'info: schedule claims: 4 claim(s) of settled occurrences deleted (4 looked at, 1 schedule(s))',
    );
    expect(await claims()).toEqual(['20260601T011500Z.json', '20260601T013000Z.json', '20260601T014500Z.json']);
    expect(occurrencesOf(bed.aml, 'q')).toEqual(series('2026-06-01T00:15:00Z', 15 * MINUTE, 7));
    expect((await e.store.history.entries('q')).map((h) => h.status)).toEqual(Array(7).fill('submitted'));
  }, 120_000);
});
