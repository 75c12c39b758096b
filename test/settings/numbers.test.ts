/**
 * Numeric settings: a value that is not what the setting takes is an error naming the setting and the
 * value, never a silent fallback to the default or a silent rounding.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAmlSettings } from '../../src/aml/settings';
import { createReactiveDepsProvider, readRefreshMs } from '../../src/reactive/runtimeDeps';
import { createRuntime } from '../../src/runtime';
import { readTickSettings } from '../../src/schedules/tick';

describe('numeric settings', () => {
  it('SCHEDULE_TICK_CONCURRENCY 2.5 is an error, not 2', () => {
    const r = readTickSettings({ SCHEDULE_TICK_CONCURRENCY: '2.5' });
    expect(r.ok ? r.value.concurrency : r.error).toMatchObject({
      code: 'schedule.setting.invalid',
      field: 'SCHEDULE_TICK_CONCURRENCY',
      value: '2.5',
      message: expect.stringContaining('a whole number from 1 to 256'),
    });
    expect(readTickSettings({ SCHEDULE_MISSED_GRACE_MINUTES: '1e1' }).ok).toBe(false);
    expect(readTickSettings({ SCHEDULE_TICK_CONCURRENCY: '8' })).toMatchObject({ ok: true, value: { concurrency: 8 } });
  });

  it('REACTIVE_REFRESH_MS "soon" is an error naming the setting; the reactive function fails with it instead of using 5 minutes', async () => {
    expect(readRefreshMs({})).toEqual({ ok: true, value: 300_000 });
    expect(readRefreshMs({ REACTIVE_REFRESH_MS: '60000' })).toEqual({ ok: true, value: 60_000 });
    for (const bad of ['soon', '0', '-5', '1.5e3', '100']) {
      const r = readRefreshMs({ REACTIVE_REFRESH_MS: bad });
      expect(r.ok ? r.value : r.error).toMatchObject({
        code: 'reactive.setting.invalid',
        field: 'REACTIVE_REFRESH_MS',
        value: bad,
      });
    }
    const appRoot = mkdtempSync(join(tmpdir(), 'refresh-'));
    const provider = createReactiveDepsProvider(createRuntime({ env: { REACTIVE_REFRESH_MS: 'soon' }, appRoot }));
    await expect(provider()).rejects.toMatchObject({
      error: { code: 'reactive.setting.invalid', message: expect.stringContaining('REACTIVE_REFRESH_MS is "soon"') },
    });
  });

  it('AML_* numbers: not a whole number is an error naming the setting', () => {
    const r = readAmlSettings({ AML_ATTEMPT_TIMEOUT_MS: '30s' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('AML_ATTEMPT_TIMEOUT_MS');
  });
});
