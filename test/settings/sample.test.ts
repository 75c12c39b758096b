/**
 * local.settings.sample.json lists every setting the app reads (found in src/ as the setting-name
 * literals `AML_*`, `SCHEDULE*_*`, `REACTIVE_*`, `APPLICATIONINSIGHTS_*`), and every value in it is one the
 * app accepts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAmlSettings } from '../../src/aml/settings';
import { readRefreshMs } from '../../src/reactive/runtimeDeps';
import { readTickSettings } from '../../src/schedules/tick';

const root = join(__dirname, '..', '..');
const sample = (JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }).Values;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('local.settings.sample.json', () => {
  it('names every setting the code reads', () => {
    const read = new Set<string>();
    for (const file of sources(join(root, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/['"`]((?:AML|SCHEDULES?|REACTIVE|APPLICATIONINSIGHTS)_[A-Z0-9_]+)['"`]/g)) read.add(m[1]!);
    }
    expect(read.size).toBeGreaterThan(25);
    expect([...read].filter((name) => !(name in sample)).sort()).toEqual([]);
    expect(read).toContain('AML_MANAGED_IDENTITY_CLIENT_ID');
  });

  it('holds values the app accepts', () => {
    expect(readAmlSettings(sample)).toMatchObject({ ok: true, value: { credentialKind: 'cli', retry: { maxAttempts: 6 } } });
    expect(readTickSettings(sample)).toMatchObject({ ok: true, value: { concurrency: 32 } });
    expect(readRefreshMs(sample)).toEqual({ ok: true, value: 300_000 });
  });
});
