/** Time-zone names: every name of the SDK's TimeZone enum resolves; IANA names resolve; junk does not. */
import { describe, expect, it } from 'vitest';
import { resolveTimeZone } from '../../src/recurrence';
import sdkTimeZones from './data/sdkTimeZones.json';

describe('time zone names', () => {
  it('resolves all 131 values of azureml.pipeline.core.schedule.TimeZone', () => {
    expect(sdkTimeZones).toHaveLength(131);
    const unresolved = sdkTimeZones.filter((name) => resolveTimeZone(name) === undefined);
    expect(unresolved).toEqual([]);
  });

  // Intl canonicalises some names (Etc/UTC → UTC; ICU may keep Asia/Calcutta for Asia/Kolkata).
  it.each([
    ['Pacific Standard Time', ['America/Los_Angeles']],
    ['W. Europe Standard Time', ['Europe/Berlin']],
    ['GMT Standard Time', ['Europe/London']],
    ['UTC', ['UTC', 'Etc/UTC']],
    ['Lord Howe Standard Time', ['Australia/Lord_Howe']],
    ['E. South America Standard Time', ['America/Sao_Paulo']],
    ['Kamchatka Standard Time', ['Asia/Kamchatka']],
    ['Mid-Atlantic Standard Time', ['Etc/GMT+2']],
    ['india standard time', ['Asia/Calcutta', 'Asia/Kolkata']],
  ])('Windows %s → %s (CLDR primary zone)', (name, iana) => {
    const zone = resolveTimeZone(name);
    expect(zone?.kind).toBe('windows');
    expect(zone?.given.toLowerCase()).toBe(name.toLowerCase());
    expect(iana).toContain(zone?.iana);
  });

  it('IANA names, canonical case', () => {
    expect(resolveTimeZone('europe/berlin')).toMatchObject({ iana: 'Europe/Berlin', kind: 'iana' });
    expect(resolveTimeZone('Australia/Lord_Howe')?.iana).toBe('Australia/Lord_Howe');
  });

  it.each(['', 'Pacific', 'Central Time', 'Europe/Atlantis', '+02:00', 'UTC+2', 'GMT+2:00'])('rejects %j', (name) => {
    expect(resolveTimeZone(name)).toBeUndefined();
  });
});
