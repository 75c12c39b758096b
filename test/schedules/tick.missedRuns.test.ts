/** The missed-runs plan (pure): what a tick runs and skips, given the state's nextDue and now. */
import { describe, expect, it } from 'vitest';
import { parseRecurrence, type Recurrence } from '../../src/recurrence';
import { planOccurrences, SCAN_CAP, type MissedRunsInput } from '../../src/schedules/missedRuns';
import { readTickSettings } from '../../src/schedules/tick';

const MINUTE = 60_000;

function recurrence(input: Record<string, unknown>): Recurrence {
  const r = parseRecurrence(input, { createdAt: new Date('2026-01-01T00:00:00Z') });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const hourly = recurrence({ frequency: 'Hour', interval: 1, start_time: '2026-06-01T00:00:00Z' });
const iso = (d: Date | undefined): string | undefined => d?.toISOString().replace('.000Z', 'Z');

function plan(overrides: Partial<MissedRunsInput>) {
  const p = planOccurrences({
    recurrence: hourly,
    nextDue: new Date('2026-06-01T03:00:00Z'),
    now: new Date('2026-06-01T05:20:00Z'),
    policy: 'skip',
    limit: 100,
    graceMs: 5 * MINUTE,
    ...overrides,
  });
  return {
    run: p.run.map((r) => `${iso(r.occurrence)} ${r.trigger}`),
    skipped: p.skipped.count,
    skippedNewest: p.skipped.newest.map(iso),
    lastHandled: iso(p.lastHandled),
    nextDue: iso(p.nextDue),
  };
}

describe('planOccurrences', () => {
  it('never early: nothing runs before nextDue', () => {
    expect(plan({ now: new Date('2026-06-01T02:59:59Z') })).toEqual({
      run: [],
      skipped: 0,
      skippedNewest: [],
      lastHandled: undefined,
      nextDue: '2026-06-01T03:00:00Z',
    });
  });

  it('on time: the occurrence runs, exactly at its instant too', () => {
    expect(plan({ now: new Date('2026-06-01T03:00:00Z') })).toMatchObject({
      run: ['2026-06-01T03:00:00Z schedule'],
      skipped: 0,
      nextDue: '2026-06-01T04:00:00Z',
    });
  });

  it('skip: only occurrences within the grace run; older ones are skipped', () => {
    expect(plan({})).toEqual({
      run: [],
      skipped: 3,
      skippedNewest: ['2026-06-01T03:00:00Z', '2026-06-01T04:00:00Z', '2026-06-01T05:00:00Z'],
      lastHandled: '2026-06-01T05:00:00Z',
      nextDue: '2026-06-01T06:00:00Z',
    });
    expect(plan({ now: new Date('2026-06-01T05:04:00Z') })).toMatchObject({
      run: ['2026-06-01T05:00:00Z schedule'],
      skipped: 2,
      lastHandled: '2026-06-01T05:00:00Z',
    });
  });

  it('latest: the newest missed one runs as a catch-up, unless a current one runs anyway', () => {
    expect(plan({ policy: 'latest' })).toMatchObject({ run: ['2026-06-01T05:00:00Z catch_up'], skipped: 2 });
    expect(plan({ policy: 'latest', now: new Date('2026-06-01T05:04:00Z') })).toMatchObject({
      run: ['2026-06-01T05:00:00Z schedule'],
      skipped: 2,
    });
  });

  it('all: the newest `limit` missed run oldest first; the older are skipped', () => {
    expect(plan({ policy: 'all', limit: 2 })).toMatchObject({
      run: ['2026-06-01T04:00:00Z catch_up', '2026-06-01T05:00:00Z catch_up'],
      skipped: 1,
      skippedNewest: ['2026-06-01T03:00:00Z'],
    });
    expect(plan({ policy: 'all', limit: 100 })).toMatchObject({
      run: ['2026-06-01T03:00:00Z catch_up', '2026-06-01T04:00:00Z catch_up', '2026-06-01T05:00:00Z catch_up'],
      skipped: 0,
    });
  });

  it('room: runs beyond it wait for the next tick (nextDue stays on the first left over)', () => {
    expect(plan({ policy: 'all', room: 1 })).toMatchObject({
      run: ['2026-06-01T03:00:00Z catch_up'],
      lastHandled: '2026-06-01T03:00:00Z',
      nextDue: '2026-06-01T04:00:00Z',
    });
    expect(plan({ policy: 'all', limit: 2, room: 0 })).toMatchObject({
      run: [],
      skipped: 1,
      lastHandled: '2026-06-01T03:00:00Z',
      nextDue: '2026-06-01T04:00:00Z',
    });
  });

  it('a recurrence that has ended leaves no nextDue', () => {
    const ended = recurrence({ frequency: 'Month', interval: 1, start_time: '9999-12-01T00:00:00Z' });
    const p = planOccurrences({
      recurrence: ended,
      nextDue: new Date('9999-12-01T00:00:00Z'),
      now: new Date('9999-12-01T00:00:30Z'),
      policy: 'skip',
      limit: 1,
      graceMs: 5 * MINUTE,
    });
    expect(p.run.map((r) => iso(r.occurrence))).toEqual(['9999-12-01T00:00:00Z']);
    expect(p.nextDue).toBeUndefined();
  });

  it('a very long downtime is planned without listing every occurrence; the skipped count is a lower bound', () => {
    const everyMinute = recurrence({ frequency: 'Minute', interval: 1, start_time: '2025-01-01T00:00:00Z' });
    const started = Date.now();
    const p = planOccurrences({
      recurrence: everyMinute,
      nextDue: new Date('2025-01-01T00:01:00Z'),
      now: new Date('2026-06-01T00:00:30Z'),
      policy: 'all',
      limit: 3,
      graceMs: 5 * MINUTE,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(p.run.filter((r) => r.trigger === 'schedule').map((r) => iso(r.occurrence))).toEqual([
      '2026-05-31T23:56:00Z',
      '2026-05-31T23:57:00Z',
      '2026-05-31T23:58:00Z',
      '2026-05-31T23:59:00Z',
      '2026-06-01T00:00:00Z',
    ]);
    expect(p.run.filter((r) => r.trigger === 'catch_up').map((r) => iso(r.occurrence))).toEqual([
      '2026-05-31T23:53:00Z',
      '2026-05-31T23:54:00Z',
      '2026-05-31T23:55:00Z',
    ]);
    expect(p.skipped.countIsLowerBound).toBe(true);
    expect(p.skipped.count).toBeGreaterThanOrEqual(SCAN_CAP - 8);
    expect(iso(p.nextDue)).toBe('2026-06-01T00:01:00Z');
  });
});

describe('readTickSettings', () => {
  it('defaults, and each setting read in its unit', () => {
    const d = readTickSettings({});
    expect(d.ok && d.value).toMatchObject({
      graceMs: 5 * MINUTE,
      retryDeadlineMs: 60 * MINUTE,
      submitDeadlineMs: 30_000,
      claimTimeoutMs: 120_000,
      concurrency: 32,
    });
    const s = readTickSettings({
      SCHEDULE_MISSED_GRACE_MINUTES: '10',
      SCHEDULE_RETRY_DEADLINE_MINUTES: '180',
      SCHEDULE_SUBMIT_DEADLINE_SECONDS: '45',
      SCHEDULE_CLAIM_TIMEOUT_SECONDS: '300',
      SCHEDULE_TICK_CONCURRENCY: '4',
    });
    expect(s.ok && s.value).toMatchObject({
      graceMs: 10 * MINUTE,
      retryDeadlineMs: 180 * MINUTE,
      submitDeadlineMs: 45_000,
      claimTimeoutMs: 300_000,
      concurrency: 4,
    });
  });

  it('a malformed value is an error naming the setting, the value and the range', () => {
    const r = readTickSettings({ SCHEDULE_RETRY_DEADLINE_MINUTES: 'an hour' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({
      code: 'schedule.setting.invalid',
      field: 'SCHEDULE_RETRY_DEADLINE_MINUTES',
      value: 'an hour',
    });
    expect(r.error.message).toContain('from 0 to 10080');
  });
});
