/**
 * Golden tables: the spec's worked examples (which reproduce the Logic Apps DST table), the Logic Apps
 * "Example recurrences" table, and the SDK's start-time statements.
 */
import { describe, expect, it } from 'vitest';
import { nextOccurrence, occurrencesBetween, formatInstant } from '../../src/recurrence';
import { expectNext, next, recurrence } from './helpers';

describe('spec worked examples (occurrences strictly after the given instant)', () => {
  it.each([
    {
      name: 'Day at 02:30 Central across spring-forward (Logic Apps DST table)',
      json: { frequency: 'Day', interval: 1, start_time: '2019-03-08T02:30:00', time_zone: 'Central Standard Time' },
      after: '2019-03-08T00:00:00Z',
      expected: ['2019-03-08T08:30:00Z', '2019-03-09T08:30:00Z', '2019-03-10T08:30:00Z', '2019-03-11T07:30:00Z'],
    },
    {
      name: 'Day at 01:30 Central across fall-back (Logic Apps DST table)',
      json: { frequency: 'Day', interval: 1, start_time: '2019-11-01T01:30:00', time_zone: 'Central Standard Time' },
      after: '2019-11-01T00:00:00Z',
      expected: ['2019-11-01T06:30:00Z', '2019-11-02T06:30:00Z', '2019-11-03T06:30:00Z', '2019-11-04T07:30:00Z'],
    },
    {
      name: 'Minute 15 Eastern is elapsed time across spring-forward',
      json: {
        frequency: 'Minute',
        interval: 15,
        start_time: '2026-03-08T01:00:00',
        time_zone: 'Eastern Standard Time',
      },
      after: '2026-03-08T06:50:00Z',
      expected: ['2026-03-08T07:00:00Z', '2026-03-08T07:15:00Z', '2026-03-08T07:30:00Z', '2026-03-08T07:45:00Z'],
    },
    {
      name: 'every 2 weeks Monday+Friday 17:30, weeks counted from the Monday of the start week',
      json: {
        frequency: 'Week',
        interval: 2,
        start_time: '2026-01-07T09:00:00',
        time_zone: 'W. Europe Standard Time',
        week_days: ['Monday', 'Friday'],
        time_of_day: '17:30',
      },
      after: '2026-01-01T00:00:00Z',
      expected: [
        '2026-01-09T16:30:00Z',
        '2026-01-19T16:30:00Z',
        '2026-01-23T16:30:00Z',
        '2026-02-02T16:30:00Z',
        '2026-02-06T16:30:00Z',
      ],
    },
    {
      name: 'monthly on the 31st skips shorter months',
      json: { frequency: 'Month', interval: 1, start_time: '2026-01-31T06:00:00', time_zone: 'UTC' },
      after: '2026-01-01T00:00:00Z',
      expected: ['2026-01-31T06:00:00Z', '2026-03-31T06:00:00Z', '2026-05-31T06:00:00Z', '2026-07-31T06:00:00Z'],
    },
    {
      name: '01:30 and 02:30 London on spring-forward day are one instant',
      json: {
        frequency: 'Day',
        interval: 1,
        start_time: '2026-03-29T00:00:00',
        time_zone: 'Europe/London',
        hours: [1, 2],
        minutes: [30],
      },
      after: '2026-03-28T12:00:00Z',
      expected: ['2026-03-29T01:30:00Z', '2026-03-30T00:30:00Z', '2026-03-30T01:30:00Z', '2026-03-31T00:30:00Z'],
    },
  ])('$name', ({ json, after, expected }) => {
    expectNext(json, after, expected);
  });
});

describe('SDK start-time statements', () => {
  it('without start_time the first workload runs at creation ("run instantly")', () => {
    const createdAt = new Date('2026-05-05T10:11:12.345Z');
    const r = recurrence({ frequency: 'Minute', interval: 15 }, createdAt);
    expect(r.start).toBe('2026-05-05T10:11:12Z');
    expect(formatInstant(nextOccurrence(r, new Date('2026-05-05T10:00:00Z')) as Date)).toBe('2026-05-05T10:11:12Z');
    expect(next({ frequency: 'Minute', interval: 15 }, '2026-05-05T10:11:12Z', 2, createdAt)).toEqual([
      '2026-05-05T10:26:12Z',
      '2026-05-05T10:41:12Z',
    ]);
  });

  it('start in the past: the first run is the next calculated run time (Logic Apps: every 2 days from 2017-09-07 14:00)', () => {
    expectNext({ frequency: 'Day', interval: 2, start_time: '2017-09-07T14:00:00Z' }, '2017-09-08T13:00:00Z', [
      '2017-09-09T14:00:00Z',
      '2017-09-11T14:00:00Z',
      '2017-09-13T14:00:00Z',
      '2017-09-15T14:00:00Z',
    ]);
  });

  it('a start in the future with no pattern is itself the first run', () => {
    expectNext({ frequency: 'Week', interval: 1, start_time: '2030-02-03T04:05:06' }, '2026-01-01T00:00:00Z', [
      '2030-02-03T04:05:06Z',
      '2030-02-10T04:05:06Z',
    ]);
  });

  it('start matching week_days and time_of_day: the first run is the next match, not the start', () => {
    // 2026-01-05 is a Monday.
    expectNext(
      { frequency: 'Week', interval: 1, start_time: '2026-01-05T09:00:00', week_days: ['Monday'], time_of_day: '9:00' },
      '2026-01-01T00:00:00Z',
      ['2026-01-12T09:00:00Z', '2026-01-19T09:00:00Z'],
    );
  });

  it('start matching hours and minutes (Day): the first run is the next match', () => {
    expectNext(
      { frequency: 'Day', interval: 1, start_time: '2026-01-05T09:00:00', hours: [9, 18], minutes: [0] },
      '2026-01-01T00:00:00Z',
      ['2026-01-05T18:00:00Z', '2026-01-06T09:00:00Z'],
    );
  });

  it('a start with an offset is an instant; the pattern is read in time_zone', () => {
    // 2026-06-01T12:00:00+02:00 is 10:00Z = 11:00 in London (BST); hours default to that local hour.
    expectNext(
      {
        frequency: 'Day',
        interval: 1,
        start_time: '2026-06-01T12:00:00+02:00',
        time_zone: 'GMT Standard Time',
        minutes: [15],
      },
      '2026-06-01T00:00:00Z',
      ['2026-06-01T10:15:00Z', '2026-06-02T10:15:00Z'],
    );
  });
});

describe('Logic Apps "Example recurrences" table', () => {
  const created = new Date('2017-09-06T08:25:40Z');
  it('every hour, 15 past, from a start at 00:15', () => {
    expectNext({ frequency: 'Hour', interval: 1, start_time: '2017-09-07T00:15:00Z' }, '2017-09-01T00:00:00Z', [
      '2017-09-07T00:15:00Z',
      '2017-09-07T01:15:00Z',
      '2017-09-07T02:15:00Z',
    ]);
  });
  const allHours = Array.from({ length: 24 }, (_, h) => h);
  it('Day with all hours and minute 15 runs at :15 every hour', () => {
    expect(
      next({ frequency: 'Day', interval: 1, hours: allHours, minutes: [15] }, '2017-09-06T22:00:00Z', 4, created),
    ).toEqual(['2017-09-06T22:15:00Z', '2017-09-06T23:15:00Z', '2017-09-07T00:15:00Z', '2017-09-07T01:15:00Z']);
  });
  it('Day with all hours and minutes 0,15,30,45 waits for the next 15-minute mark', () => {
    expect(
      next(
        { frequency: 'Day', interval: 1, hours: allHours, minutes: [0, 15, 30, 45] },
        created.toISOString(),
        3,
        created,
      ),
    ).toEqual(['2017-09-06T08:30:00Z', '2017-09-06T08:45:00Z', '2017-09-06T09:00:00Z']);
  });
  it('daily at 8 plus the minute mark of creation', () => {
    expect(next({ frequency: 'Day', interval: 1, hours: [8] }, created.toISOString(), 2, created)).toEqual([
      '2017-09-07T08:25:00Z',
      '2017-09-08T08:25:00Z',
    ]);
  });
  it('daily at 8:00 from a start date', () => {
    expectNext({ frequency: 'Day', interval: 1, start_time: '2017-09-07T08:00:00Z' }, '2017-09-01T00:00:00Z', [
      '2017-09-07T08:00:00Z',
      '2017-09-08T08:00:00Z',
    ]);
  });
  it('daily at 8:30 and 16:30; 8:30, 8:45, 16:30, 16:45', () => {
    expect(
      next({ frequency: 'Day', interval: 1, hours: [8, 16], minutes: [30] }, created.toISOString(), 3, created),
    ).toEqual(['2017-09-06T08:30:00Z', '2017-09-06T16:30:00Z', '2017-09-07T08:30:00Z']);
    expect(
      next({ frequency: 'Day', interval: 1, hours: [8, 16], minutes: [30, 45] }, created.toISOString(), 5, created),
    ).toEqual([
      '2017-09-06T08:30:00Z',
      '2017-09-06T08:45:00Z',
      '2017-09-06T16:30:00Z',
      '2017-09-06T16:45:00Z',
      '2017-09-07T08:30:00Z',
    ]);
  });
  it('every Saturday at 17:00 (no start)', () => {
    expect(
      next(
        { frequency: 'Week', interval: 1, week_days: ['Saturday'], hours: [17], minutes: [0] },
        created.toISOString(),
        2,
        created,
      ),
    ).toEqual(['2017-09-09T17:00:00Z', '2017-09-16T17:00:00Z']);
  });
  it('every Saturday with a start Saturday 17:00: the SDK rule skips the start itself (Logic Apps would run it)', () => {
    expectNext(
      { frequency: 'Week', interval: 1, start_time: '2017-09-09T17:00:00Z', week_days: ['Saturday'] },
      '2017-09-01T00:00:00Z',
      ['2017-09-16T17:00:00Z', '2017-09-23T17:00:00Z'],
    );
  });
  it('every Tuesday and Thursday at 17 plus the minute mark of creation', () => {
    expect(
      next(
        { frequency: 'Week', interval: 1, week_days: ['Tuesday', 'Thursday'], hours: [17] },
        created.toISOString(),
        3,
        created,
      ),
    ).toEqual(['2017-09-07T17:25:00Z', '2017-09-12T17:25:00Z', '2017-09-14T17:25:00Z']);
  });
  it('every 15 minutes biweekly on Mondays only', () => {
    const r = recurrence(
      { frequency: 'Week', interval: 2, week_days: ['Monday'], hours: allHours, minutes: [0, 15, 30, 45] },
      created,
    );
    // Created Wednesday 2017-09-06: its week's Monday (09-04) is past, so the next eligible Monday is 09-18.
    const runs = occurrencesBetween(r, created, new Date('2017-10-03T00:00:00Z'), 1000).map(formatInstant);
    expect(runs).toHaveLength(96 * 2);
    expect(runs[0]).toBe('2017-09-18T00:00:00Z');
    expect(runs[95]).toBe('2017-09-18T23:45:00Z');
    expect(runs[96]).toBe('2017-10-02T00:00:00Z');
  });
  it('every month from a start date and time', () => {
    expectNext({ frequency: 'Month', interval: 1, start_time: '2017-09-07T14:00:00Z' }, '2017-09-07T14:00:00Z', [
      '2017-10-07T14:00:00Z',
      '2017-11-07T14:00:00Z',
    ]);
  });
});

describe('jumps instead of stepping', () => {
  it('a one-minute schedule started in 2000 and a monthly one started in 1990 answer exactly', () => {
    expectNext({ frequency: 'Minute', interval: 1, start_time: '2000-01-01T00:00:30Z' }, '2026-11-24T17:10:00Z', [
      '2026-11-24T17:10:30Z',
    ]);
    expectNext({ frequency: 'Minute', interval: 7, start_time: '2000-01-01T00:00:00Z' }, '2026-01-01T00:00:00Z', [
      // 2026-01-01 is 9497 days after 2000-01-01: 13675680 minutes = 7 * 1953668 + 4, so the next multiple of 7 is 3 minutes later.
      '2026-01-01T00:03:00Z',
    ]);
    expectNext(
      { frequency: 'Month', interval: 5, start_time: '1990-01-31T10:00:00', time_zone: 'Tokyo Standard Time' },
      '2026-01-01T00:00:00Z',
      [
        // Months 1990-01 + 5k: 2026-04 (k = 87), 2026-09 and 2027-02 have no 31st; 2027-07 is next.
        '2027-07-31T01:00:00Z',
        '2027-12-31T01:00:00Z',
      ],
    );
  });
  it('occurrencesBetween finds missed runs in a window and respects its limit', () => {
    const r = recurrence({ frequency: 'Hour', interval: 6, start_time: '1995-06-01T03:00:00Z' });
    expect(
      occurrencesBetween(r, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T03:00:00Z'), 10).map(formatInstant),
    ).toEqual([
      '2026-01-01T03:00:00Z',
      '2026-01-01T09:00:00Z',
      '2026-01-01T15:00:00Z',
      '2026-01-01T21:00:00Z',
      '2026-01-02T03:00:00Z',
    ]);
    expect(occurrencesBetween(r, new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'), 2)).toHaveLength(
      2,
    );
  });
});

describe('range ends', () => {
  it('there is no occurrence after year 9999', () => {
    const r = recurrence({ frequency: 'Day', interval: 1, start_time: '9999-12-30T10:00:00' });
    expect(
      occurrencesBetween(r, new Date('9999-01-01T00:00:00Z'), new Date('9999-12-31T23:59:59Z'), 10).map(formatInstant),
    ).toEqual(['9999-12-30T10:00:00Z', '9999-12-31T10:00:00Z']);
    expect(nextOccurrence(r, new Date('9999-12-31T10:00:00Z'))).toBeUndefined();
    expect(
      nextOccurrence(
        recurrence({ frequency: 'Minute', interval: 1, start_time: '2026-01-01T00:00:00Z' }),
        new Date('9999-12-31T23:59:00Z'),
      ),
    ).toBeUndefined();
  });
  it('starts before 1970 work (negative epoch days), with the zone rules of the time', () => {
    // New York 1960: DST from the last Sunday of April, 02:00 → 03:00 (1960-04-24).
    expectNext(
      { frequency: 'Week', interval: 1, start_time: '1960-04-03T02:30:00', time_zone: 'America/New_York' },
      '1960-04-10T00:00:00Z',
      [
        '1960-04-10T07:30:00Z',
        '1960-04-17T07:30:00Z',
        '1960-04-24T07:30:00Z', // 02:30 did not exist: 03:30 EDT
        '1960-05-01T06:30:00Z',
      ],
    );
  });
});
