/**
 * One settings module (src/settings.ts): every setting is named there and nowhere else in src/, no other
 * module reads `process.env`, every invalid value is an error naming the setting, the value and what to
 * do, and a wrong setting switches off its own feature only (the decision documented in the module and in
 * docs/settings.md, which is generated from it).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PipelineClient } from '../../src/aml/types';
import { AppFailure } from '../../src/errors';
import { runtimeHealthDeps } from '../../src/health/probe';
import { createReactiveDepsProvider } from '../../src/reactive/runtimeDeps';
import { createRuntime } from '../../src/runtime';
import { runtimeTickDeps } from '../../src/schedules/tickDeps';
import { ALL_SETTINGS, FEATURES, readSetting, settingProblems, SETTINGS } from '../../src/settings';
import { ensureBuilt, loadApp, triggerOf } from '../support/registration';

const root = join(__dirname, '..', '..');

/** Setting-shaped literals in src/ that are not settings. */
const NOT_SETTINGS = new Set(['DUPLICATE_KEY', 'ERR_NETWORK']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The code of a source file, comments removed (they may name settings). */
function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
}

const others = sources(join(root, 'src'))
  .filter((f) => f !== join(root, 'src', 'settings.ts'))
  .map((f) => ({ file: f.slice(root.length + 1), code: code(f) }));

/** A client that must not be called: these tests only build things. */
const unusedClient = {} as PipelineClient;

describe('src/settings.ts is the one place settings are named and read', () => {
  it('no other module reads process.env', () => {
    expect(others.filter((o) => /\bprocess\.env\b/.test(o.code)).map((o) => o.file)).toEqual([]);
  });

  it('no other module names a setting (a string that is a setting name, env.NAME or env["NAME"])', () => {
    const defined = new Set(ALL_SETTINGS.map((s) => s.name));
    const found: string[] = [];
    const strings = /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g;
    for (const o of others) {
      const names = [...o.code.matchAll(strings)]
        .map((m) => m[0].slice(1, -1))
        .filter((t) => /^[A-Z][A-Za-z0-9]*_[A-Za-z0-9_]+$/.test(t));
      names.push(...[...o.code.replace(strings, '""').matchAll(/\benv\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
      for (const name of names)
        if (!NOT_SETTINGS.has(name))
          found.push(
            `${o.file}: ${name}${defined.has(name.split('__')[0]!) ? '' : ' (not even defined in src/settings.ts)'}`,
          );
    }
    expect(found).toEqual([]);
    // The scan sees what it looks for: a setting literal, and a read through env.
    const probe = [
      ...`const a = 'SCHEDULE_TICK_CRON'; x = env.AML_CREDENTIAL; m = 'prose naming \`AML_TARGETS_FILE\` is fine';`.matchAll(
        strings,
      ),
    ].map((m) => m[0].slice(1, -1));
    expect(probe.filter((t) => /^[A-Z][A-Za-z0-9]*_[A-Za-z0-9_]+$/.test(t))).toEqual(['SCHEDULE_TICK_CRON']);
  });

  it("docs/settings.md's tables are what `npm run settings` generates from the module", async () => {
    const { settingsDocText } = (await import(join(root, 'scripts', 'settings.mjs'))) as { settingsDocText(): string };
    const doc = readFileSync(join(root, 'docs', 'settings.md'), 'utf8');
    expect(doc).toBe(settingsDocText());
    expect(doc).toContain('| `REACTIVE_REFRESH_MS` | app | `300000` |');
  });
});

describe('an invalid value', () => {
  it('is an error naming the setting, the value, what it must be and what to do; never the default', () => {
    const refusing = ALL_SETTINGS.filter((s) => !s.parse('not?valid').ok);
    expect(refusing.length).toBeGreaterThan(20);
    for (const setting of refusing) {
      const read = readSetting({ [setting.name]: ' not?valid ' }, setting);
      expect(read.ok, setting.name).toBe(false);
      if (read.ok) continue;
      expect(read.error).toMatchObject({ code: setting.code, field: setting.name, value: 'not?valid' });
      expect(read.error.message).toContain(`Setting ${setting.name} is "not?valid"; it must be `);
      expect(read.error.message).toContain('Fix the app setting');
      expect(read.error.message).toContain(FEATURES[setting.feature].effect);
    }
  });

  it('unset or blank means the default', () => {
    for (const setting of ALL_SETTINGS) {
      expect(readSetting({}, setting)).toEqual({ ok: true, value: setting.default });
      expect(readSetting({ [setting.name]: '  ' }, setting)).toEqual({ ok: true, value: setting.default });
    }
  });

  it('rounding and other number spellings are refused: 2.5, 1e3, 0x10, -1', () => {
    for (const bad of ['2.5', '1e3', '0x10', '-1', '10 ms'])
      expect(readSetting({ AML_DEADLINE_MS: bad }, SETTINGS.deadlineMs).ok, bad).toBe(false);
    expect(readSetting({ AML_DEADLINE_MS: '5000' }, SETTINGS.deadlineMs)).toEqual({ ok: true, value: 5000 });
    expect(readSetting({ REACTIVE_TRIGGER_SOURCE: 'eventgridtrigger' }, SETTINGS.triggerSource)).toEqual({
      ok: true,
      value: 'EventGridTrigger',
    });
  });
});

describe('one bad setting stays local', () => {
  let appRoot: string;
  const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
  beforeAll(() => {
    appRoot = mkdtempSync(join(tmpdir(), 'settings-local-'));
    writeFileSync(join(appRoot, 'host.json'), '{}');
  });

  it('a wrong timer setting: start-up logs it by name and goes on; every tick fails naming it', () => {
    const rt = createRuntime({
      env: { ...base, SCHEDULE_TICK_CONCURRENCY: '2.5', SCHEDULE_TICK_CRON: '*/5 * * * *' },
      appRoot,
      pipelineClient: unusedClient,
    });
    const lines: string[] = [];
    expect(() => rt.validateStartup((l) => lines.push(l))).not.toThrow();
    expect(lines.join('\n')).toContain('Setting SCHEDULE_TICK_CONCURRENCY is "2.5"');
    expect(lines.join('\n')).toContain('Setting SCHEDULE_TICK_CRON is "*/5 * * * *"; it must be a six-field NCRONTAB');
    expect(() => runtimeTickDeps(rt)()).toThrow(AppFailure);
    expect(() => runtimeTickDeps(rt)()).toThrow(/SCHEDULE_TICK_CRON|SCHEDULE_TICK_CONCURRENCY/);
  });

  it('a wrong reactive setting fails every blob event naming it, and leaves the timer alone', async () => {
    const rt = createRuntime({
      env: { ...base, REACTIVE_TRIGGER_SOURCE: 'Polling' },
      appRoot,
      pipelineClient: unusedClient,
    });
    await expect(createReactiveDepsProvider(rt)()).rejects.toMatchObject({
      error: { code: 'reactive.setting.invalid', field: 'REACTIVE_TRIGGER_SOURCE', value: 'Polling' },
    });
    expect(runtimeTickDeps(rt)().settings.concurrency).toBe(32);
  });

  it('a wrong health setting is reported by the health check and the default applies', async () => {
    const rt = createRuntime({
      env: { ...base, HEALTH_TICK_STALE_MINUTES: 'ten' },
      appRoot,
      pipelineClient: unusedClient,
    });
    const deps = runtimeHealthDeps(rt);
    expect(deps.tickStaleAfterMs).toBe(10 * 60_000);
    expect((await deps.configurationProblems()).map((p) => p.field)).toContain('HEALTH_TICK_STALE_MINUTES');
  });

  it('a wrong Azure ML client setting stops the app at start-up, naming it', () => {
    const rt = createRuntime({ env: { ...base, AML_RETRY_MAX_ATTEMPTS: 'many' }, appRoot });
    expect(() => rt.validateStartup(() => undefined)).toThrow(/Setting AML_RETRY_MAX_ATTEMPTS is "many"/);
    expect(settingProblems(rt.env).map((p) => FEATURES[p.setting.feature].fatal)).toEqual([true]);
  });

  describe('in the built app', () => {
    beforeAll(async () => {
      await ensureBuilt();
    }, 180_000);

    it('a wrong SCHEDULE_TICK_CRON does not stop the other functions from loading: the timer keeps the default schedule (and fails every tick naming it, above)', async () => {
      const app = await loadApp({ env: { SCHEDULE_TICK_CRON: 'every minute' } });
      expect(app.errors).toEqual([]);
      const timer = app.functions.find((f) => f.name === 'scheduleTimer');
      expect(timer && triggerOf(timer)).toMatchObject({ schedule: '0 */1 * * * *' });
      expect(app.functions.map((f) => f.name)).toContain('submitPipelineRun');
    }, 60_000);
  });
});
