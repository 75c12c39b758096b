/**
 * Settings consistency: every setting the code reads (found in src/ as a setting-shaped string literal or
 * an `env.NAME` read) is in docs/settings.md; it is set by infra/ or has a default there; it is listed in
 * local.settings.sample.json unless the platform sets it. And the reverse: every setting infra/ sets,
 * every key of the sample file and every row of the table is read by the app, the host or the targets
 * file. A setting added on one side only fails here, naming it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ROOT } from '../support/registration';

/** Setting-shaped literals in src/ that are not settings. */
const NOT_SETTINGS: Record<string, string> = {
  DUPLICATE_KEY: 'error code of the yaml package',
  ERR_NETWORK: 'network error code the transport reports',
};

/** Storage connections: `<PREFIX>__<property>` settings configure the connection `<PREFIX>`. */
const connectionOf = (name: string): string => name.split('__')[0]!;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function settingsInCode(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(join(APP_ROOT, 'src'))) {
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:])\/\/.*$/gm, '$1');
    for (const m of code.matchAll(/['"`]([A-Z][A-Za-z0-9]*_[A-Za-z0-9_]+)['"`]|\benv\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const name = connectionOf(m[1] ?? m[2]!);
      if (!(name in NOT_SETTINGS) && !found.has(name)) found.set(name, file.slice(APP_ROOT.length + 1));
    }
  }
  return found;
}

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
  const keys = [...text.slice(open + 1, end).matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/gm)].map((m) => connectionOf(m[1]!));
  return new Set(keys);
}

function settingsInSample(): Set<string> {
  const sample = JSON.parse(readFileSync(join(APP_ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
  return new Set(Object.keys(sample.Values).map(connectionOf));
}

interface Row {
  readBy: string[];
  defaultValue: string;
  infra: string;
}

function documented(): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const line of readFileSync(join(APP_ROOT, 'docs', 'settings.md'), 'utf8').split('\n')) {
    const cells = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (!cells) continue;
    const [readBy, defaultValue, infra] = cells[2]!.split('|').map((c) => c.trim());
    rows.set(cells[1]!, { readBy: readBy!.split(',').map((r) => r.trim()), defaultValue: defaultValue!, infra: infra! });
  }
  return rows;
}

const code = settingsInCode();
const infra = settingsInInfra();
const sample = settingsInSample();
const docs = documented();

describe('settings consistency', () => {
  it('finds the settings in each place (the scan works)', () => {
    expect(code.size).toBeGreaterThan(30);
    expect(code.get('SCHEDULE_TICK_CRON')).toBe('src/functions/scheduleTimer.ts');
    expect(infra.has('AzureWebJobsStorage')).toBe(true);
    expect(docs.get('AML_DEADLINE_MS')?.defaultValue).toBe('`100000`');
  });

  it('every setting the code reads is documented, marked as read by the app or the platform', () => {
    const missing = [...code].filter(([name]) => !docs.get(name)?.readBy.some((r) => r === 'app' || r === 'platform'));
    expect(missing.map(([name, file]) => `${name} (${file})`)).toEqual([]);
  });

  it('every setting the app reads is set by infra/ or has a default', () => {
    const unset = [...code.keys()].filter((name) => {
      const row = docs.get(name);
      return row && !row.readBy.includes('platform') && !infra.has(name) && row.defaultValue === 'required';
    });
    expect(unset).toEqual([]);
    // And the table says what infra/ sets, truthfully.
    for (const [name, row] of docs) expect(row.infra !== '—', `${name}: docs say infra/ ${row.infra === '—' ? 'does not set' : 'sets'} it`).toBe(infra.has(name) || row.infra.startsWith('platform'));
  });

  it('every setting the code reads is in local.settings.sample.json, except those the platform sets', () => {
    const absent = [...code.keys()].filter((name) => !docs.get(name)?.readBy.includes('platform') && !sample.has(name));
    expect(absent).toEqual([]);
  });

  it('everything infra/ sets, the sample lists and the table documents is read by someone', () => {
    const readers = (name: string): string[] => docs.get(name)?.readBy ?? [];
    const unread = (name: string): boolean => !code.has(name) && !readers(name).some((r) => r === 'host' || r === 'targets file');
    expect([...infra].filter(unread), 'set by infra/ but read by nobody').toEqual([]);
    expect([...sample].filter(unread), 'in local.settings.sample.json but read by nobody').toEqual([]);
    expect([...docs.keys()].filter((n) => unread(n) && !readers(n).includes('platform')), 'documented but read by nobody').toEqual([]);
    expect([...docs].filter(([n, row]) => row.readBy.includes('app') && !code.has(n)).map(([n]) => n), 'documented as read by the app, but the code does not').toEqual([]);
    expect([...sample].filter((n) => !docs.has(n)), 'in the sample but not documented').toEqual([]);
  });
});
