/**
 * Behaviour a user configures or runs into: disable / enable, each missed_runs policy after downtime,
 * a 429 storm, a submission Azure ML refuses for good.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeScheduleDefinition } from '../../../src/schedules/definition';
import {
  engine,
  HOUR,
  MINUTE,
  newContainer,
  occurrencesOf,
  runsOf,
  scheduleFile,
  series,
  startBed,
  ticks,
  triggerOf,
  type Bed,
  type Engine,
} from './harness';

let bed: Bed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

const hourly = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  target: 'train',
  recurrence: { frequency: 'Hour', interval: 1, start_time: '2026-06-01T00:00:00Z' },
  ...extra,
});

async function tickEach(e: Engine, from: string, to: string, stepMs = MINUTE): Promise<void> {
  for (const now of ticks(from, to, stepMs)) {
    const report = await e.tick(now);
    expect(report.errors).toEqual([]);
  }
}

async function definition(e: Engine, name: string): Promise<TimeScheduleDefinition> {
  const def = await e.registry.get(name);
  if (!def || def.kind !== 'time') throw new Error(`no time schedule ${name}`);
  return def;
}

describe('disable / enable', () => {
  it('a disabled schedule never fires; enabling does not replay what was missed meanwhile', async () => {
    const e = engine(bed, {
      container: await newContainer(),
      files: scheduleFile([
        { ...hourly('toggled'), recurrence: { frequency: 'Minute', interval: 15, start_time: '2026-06-01T00:00:00Z' } },
      ]),
    });
    await e.tick('2026-06-01T00:00:00Z');
    await tickEach(e, '2026-06-01T00:00:00Z', '2026-06-01T01:00:00Z');
    const def = await definition(e, 'toggled');
    await e.store.states.setEnabled(def, false, new Date('2026-06-01T01:05:00Z'));
    await tickEach(e, '2026-06-01T01:00:00Z', '2026-06-01T03:00:00Z');
    expect(occurrencesOf(bed.aml, 'toggled')).toEqual(series('2026-06-01T00:15:00Z', 15 * MINUTE, 4));
    await e.store.states.setEnabled(def, true, new Date('2026-06-01T03:07:00Z'));
    await tickEach(e, '2026-06-01T03:07:00Z', '2026-06-01T04:00:00Z');
    expect(occurrencesOf(bed.aml, 'toggled')).toEqual([
      ...series('2026-06-01T00:15:00Z', 15 * MINUTE, 4),
      ...series('2026-06-01T03:15:00Z', 15 * MINUTE, 4),
    ]);
    expect((await e.store.history.entries('toggled')).some((h) => h.status === 'skipped')).toBe(false); // nothing replayed, nothing "missed"
  }, 60_000);

  it('`status: Disabled` in the file: never fires', async () => {
    const e = engine(bed, {
      container: await newContainer(),
      files: scheduleFile([hourly('off', { status: 'Disabled' })]),
    });
    await e.tick('2026-06-01T00:00:00Z');
    await tickEach(e, '2026-06-01T00:00:00Z', '2026-06-01T03:00:00Z', 10 * MINUTE);
    expect(runsOf(bed.aml, 'off')).toEqual([]);
  }, 30_000);
});

describe('missed_runs after downtime', () => {
  /** Hourly from midnight; the app runs until 02:00, is down until `back`, then every 5 minutes until 07:05. */
  async function downtime(name: string, extra: Record<string, unknown>, back: string): Promise<Engine> {
    const files = scheduleFile([hourly(name, extra)]);
    const container = await newContainer();
    const before = engine(bed, { container, files });
    await before.tick('2026-06-01T00:00:00Z');
    await tickEach(before, '2026-06-01T00:00:00Z', '2026-06-01T02:00:00Z', 5 * MINUTE);
    const after = engine(bed, { container, files }); // the restarted app
    const first = await after.tick(back, { isPastDue: true });
    expect(first.errors).toEqual([]);
    await tickEach(after, back, '2026-06-01T07:05:00Z', 5 * MINUTE);
    return after;
  }

  it('skip (default): occurrences missed while down are not run, and are recorded as skipped', async () => {
    const e = await downtime('skipper', {}, '2026-06-01T05:20:00Z');
    expect(occurrencesOf(bed.aml, 'skipper')).toEqual([
      '2026-06-01T01:00:00Z',
      '2026-06-01T02:00:00Z',
      '2026-06-01T06:00:00Z',
      '2026-06-01T07:00:00Z',
    ]);
    const skipped = (await e.store.history.entries('skipper'))
      .filter((h) => h.status === 'skipped')
      .map((h) => h.occurrence);
    expect(skipped.sort()).toEqual(['2026-06-01T03:00:00Z', '2026-06-01T04:00:00Z', '2026-06-01T05:00:00Z']);
    expect(e.lines.some((l) => l.startsWith('warn: schedule tick at 2026-06-01T05:20:00Z is past due'))).toBe(true);
    expect(e.telemetry.events.find((ev) => ev.name === 'ScheduleOccurrenceSkipped')?.measurements).toEqual({
      count: 3,
    });
  }, 60_000);

  it('skip: an occurrence only a little late (within the grace) still runs', async () => {
    const e = await downtime('briefly-down', {}, '2026-06-01T05:03:00Z');
    expect(occurrencesOf(bed.aml, 'briefly-down')).toEqual([
      '2026-06-01T01:00:00Z',
      '2026-06-01T02:00:00Z',
      '2026-06-01T05:00:00Z',
      '2026-06-01T06:00:00Z',
      '2026-06-01T07:00:00Z',
    ]);
    expect(
      (await e.store.history.entries('briefly-down'))
        .filter((h) => h.status === 'skipped')
        .map((h) => h.occurrence)
        .sort(),
    ).toEqual(['2026-06-01T03:00:00Z', '2026-06-01T04:00:00Z']);
  }, 60_000);

  it('latest: the most recent missed occurrence runs once (as a catch-up), earlier ones are skipped', async () => {
    const e = await downtime('latest', { missed_runs: 'latest' }, '2026-06-01T05:20:00Z');
    expect(occurrencesOf(bed.aml, 'latest')).toEqual([
      '2026-06-01T01:00:00Z',
      '2026-06-01T02:00:00Z',
      '2026-06-01T05:00:00Z',
      '2026-06-01T06:00:00Z',
      '2026-06-01T07:00:00Z',
    ]);
    expect(runsOf(bed.aml, 'latest').map(triggerOf)).toEqual([
      'schedule',
      'schedule',
      'catch_up',
      'schedule',
      'schedule',
    ]);
    expect(
      (await e.store.history.entries('latest'))
        .filter((h) => h.status === 'skipped')
        .map((h) => h.occurrence)
        .sort(),
    ).toEqual(['2026-06-01T03:00:00Z', '2026-06-01T04:00:00Z']);
  }, 60_000);

  it('all (limit 2): the newest two missed occurrences run, oldest first; older ones are skipped', async () => {
    const e = await downtime('all', { missed_runs: 'all', missed_runs_limit: 2 }, '2026-06-01T05:20:00Z');
    expect(occurrencesOf(bed.aml, 'all')).toEqual([
      '2026-06-01T01:00:00Z',
      '2026-06-01T02:00:00Z',
      '2026-06-01T04:00:00Z',
      '2026-06-01T05:00:00Z',
      '2026-06-01T06:00:00Z',
      '2026-06-01T07:00:00Z',
    ]);
    expect(
      (await e.store.history.entries('all')).filter((h) => h.status === 'skipped').map((h) => h.occurrence),
    ).toEqual(['2026-06-01T03:00:00Z']);
  }, 60_000);

  it('all (default limit): every missed occurrence runs, in order', async () => {
    await downtime('all-default', { missed_runs: 'all' }, '2026-06-01T05:20:00Z');
    expect(occurrencesOf(bed.aml, 'all-default')).toEqual(series('2026-06-01T01:00:00Z', HOUR, 7));
  }, 60_000);
});

describe('failures', () => {
  it('a 429 storm delays submissions but loses none and duplicates none', async () => {
    const names = ['storm-a', 'storm-b', 'storm-c'];
    const e = engine(bed, {
      container: await newContainer(),
      files: scheduleFile(
        names.map((name) => ({
          name,
          target: 'train',
          recurrence: { frequency: 'Minute', interval: 15, start_time: '2026-06-01T00:00:00Z' },
        })),
      ),
    });
    await e.tick('2026-06-01T00:00:00Z');
    // The app has been running: the workspace's service host was looked up before the storm (a lookup
    // during the storm would meet the 429s too: see the report on the client's discovery fallback).
    await tickEach(e, '2026-06-01T00:00:00Z', '2026-06-01T00:16:00Z');
    // From 00:16 on, Azure ML answers the next 60 requests with 429 (two attempts per submission per tick).
    bed.aml.script(Array.from({ length: 60 }, () => ({ status: 429, retryAfter: '0' })));
    const retrying = new Set<string>();
    for (const now of ticks('2026-06-01T00:16:00Z', '2026-06-01T02:00:00Z', MINUTE)) {
      const report = await e.tick(now);
      expect(report.errors).toEqual([]);
      expect(report.failed).toEqual([]);
      for (const r of report.retrying) retrying.add(`${r.schedule}@${r.occurrence}`);
    }
    bed.aml.clearScript();
    expect(retrying.size).toBeGreaterThan(0); // the storm did delay some
    for (const name of names)
      expect(occurrencesOf(bed.aml, name).sort(), name).toEqual(series('2026-06-01T00:15:00Z', 15 * MINUTE, 8));
    const delayed = (await e.store.history.entries('storm-a')).filter((h) => h.status === 'retrying');
    expect(delayed[0]?.error?.code).toMatch(/^aml\./);
    expect(
      e.telemetry.events.some((ev) => ev.name === 'ScheduleOccurrenceRetrying' && ev.properties.schedule === 'storm-a'),
    ).toBe(true);
    expect(
      e.lines.some((l) =>
        /^warn: schedule storm-a occurrence 2026-06-01T00:30:00Z not submitted \(attempt 1; certainly no run was created\): aml\.\S+: .*retrying at 2026-06-01T00:31:0\dZ/.test(
          l,
        ),
      ),
    ).toBe(true);
  }, 90_000);

  it('a transient failure past the retry deadline is recorded as failed, saying which setting set the deadline and how to run it now', async () => {
    const e = engine(bed, {
      container: await newContainer(),
      files: scheduleFile([hourly('deadline')]),
      settings: { retryDeadlineMs: 10 * MINUTE },
    });
    await e.tick('2026-06-01T00:00:00Z');
    bed.aml.script(Array.from({ length: 40 }, () => ({ status: 503, retryAfter: '0' })));
    await tickEach(e, '2026-06-01T00:59:00Z', '2026-06-01T01:30:00Z');
    bed.aml.clearScript();
    expect(runsOf(bed.aml, 'deadline')).toEqual([]);
    const failed = (await e.store.history.entries('deadline')).filter((h) => h.status === 'failed');
    expect(failed).toEqual([
      expect.objectContaining({
        occurrence: '2026-06-01T01:00:00Z',
        error: expect.objectContaining({
          message: expect.stringMatching(
            /retry deadline 2026-06-01T01:10:00Z would pass; app setting SCHEDULE_RETRY_DEADLINE_MINUTES\)\. The next occurrence runs as usual; to run one now: aml-triggers schedules run deadline\.$/,
          ),
        }),
      }),
    ]);
    expect((await e.store.states.get('deadline'))?.state.pending).toEqual([]);
  }, 60_000);

  it('a refusal that retrying cannot fix (pipeline disabled: 404) fails at once with the error in history', async () => {
    const e = engine(bed, { container: await newContainer(), files: scheduleFile([hourly('refused')]) });
    await e.tick('2026-06-01T00:00:00Z');
    bed.aml.setDisabled('pp-scheduled', true);
    try {
      const report = await e.tick('2026-06-01T01:00:03Z');
      expect(report.failed).toEqual([
        expect.objectContaining({ schedule: 'refused', occurrence: '2026-06-01T01:00:00Z', attempts: 1 }),
      ]);
      await tickEach(e, '2026-06-01T01:00:03Z', '2026-06-01T01:30:00Z');
    } finally {
      bed.aml.setDisabled('pp-scheduled', false);
    }
    const history = await e.store.history.entries('refused');
    expect(history).toEqual([
      expect.objectContaining({
        occurrence: '2026-06-01T01:00:00Z',
        status: 'failed',
        error: expect.objectContaining({ code: expect.stringMatching(/^aml\./) }),
      }),
    ]);
    expect(
      e.lines.some((l) =>
        l.startsWith(
          'error: schedule refused occurrence 2026-06-01T01:00:00Z failed (attempt 1; no run was created): aml.',
        ),
      ),
    ).toBe(true);
    await tickEach(e, '2026-06-01T01:30:00Z', '2026-06-01T02:00:00Z');
    expect(occurrencesOf(bed.aml, 'refused')).toEqual(['2026-06-01T02:00:00Z']); // the next occurrence runs normally
  }, 60_000);

  it('a schedule naming an unknown target fails each occurrence with a message naming the target', async () => {
    const e = engine(bed, {
      container: await newContainer(),
      files: scheduleFile([hourly('typo', { target: 'trian' })]),
    });
    await e.tick('2026-06-01T00:00:00Z');
    const report = await e.tick('2026-06-01T01:00:01Z');
    expect(report.failed[0]?.error).toMatchObject({ code: 'schedule.target.unknown' });
    expect(report.failed[0]?.error?.message).toContain('"trian"');
  }, 30_000);
});
