/**
 * The time authority: a tick whose clock disagrees with the storage service's (the `Date` of Azurite's
 * answers, i.e. the real clock here) submits and skips nothing; the first tick with a clock that agrees
 * runs what is due, once, on time. A control shows what a jumped clock does without the authority.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TickDeps } from '../../../src/schedules/tick';
import { engine, HOUR, MINUTE, newContainer, occurrencesOf, scheduleFile, startBed, type Bed } from './harness';

let bed: Bed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A 15-minute schedule whose first occurrence was 30 s ago (real time), with state made a minute before it. */
async function scheduleDueNow(
  name: string,
): Promise<{ container: string; files: ReturnType<typeof scheduleFile>; first: string }> {
  const first = Math.floor(Date.now() / 1000) * 1000 - 30_000;
  const files = scheduleFile([
    {
      name,
      target: 'train',
      missed_runs: 'skip',
      recurrence: { frequency: 'Minute', interval: 15, start_time: iso(first) },
    },
  ]);
  const container = await newContainer();
  // An earlier instance created the state before the first occurrence (no time authority needed for that).
  const before = engine(bed, { container, files, loadedAt: new Date(first - MINUTE) });
  const report = await before.tick(new Date(first - MINUTE));
  expect(report.submitted).toEqual([]);
  return { container, files, first: iso(first) };
}

function withAuthority(e: ReturnType<typeof engine>, toleranceMs = 10_000): TickDeps['timeAuthority'] {
  return { verify: (now) => e.store.blobs.verifyClock(now, toleranceMs) };
}

describe('a clock that jumps', () => {
  it('forward 3 hours: the tick submits and skips nothing, says why; the next tick on the right clock runs the due occurrence once', async () => {
    const { container, files, first } = await scheduleDueNow('jump-forward');
    const app = engine(bed, {
      container,
      files,
      loadedAt: new Date(Date.parse(first) - MINUTE),
      timeAuthority: (e) => withAuthority(e),
    });
    const stateBefore = (await app.store.states.get('jump-forward'))!.state;

    const jumped = await app.tick(new Date(Date.now() + 3 * HOUR));
    expect(jumped.submitted).toEqual([]);
    expect(jumped.skipped).toEqual([]);
    expect(jumped.errors).toEqual([expect.objectContaining({ code: 'schedule.clock.skew' })]);
    expect(
      app.lines.some(
        (l) =>
          l.startsWith('error: ') &&
          l.includes('ahead of the storage service') &&
          l.includes('SCHEDULE_CLOCK_TOLERANCE_SECONDS'),
      ),
    ).toBe(true);
    expect(app.telemetry.events.filter((e) => e.name === 'ScheduleClockSkew')).toHaveLength(1);
    expect(occurrencesOf(bed.aml, 'jump-forward')).toEqual([]);
    const stateAfter = (await app.store.states.get('jump-forward'))!.state;
    expect(stateAfter.nextDue).toBe(stateBefore.nextDue);
    expect(stateAfter.pending).toEqual(stateBefore.pending);
    expect(await app.store.history.entries('jump-forward')).toEqual([]);

    const right = await app.tick(new Date());
    expect(right.errors).toEqual([]);
    expect(right.skipped).toEqual([]);
    expect(right.submitted.map((s) => s.occurrence)).toEqual([first]);
    expect(occurrencesOf(bed.aml, 'jump-forward')).toEqual([first]);
  }, 60_000);

  it('back 3 hours: the tick does nothing and says the clock is behind', async () => {
    const { container, files, first } = await scheduleDueNow('jump-back');
    const app = engine(bed, {
      container,
      files,
      loadedAt: new Date(Date.parse(first) - MINUTE),
      timeAuthority: (e) => withAuthority(e),
    });
    const report = await app.tick(new Date(Date.now() - 3 * HOUR));
    expect(report.errors).toEqual([expect.objectContaining({ code: 'schedule.clock.skew' })]);
    expect(app.lines.some((l) => l.includes('behind the storage service'))).toBe(true);
    expect(occurrencesOf(bed.aml, 'jump-back')).toEqual([]);
    expect((await app.tick(new Date())).submitted.map((s) => s.occurrence)).toEqual([first]);
  }, 60_000);

  it('control, without the time authority: the same jumped tick runs an occurrence hours early and skips the rest for good', async () => {
    const { container, files } = await scheduleDueNow('no-authority');
    const app = engine(bed, { container, files });
    const jumped = await app.tick(new Date(Date.now() + 3 * HOUR));
    const early = jumped.submitted.filter((s) => Date.parse(s.occurrence) > Date.now());
    const skipped = jumped.skipped.reduce((n, s) => n + s.count, 0);
    expect(early.length + skipped).toBeGreaterThan(0);
  }, 60_000);
});

describe('the cost of asking', () => {
  it('an idle tick with the time authority still makes 2 storage calls once the clock is anchored (the first tick of a process probes once)', async () => {
    const container = await newContainer();
    const files = scheduleFile([
      {
        name: 'idle',
        target: 'train',
        recurrence: { frequency: 'Day', interval: 1, start_time: iso(Date.now() + 12 * HOUR) },
      },
    ]);
    const app = engine(bed, { container, files, loadedAt: new Date(), timeAuthority: (e) => withAuthority(e) });
    await app.tick(new Date());
    await app.tick(new Date()); // settles the registry's first sync
    const before = app.store.blobs.counter.total;
    const report = await app.tick(new Date());
    expect(report.errors).toEqual([]);
    expect(app.store.blobs.counter.total - before).toBe(2);
  }, 60_000);
});
