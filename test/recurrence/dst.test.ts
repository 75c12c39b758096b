/**
 * Daylight saving: a wall-clock time in a spring-forward gap runs as far past the gap's end as it was
 * past its start; a time in a fall-back overlap runs once, at the first instant; elapsed-time
 * frequencies ignore both; coinciding instants are one occurrence.
 */
import { describe, expect, it } from 'vitest';
import { expectNext, next } from './helpers';

describe('America/New_York', () => {
  const sunday = (day: string) => ({
    frequency: 'Week',
    interval: 1,
    start_time: `${day}T00:00:00`,
    time_zone: 'America/New_York',
    week_days: ['Sunday'],
    hours: [1, 2, 3],
    minutes: [0, 30],
  });
  it('spring forward: 02:00 and 02:30 move to 03:00 and 03:30 and merge with them', () => {
    expectNext(sunday('2026-03-01'), '2026-03-08T00:00:00Z', [
      '2026-03-08T06:00:00Z',
      '2026-03-08T06:30:00Z',
      '2026-03-08T07:00:00Z',
      '2026-03-08T07:30:00Z',
      '2026-03-15T05:00:00Z',
    ]);
  });
  it('fall back: 01:00 and 01:30 run once, at the first (EDT) instant', () => {
    expectNext(sunday('2026-10-25'), '2026-11-01T00:00:00Z', [
      '2026-11-01T05:00:00Z',
      '2026-11-01T05:30:00Z',
      '2026-11-01T07:00:00Z',
      '2026-11-01T07:30:00Z',
      '2026-11-01T08:00:00Z',
      '2026-11-01T08:30:00Z',
    ]);
  });
  it('Hour schedules stay an hour apart through fall back', () => {
    expectNext(
      { frequency: 'Hour', interval: 1, start_time: '2026-11-01T00:00:00', time_zone: 'America/New_York' },
      '2026-11-01T04:30:00Z',
      ['2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z'],
    );
  });
  it('Day without pattern keeps the wall-clock time on both sides of the change', () => {
    expectNext(
      { frequency: 'Day', interval: 1, start_time: '2026-03-07T09:15:00', time_zone: 'America/New_York' },
      '2026-03-07T00:00:00Z',
      ['2026-03-07T14:15:00Z', '2026-03-08T13:15:00Z'],
    );
  });
});

describe('Europe/London', () => {
  it('fall back: 01:30 runs at the first (BST) instant', () => {
    expectNext(
      { frequency: 'Day', interval: 1, start_time: '2026-10-24T01:30:00', time_zone: 'Europe/London' },
      '2026-10-24T00:00:00Z',
      ['2026-10-24T00:30:00Z', '2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'],
    );
  });
  it('spring forward: a start given inside the gap is itself moved (01:30 → 02:30 BST)', () => {
    expectNext(
      { frequency: 'Month', interval: 1, start_time: '2026-03-29T01:30:00', time_zone: 'Europe/London' },
      '2026-03-01T00:00:00Z',
      ['2026-03-29T01:30:00Z', '2026-04-29T00:30:00Z'],
    );
  });
});

describe('Australia/Lord_Howe (30-minute shift)', () => {
  it('spring forward 02:00 → 02:30: 02:15 runs at 02:45', () => {
    expectNext(
      { frequency: 'Day', interval: 1, start_time: '2026-10-03T02:15:00', time_zone: 'Australia/Lord_Howe' },
      '2026-10-01T00:00:00Z',
      [
        '2026-10-02T15:45:00Z', // 02:15 +10:30
        '2026-10-03T15:45:00Z', // 02:15 does not exist: 02:45 +11:00
        '2026-10-04T15:15:00Z', // 02:15 +11:00
      ],
    );
  });
  it('fall back 02:00 → 01:30: 01:45 runs once, at +11:00', () => {
    expectNext(
      { frequency: 'Day', interval: 1, start_time: '2026-04-04T01:45:00', time_zone: 'Australia/Lord_Howe' },
      '2026-04-03T00:00:00Z',
      ['2026-04-03T14:45:00Z', '2026-04-04T14:45:00Z', '2026-04-05T15:15:00Z'],
    );
  });
  it('a 30-minute schedule is elapsed time through the shift', () => {
    expectNext(
      { frequency: 'Minute', interval: 30, start_time: '2026-10-04T01:00:00', time_zone: 'Australia/Lord_Howe' },
      '2026-10-03T14:29:00Z',
      ['2026-10-03T14:30:00Z', '2026-10-03T15:00:00Z', '2026-10-03T15:30:00Z'],
    );
  });
});

describe('America/Sao_Paulo (historical changes at midnight; no DST since 2019)', () => {
  it('2018-11-04 00:00 → 01:00: 00:30 runs at 01:30 -02', () => {
    expectNext(
      { frequency: 'Day', interval: 1, start_time: '2018-11-02T00:30:00', time_zone: 'E. South America Standard Time' },
      '2018-11-01T00:00:00Z',
      ['2018-11-02T03:30:00Z', '2018-11-03T03:30:00Z', '2018-11-04T03:30:00Z', '2018-11-05T02:30:00Z'],
    );
  });
  it('2019-02-17 00:00 → 2019-02-16 23:00: 23:30 runs once, at the first (-02) instant', () => {
    expectNext(
      { frequency: 'Day', interval: 1, start_time: '2019-02-15T23:30:00', time_zone: 'America/Sao_Paulo' },
      '2019-02-15T00:00:00Z',
      ['2019-02-16T01:30:00Z', '2019-02-17T01:30:00Z', '2019-02-18T02:30:00Z'],
    );
  });
  it('the Sunday midnight pattern of the week skipped midnight in 2018', () => {
    // 2018-11-04 was a Sunday; 00:00 did not exist, so the run is at 01:00 -02 (03:00Z).
    expect(
      next(
        {
          frequency: 'Week',
          interval: 1,
          start_time: '2018-10-01T00:00:00',
          time_zone: 'America/Sao_Paulo',
          week_days: ['Sunday'],
          time_of_day: '0:00',
        },
        '2018-10-27T00:00:00Z',
        3,
      ),
    ).toEqual(['2018-10-28T03:00:00Z', '2018-11-04T03:00:00Z', '2018-11-11T02:00:00Z']);
  });
  it('since 2019 the offset stays -03 all year', () => {
    expectNext(
      { frequency: 'Day', interval: 1, start_time: '2020-11-01T00:30:00', time_zone: 'America/Sao_Paulo' },
      '2020-11-01T00:00:00Z',
      ['2020-11-01T03:30:00Z', '2020-11-02T03:30:00Z'],
    );
  });
});

describe('zones given by Windows name', () => {
  it('Pacific Standard Time spring forward and fall back', () => {
    const json = {
      frequency: 'Day',
      interval: 1,
      start_time: '2026-03-01T02:30:00',
      time_zone: 'Pacific Standard Time',
    };
    expect(next(json, '2026-03-07T00:00:00Z', 3)).toEqual([
      '2026-03-07T10:30:00Z',
      '2026-03-08T10:30:00Z',
      '2026-03-09T09:30:00Z',
    ]);
    const fall = {
      frequency: 'Day',
      interval: 1,
      start_time: '2026-10-01T01:15:00',
      time_zone: 'Pacific Standard Time',
    };
    expect(next(fall, '2026-10-31T00:00:00Z', 3)).toEqual([
      '2026-10-31T08:15:00Z',
      '2026-11-01T08:15:00Z',
      '2026-11-02T09:15:00Z',
    ]);
  });
  it('AUS Eastern Standard Time (southern hemisphere) weekly pattern', () => {
    // Sydney: DST ends 2026-04-05 03:00 → 02:00, so 02:30 happens twice; first is +11.
    expect(
      next(
        {
          frequency: 'Week',
          interval: 1,
          start_time: '2026-03-01T00:00:00',
          time_zone: 'AUS Eastern Standard Time',
          week_days: ['Sunday'],
          time_of_day: '2:30',
        },
        '2026-03-28T00:00:00Z',
        3,
      ),
    ).toEqual(['2026-03-28T15:30:00Z', '2026-04-04T15:30:00Z', '2026-04-11T16:30:00Z']);
  });
});

describe('a day that did not exist (Pacific/Apia skipped 2011-12-30)', () => {
  it('times on the skipped day run 24 hours later in wall time and merge with the next day', () => {
    expectNext(
      { frequency: 'Day', interval: 1, start_time: '2011-12-28T09:00:00', time_zone: 'Pacific/Apia' },
      '2011-12-28T00:00:00Z',
      [
        '2011-12-28T19:00:00Z', // 12-28 09:00 -10
        '2011-12-29T19:00:00Z', // 12-29 09:00 -10
        '2011-12-30T19:00:00Z', // 12-30 09:00 does not exist (-10 kept) = 12-31 09:00 +14: one occurrence
        '2011-12-31T19:00:00Z', // 2012-01-01 09:00 +14
      ],
    );
  });
});
