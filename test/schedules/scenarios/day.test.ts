/**
 * Time scenarios: a simulated day of one-minute ticks, and weekly schedules across DST changes
 * (recurrence.md, Daylight saving), each occurrence submitted once, at the first tick at or after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { occurrenceSubmissionKey } from '../../../src/schedules/submitOccurrence';
import type { Engine } from './harness';
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
  tags,
  ticks,
  triggerOf,
  type Bed,
} from './harness';

let bed: Bed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

/** Runs every tick; returns, per submitted occurrence, the tick instant that submitted it. */
async function runTicks(e: Engine, instants: readonly Date[]): Promise<Map<string, Date>> {
  const submittedAt = new Map<string, Date>();
  for (const now of instants) {
    const report = await e.tick(now);
    expect(report.errors).toEqual([]);
    for (const s of report.submitted) {
      expect(submittedAt.has(`${s.schedule}@${s.occurrence}`), `${s.schedule}@${s.occurrence} submitted twice`).toBe(
        false,
      );
      submittedAt.set(`${s.schedule}@${s.occurrence}`, now);
    }
  }
  return submittedAt;
}

describe('a schedule every 15 minutes over a simulated day', () => {
  it("submits exactly 96 runs, each at the first tick at or after its instant, with the schedule's body and tags", async () => {
    const container = await newContainer();
    const e = engine(bed, {
      container,
      files: scheduleFile([
        {
          name: 'quarter-hourly',
          target: 'train',
          recurrence: { frequency: 'Minute', interval: 15, start_time: '2026-06-01T00:00:00Z' },
          pipeline_parameters: { window: '15m' },
          description: 'every quarter hour',
        },
      ]),
    });
    // The app starts at midnight (the first tick creates the state), then ticks each minute, a few seconds late.
    await e.tick('2026-06-01T00:00:00Z');
    const submittedAt = await runTicks(e, ticks('2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z', MINUTE));

    const expected = series('2026-06-01T00:15:00Z', 15 * MINUTE, 96);
    expect(occurrencesOf(bed.aml, 'quarter-hourly')).toEqual(expected);
    expect(submittedAt.size).toBe(96);
    for (const occurrence of expected) {
      const at = submittedAt.get(`quarter-hourly@${occurrence}`)!;
      expect(at.getTime(), occurrence).toBeGreaterThanOrEqual(Date.parse(occurrence)); // never early
      expect(at.getTime() - Date.parse(occurrence), occurrence).toBeLessThan(MINUTE); // the first tick after it
    }
    const first = runsOf(bed.aml, 'quarter-hourly')[0]!;
    expect(first.body).toMatchObject({
      ExperimentName: 'scheduled-training',
      ParameterAssignments: { mode: 'full', window: '15m' },
      Description: 'every quarter hour',
      RunSource: 'SDK',
    });
    // The occurrence's submission key rides in Tags and Properties, so an unknown outcome can be reconciled.
    const key = occurrenceSubmissionKey('quarter-hourly', new Date('2026-06-01T00:15:00Z'));
    expect(tags(first)).toEqual({
      team: 'ml',
      'aml-triggers.schedule': 'quarter-hourly',
      'aml-triggers.occurrence': '2026-06-01T00:15:00Z',
      'aml-triggers.trigger': 'schedule',
      aml_triggers_key: key,
    });
    expect(first.body.Properties).toEqual({ aml_triggers_key: key });

    // History and state agree with what Azure ML received.
    const history = await e.store.history.entries('quarter-hourly');
    expect(history[0]).toMatchObject({
      occurrence: '2026-06-02T00:00:00Z',
      status: 'submitted',
      runId: runsOf(bed.aml, 'quarter-hourly')[95]!.runId,
    });
    const state = (await e.store.states.get('quarter-hourly'))!.state;
    expect(state).toMatchObject({
      lastOccurrence: '2026-06-02T00:00:00Z',
      nextDue: '2026-06-02T00:15:00Z',
      pending: [],
    });
    // Logs and telemetry name schedule, instant and run id.
    const runId = runsOf(bed.aml, 'quarter-hourly')[0]!.runId;
    expect(e.lines).toContain(
      `info: schedule quarter-hourly occurrence 2026-06-01T00:15:00Z submitted run ${runId} (attempt 1)`,
    );
    const events = e.telemetry.events.filter((ev) => ev.name === 'ScheduleOccurrenceSubmitted');
    expect(events).toHaveLength(96);
    expect(events[0]!.properties).toMatchObject({
      schedule: 'quarter-hourly',
      occurrence: '2026-06-01T00:15:00Z',
      runId,
    });
  }, 120_000);
});

describe('weekly schedules across daylight-saving changes', () => {
  it('spring forward (Central time, 2019-03-10): 02:30 does not exist that day and runs at 03:30 CDT', async () => {
    const container = await newContainer();
    const e = engine(bed, {
      container,
      files: scheduleFile([
        {
          name: 'weekly-spring',
          target: 'train',
          recurrence: {
            frequency: 'Week',
            interval: 1,
            week_days: ['Sunday'],
            time_of_day: '02:30',
            start_time: '2019-03-01T00:00:00',
            time_zone: 'Central Standard Time',
          },
        },
      ]),
      settings: { graceMs: 2 * HOUR },
    });
    await e.tick('2019-03-01T00:00:00Z');
    const submittedAt = await runTicks(e, ticks('2019-03-01T00:00:00Z', '2019-03-18T00:00:00Z', HOUR));
    // 02:30 CST = 08:30Z; on the 10th 02:30 is in the gap → 03:30 CDT = 08:30Z; then 02:30 CDT = 07:30Z.
    expect(occurrencesOf(bed.aml, 'weekly-spring')).toEqual([
      '2019-03-03T08:30:00Z',
      '2019-03-10T08:30:00Z',
      '2019-03-17T07:30:00Z',
    ]);
    for (const [key, at] of submittedAt) {
      const occurrence = Date.parse(key.split('@')[1]!);
      expect(at.getTime() >= occurrence && at.getTime() - occurrence < HOUR, key).toBe(true);
    }
  }, 60_000);

  it('fall back (Central time, 2019-11-03): 01:30 happens twice and runs once, at the first (daylight) instant', async () => {
    const container = await newContainer();
    const e = engine(bed, {
      container,
      files: scheduleFile([
        {
          name: 'weekly-fall',
          target: 'train',
          recurrence: {
            frequency: 'Week',
            interval: 1,
            week_days: ['Sunday'],
            time_of_day: '01:30',
            start_time: '2019-10-20T00:00:00',
            time_zone: 'Central Standard Time',
          },
        },
      ]),
      settings: { graceMs: 2 * HOUR },
    });
    await e.tick('2019-10-25T00:00:00Z');
    await runTicks(e, ticks('2019-10-25T00:00:00Z', '2019-11-11T00:00:00Z', HOUR));
    expect(occurrencesOf(bed.aml, 'weekly-fall')).toEqual([
      '2019-10-27T06:30:00Z',
      '2019-11-03T06:30:00Z',
      '2019-11-10T07:30:00Z',
    ]);
  }, 60_000);

  it("the spec's two-weekly Monday/Friday example fires at its instants", async () => {
    const container = await newContainer();
    const e = engine(bed, {
      container,
      files: scheduleFile([
        {
          name: 'biweekly',
          target: 'train',
          recurrence: {
            frequency: 'Week',
            interval: 2,
            start_time: '2026-01-07T09:00:00',
            time_zone: 'W. Europe Standard Time',
            week_days: ['Monday', 'Friday'],
            time_of_day: '17:30',
          },
        },
      ]),
      settings: { graceMs: 2 * HOUR },
    });
    await e.tick('2026-01-01T00:00:00Z');
    await runTicks(e, ticks('2026-01-01T00:00:00Z', '2026-02-07T00:00:00Z', HOUR));
    expect(occurrencesOf(bed.aml, 'biweekly')).toEqual([
      '2026-01-09T16:30:00Z',
      '2026-01-19T16:30:00Z',
      '2026-01-23T16:30:00Z',
      '2026-02-02T16:30:00Z',
      '2026-02-06T16:30:00Z',
    ]);
    expect(runsOf(bed.aml, 'biweekly').map(triggerOf)).toEqual([
      'schedule',
      'schedule',
      'schedule',
      'schedule',
      'schedule',
    ]);
  }, 60_000);
});
