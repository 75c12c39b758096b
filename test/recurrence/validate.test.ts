/** One row per validation rule of the spec: the error code, the field and the value it names. */
import { describe, expect, it } from 'vitest';
import { parseRecurrence, toRecurrenceJson } from '../../src/recurrence';

const base = { frequency: 'Day', interval: 1, start_time: '2026-01-01T00:00:00' };

describe('each validation rule has its error', () => {
  it.each([
    { rule: 'not an object', input: [1], code: 'recurrence.not_object', field: 'recurrence', value: [1] },
    {
      rule: 'unknown key',
      input: { ...base, hour: [1] },
      code: 'recurrence.unknown_field',
      field: 'recurrence.hour',
      value: [1],
    },
    {
      rule: 'frequency missing',
      input: { interval: 1, start_time: base.start_time },
      code: 'recurrence.frequency.missing',
      field: 'recurrence.frequency',
      value: undefined,
    },
    {
      rule: 'frequency unknown',
      input: { ...base, frequency: 'Second' },
      code: 'recurrence.frequency.invalid',
      field: 'recurrence.frequency',
      value: 'Second',
    },
    {
      rule: 'interval missing',
      input: { frequency: 'Day', start_time: base.start_time },
      code: 'recurrence.interval.missing',
      field: 'recurrence.interval',
      value: undefined,
    },
    {
      rule: 'interval not integer',
      input: { ...base, interval: 1.5 },
      code: 'recurrence.interval.not_integer',
      field: 'recurrence.interval',
      value: 1.5,
    },
    {
      rule: 'interval as string',
      input: { ...base, interval: '2' },
      code: 'recurrence.interval.not_integer',
      field: 'recurrence.interval',
      value: '2',
    },
    {
      rule: 'interval zero',
      input: { ...base, interval: 0 },
      code: 'recurrence.interval.out_of_range',
      field: 'recurrence.interval',
      value: 0,
    },
    {
      rule: 'Minute interval > 72000',
      input: { ...base, frequency: 'Minute', interval: 72001 },
      code: 'recurrence.interval.out_of_range',
      field: 'recurrence.interval',
      value: 72001,
    },
    {
      rule: 'Hour interval > 12000',
      input: { ...base, frequency: 'Hour', interval: 12001 },
      code: 'recurrence.interval.out_of_range',
      field: 'recurrence.interval',
      value: 12001,
    },
    {
      rule: 'Day interval > 500',
      input: { ...base, interval: 501 },
      code: 'recurrence.interval.out_of_range',
      field: 'recurrence.interval',
      value: 501,
    },
    {
      rule: 'Week interval > 71',
      input: { ...base, frequency: 'Week', interval: 72 },
      code: 'recurrence.interval.out_of_range',
      field: 'recurrence.interval',
      value: 72,
    },
    {
      rule: 'Month interval > 16',
      input: { ...base, frequency: 'Month', interval: 17 },
      code: 'recurrence.interval.out_of_range',
      field: 'recurrence.interval',
      value: 17,
    },
    {
      rule: 'hours not a list',
      input: { ...base, hours: 9 },
      code: 'recurrence.hours.invalid_type',
      field: 'recurrence.hours',
      value: 9,
    },
    {
      rule: 'hours empty',
      input: { ...base, hours: [] },
      code: 'recurrence.hours.empty',
      field: 'recurrence.hours',
      value: [],
    },
    {
      rule: 'hour 24',
      input: { ...base, hours: [9, 24] },
      code: 'recurrence.hours.out_of_range',
      field: 'recurrence.hours[1]',
      value: 24,
    },
    {
      rule: 'hour not integer',
      input: { ...base, hours: ['9'] },
      code: 'recurrence.hours.not_integer',
      field: 'recurrence.hours[0]',
      value: '9',
    },
    {
      rule: 'minute 60',
      input: { ...base, minutes: [60] },
      code: 'recurrence.minutes.out_of_range',
      field: 'recurrence.minutes[0]',
      value: 60,
    },
    {
      rule: 'minute negative',
      input: { ...base, minutes: [0, -1] },
      code: 'recurrence.minutes.out_of_range',
      field: 'recurrence.minutes[1]',
      value: -1,
    },
    {
      rule: 'minute fraction',
      input: { ...base, minutes: [0.5] },
      code: 'recurrence.minutes.not_integer',
      field: 'recurrence.minutes[0]',
      value: 0.5,
    },
    {
      rule: 'minutes not a list',
      input: { ...base, minutes: '0' },
      code: 'recurrence.minutes.invalid_type',
      field: 'recurrence.minutes',
      value: '0',
    },
    {
      rule: 'minutes empty',
      input: { ...base, minutes: [] },
      code: 'recurrence.minutes.empty',
      field: 'recurrence.minutes',
      value: [],
    },
    {
      rule: 'hours with Hour',
      input: { ...base, frequency: 'Hour', hours: [1] },
      code: 'recurrence.hours.not_allowed',
      field: 'recurrence.hours',
      value: [1],
    },
    {
      rule: 'minutes with Month',
      input: { ...base, frequency: 'Month', minutes: [1] },
      code: 'recurrence.minutes.not_allowed',
      field: 'recurrence.minutes',
      value: [1],
    },
    {
      rule: 'time_of_day with Minute',
      input: { ...base, frequency: 'Minute', time_of_day: '9:00' },
      code: 'recurrence.time_of_day.not_allowed',
      field: 'recurrence.time_of_day',
      value: '9:00',
    },
    {
      rule: 'time_of_day format',
      input: { ...base, time_of_day: '9.30' },
      code: 'recurrence.time_of_day.invalid_format',
      field: 'recurrence.time_of_day',
      value: '9.30',
    },
    {
      rule: 'time_of_day 24:00',
      input: { ...base, time_of_day: '24:00' },
      code: 'recurrence.time_of_day.invalid_format',
      field: 'recurrence.time_of_day',
      value: '24:00',
    },
    {
      rule: 'time_of_day one-digit minutes',
      input: { ...base, time_of_day: '9:5' },
      code: 'recurrence.time_of_day.invalid_format',
      field: 'recurrence.time_of_day',
      value: '9:5',
    },
    {
      rule: 'time_of_day with hours',
      input: { ...base, time_of_day: '9:00', hours: [9] },
      code: 'recurrence.time_of_day.conflict',
      field: 'recurrence.time_of_day',
      value: '9:00',
    },
    {
      rule: 'time_of_day with minutes',
      input: { ...base, time_of_day: '9:00', minutes: [0] },
      code: 'recurrence.time_of_day.conflict',
      field: 'recurrence.time_of_day',
      value: '9:00',
    },
    {
      rule: 'week_days with Day',
      input: { ...base, week_days: ['Monday'] },
      code: 'recurrence.week_days.not_allowed',
      field: 'recurrence.week_days',
      value: ['Monday'],
    },
    {
      rule: 'week day unknown',
      input: { ...base, frequency: 'Week', week_days: ['Monday', 'Mon'] },
      code: 'recurrence.week_days.unknown_day',
      field: 'recurrence.week_days[1]',
      value: 'Mon',
    },
    {
      rule: 'week_days not a list',
      input: { ...base, frequency: 'Week', week_days: 'Monday' },
      code: 'recurrence.week_days.invalid_type',
      field: 'recurrence.week_days',
      value: 'Monday',
    },
    {
      rule: 'week_days empty',
      input: { ...base, frequency: 'Week', week_days: [] },
      code: 'recurrence.week_days.empty',
      field: 'recurrence.week_days',
      value: [],
    },
    {
      rule: 'time zone unknown',
      input: { ...base, time_zone: 'Pacific Time' },
      code: 'recurrence.time_zone.unknown',
      field: 'recurrence.time_zone',
      value: 'Pacific Time',
    },
    {
      rule: 'time zone as offset',
      input: { ...base, time_zone: '+01:00' },
      code: 'recurrence.time_zone.unknown',
      field: 'recurrence.time_zone',
      value: '+01:00',
    },
    {
      rule: 'time zone not a string',
      input: { ...base, time_zone: 1 },
      code: 'recurrence.time_zone.invalid_type',
      field: 'recurrence.time_zone',
      value: 1,
    },
    {
      rule: 'start_time not ISO',
      input: { ...base, start_time: '01/02/2026 10:00' },
      code: 'recurrence.start_time.invalid_format',
      field: 'recurrence.start_time',
      value: '01/02/2026 10:00',
    },
    {
      rule: 'start_time date only',
      input: { ...base, start_time: '2026-01-02' },
      code: 'recurrence.start_time.invalid_format',
      field: 'recurrence.start_time',
      value: '2026-01-02',
    },
    {
      rule: 'start_time not a string',
      input: { ...base, start_time: 1767225600000 },
      code: 'recurrence.start_time.invalid_format',
      field: 'recurrence.start_time',
      value: 1767225600000,
    },
    {
      rule: 'start_time impossible date',
      input: { ...base, start_time: '2026-02-30T10:00:00' },
      code: 'recurrence.start_time.invalid_date',
      field: 'recurrence.start_time',
      value: '2026-02-30T10:00:00',
    },
    {
      rule: 'start_time hour 24',
      input: { ...base, start_time: '2026-02-01T24:00:00' },
      code: 'recurrence.start_time.invalid_date',
      field: 'recurrence.start_time',
      value: '2026-02-01T24:00:00',
    },
    {
      rule: 'start_time year out of range',
      input: { ...base, start_time: '1850-02-01T10:00:00' },
      code: 'recurrence.start_time.out_of_range',
      field: 'recurrence.start_time',
      value: '1850-02-01T10:00:00',
    },
    {
      rule: 'start_time bad offset',
      input: { ...base, start_time: '2026-02-01T10:00:00+19:00' },
      code: 'recurrence.start_time.invalid_offset',
      field: 'recurrence.start_time',
      value: '2026-02-01T10:00:00+19:00',
    },
    {
      rule: 'start_time absent and no creation time',
      input: { frequency: 'Day', interval: 1 },
      code: 'recurrence.start_time.missing',
      field: 'recurrence.start_time',
      value: undefined,
    },
  ])('$rule → $code at $field', ({ input, code, field, value }) => {
    const result = parseRecurrence(input, { path: 'recurrence' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('recurrence.invalid');
    expect(result.error.status).toBe(400);
    const problems = result.error.errors ?? [];
    expect(problems).toHaveLength(1);
    const [problem] = problems;
    expect(problem).toMatchObject({ code, field });
    expect(problem?.value).toEqual(value);
    // The sentence names the field and, when there is one, the value.
    expect(problem?.message).toContain(field);
    if (typeof value === 'string' || typeof value === 'number') expect(problem?.message).toContain(String(value));
    expect(result.error.message).toBe(problem?.message);
  });

  it('reports every problem at once, each with its own code', () => {
    const result = parseRecurrence({ frequency: 'Hour', interval: 0, hours: [1], time_zone: 'Nowhere', extra: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.errors?.map((e) => e.code).sort()).toEqual([
      'recurrence.hours.not_allowed',
      'recurrence.interval.out_of_range',
      'recurrence.start_time.missing',
      'recurrence.time_zone.unknown',
      'recurrence.unknown_field',
    ]);
    // Without a path the fields are the bare keys.
    expect(result.error.errors?.map((e) => e.field)).toContain('interval');
    expect(result.error.message).toMatch(/^recurrence has 5 problems: /);
  });
});

describe('accepted shapes are canonicalised', () => {
  it('any letter case for frequency and week days; duplicates collapse; Monday-first order', () => {
    const result = parseRecurrence({
      ...base,
      frequency: 'wEEK',
      week_days: ['friday', 'MONDAY', 'Friday'],
      hours: [17, 9, 9],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.frequency).toBe('Week');
    expect(result.value.weekDays).toEqual(['Monday', 'Friday']);
    expect(result.value.hours).toEqual([9, 17]);
    expect(Object.isFrozen(result.value)).toBe(true);
  });

  it('Windows names in any case resolve to IANA and remember the name given', () => {
    const result = parseRecurrence({ ...base, time_zone: 'w. europe standard time' });
    expect(result.ok && result.value.timeZone).toBe('Europe/Berlin');
    expect(result.ok && result.value.timeZoneName).toBe('W. Europe Standard Time');
    const iana = parseRecurrence({ ...base, time_zone: 'america/sao_paulo' });
    expect(iana.ok && iana.value.timeZone).toBe('America/Sao_Paulo');
  });

  it('defaults the zone to UTC and treats null as absent', () => {
    const result = parseRecurrence({
      ...base,
      time_zone: null,
      hours: null,
      minutes: null,
      week_days: null,
      time_of_day: null,
    });
    expect(result.ok && result.value.timeZone).toBe('UTC');
    expect(result.ok && result.value.hours).toBeUndefined();
  });

  it('time_of_day becomes hours and minutes but is written back as given', () => {
    const result = parseRecurrence({ ...base, time_of_day: '7:05' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([result.value.hours, result.value.minutes]).toEqual([[7], [5]]);
    expect(toRecurrenceJson(result.value)).toEqual({
      frequency: 'Day',
      interval: 1,
      start_time: '2026-01-01T00:00:00',
      time_zone: 'UTC',
      time_of_day: '7:05',
    });
  });

  it('accepts the space separator of Python str(datetime), offsets and fractional seconds (dropped)', () => {
    for (const [start_time, expected] of [
      ['2026-01-01 10:00:00', '2026-01-01T10:00:00Z'],
      ['2026-01-01T10:00', '2026-01-01T10:00:00Z'],
      ['2026-01-01T10:00:00.987+0130', '2026-01-01T08:30:00Z'],
      ['2026-01-01T10:00:00-05', '2026-01-01T15:00:00Z'],
    ] as const) {
      const result = parseRecurrence({ ...base, start_time });
      expect(result.ok && result.value.start).toBe(expected);
    }
  });

  it('createdAt is the start when start_time is absent, and toRecurrenceJson writes it out', () => {
    const result = parseRecurrence(
      { frequency: 'Hour', interval: 2, time_zone: 'Pacific Standard Time' },
      { createdAt: new Date('2026-03-01T12:34:56.789Z') },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.start).toBe('2026-03-01T12:34:56Z');
    expect(toRecurrenceJson(result.value)).toEqual({
      frequency: 'Hour',
      interval: 2,
      start_time: '2026-03-01T12:34:56Z',
      time_zone: 'Pacific Standard Time',
    });
  });
});
