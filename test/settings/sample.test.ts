/**
 * local.settings.sample.json holds values the app accepts: every one of them reads without an error
 * (which settings it lists is checked against src/settings.ts by test/infra/settings.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAmlSettings } from '../../src/aml/settings';
import { readRefreshMs } from '../../src/reactive/runtimeDeps';
import { readTickSettings } from '../../src/schedules/tick';
import { settingProblems } from '../../src/settings';

const root = join(__dirname, '..', '..');
const sample = (
  JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }
).Values;

describe('local.settings.sample.json', () => {
  it('holds values the app accepts', () => {
    expect(settingProblems(sample).map((p) => p.error.message)).toEqual([]);
    expect(readAmlSettings(sample)).toMatchObject({
      ok: true,
      value: { credentialKind: 'cli', retry: { maxAttempts: 6 } },
    });
    expect(readTickSettings(sample)).toMatchObject({ ok: true, value: { concurrency: 32 } });
    expect(readRefreshMs(sample)).toEqual({ ok: true, value: 300_000 });
  });
});
