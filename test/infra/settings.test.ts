/**
 * Settings consistency: src/settings.ts defines every setting the app, the host and the platform read
 * (test/settings/module.test.ts checks that no other module names one). Here it is checked against the
 * places that must agree with it, both ways: the Function App's app settings in infra/, and
 * local.settings.sample.json. (docs/settings.md's table is generated from the module.) A setting added on
 * one side only fails here, naming it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_SETTINGS } from '../../src/settings';
import { APP_ROOT } from '../support/registration';

/** Storage connections: `<PREFIX>__<property>` settings configure the connection `<PREFIX>`. */
const connectionOf = (name: string): string => name.split('__')[0]!;

/** Keys of the Function App's `appsettings` block in infra/app/resources.bicep. */
function settingsInInfra(): Set<string> {
  const text = readFileSync(join(APP_ROOT, 'infra', 'app', 'resources.bicep'), 'utf8');
  const start = text.indexOf("name: 'appsettings'");
  expect(start, 'appsettings block in resources.bicep').toBeGreaterThan(0);
  const open = text.indexOf('{', text.indexOf('properties:', start));
  let depth = 0;
  let end = open;
  for (; end < text.length; end++) {
    if (text[end] === '{') depth++;
    if (text[end] === '}' && --depth === 0) break;
  }
  const keys = [...text.slice(open + 1, end).matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/gm)].map((m) =>
    connectionOf(m[1]!),
  );
  return new Set(keys);
}

function settingsInSample(): Set<string> {
  const sample = JSON.parse(readFileSync(join(APP_ROOT, 'local.settings.sample.json'), 'utf8')) as {
    Values: Record<string, string>;
  };
  return new Set(Object.keys(sample.Values).map(connectionOf));
}

const defined = new Map(ALL_SETTINGS.map((s) => [s.name, s]));
const infra = settingsInInfra();
const sample = settingsInSample();

describe('settings consistency', () => {
  it('finds the settings in each place (the scan works)', () => {
    expect(defined.size).toBeGreaterThan(40);
    expect(infra.has('AzureWebJobsStorage')).toBe(true);
    expect(sample.has('AML_MANAGED_IDENTITY_CLIENT_ID')).toBe(true);
  });

  it('every setting the app needs is set by infra/ or has a default', () => {
    const unset = ALL_SETTINGS.filter(
      (s) =>
        !s.readBy.includes('platform') &&
        s.defaultText === 'required' &&
        !infra.has(s.name) &&
        !s.infra.startsWith('platform'),
    );
    expect(unset.map((s) => s.name)).toEqual([]);
  });

  it('the module says truthfully what infra/ sets', () => {
    const wrong = ALL_SETTINGS.filter(
      (s) => (s.infra !== '—') !== (infra.has(s.name) || s.infra.startsWith('platform')),
    );
    expect(
      wrong.map((s) => `${s.name}: the module says infra/ ${s.infra === '—' ? 'does not set' : 'sets'} it`),
    ).toEqual([]);
    expect(
      [...infra].filter((name) => !defined.has(name)),
      'set by infra/ but not defined in src/settings.ts',
    ).toEqual([]);
  });

  it('local.settings.sample.json lists every setting except the platform ones, and nothing else', () => {
    const wanted = ALL_SETTINGS.filter((s) => s.inSample ?? !s.readBy.includes('platform')).map((s) => s.name);
    expect(
      wanted.filter((name) => !sample.has(name)),
      'defined but not in the sample',
    ).toEqual([]);
    expect(
      [...sample].filter((name) => !wanted.includes(name)),
      'in the sample but not defined in src/settings.ts (or a platform setting)',
    ).toEqual([]);
  });
});
