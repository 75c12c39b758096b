/**
 * At start-up the app says what its schedule files hold, or what is wrong with them (file, line, field,
 * value), before the first tick: a broken deployment is visible in the start-up log.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/runtime';
import { noTelemetry } from '../../src/telemetry';

const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function app(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'startup-'));
  dirs.push(root);
  writeFileSync(join(root, 'host.json'), '{}');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

async function validate(root: string, env: Record<string, string> = {}): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  const runtime = createRuntime({ appRoot: root, env, telemetry: noTelemetry });
  const ok = await runtime.validateSchedules({
    info: (l) => lines.push(`info: ${l}`),
    warn: (l) => lines.push(`warn: ${l}`),
    error: (l) => lines.push(`error: ${l}`),
  });
  return { ok, lines };
}

describe('schedule files at start-up', () => {
  /** A targets file with one v1 target, `train`, given by its endpoint URL. */
  const TRAIN_TARGET = [
    'targets:',
    '  train:',
    '    endpoint_url: https://westeurope.api.azureml.ms/pipelines/v1.0/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/PipelineRuns/PipelineSubmit/p-1',
    '    experiment_name: train',
    '',
  ].join('\n');

  /** A schedule file's start: one valid daily schedule, `nightly`, naming `train`. */
  const NIGHTLY = [
    'schedules:',
    '  - name: nightly',
    '    target: train',
    '    recurrence: { frequency: Day, interval: 1, time_of_day: "02:00" }',
  ];

  it('valid files: one line naming how many schedules of each kind and which, plus each warning', async () => {
    const root = app({
      'config/pipelines.yaml': TRAIN_TARGET,
      'config/schedules/nightly.yaml': [
        ...NIGHTLY,
        '  - name: on-landing',
        '    target: train',
        '    datastore: landing',
        '    polling_interval: 5',
        '',
      ].join('\n'),
    });
    const { ok, lines } = await validate(root);
    expect(ok).toBe(true);
    expect(lines[0]).toBe(
      "info: Loaded 2 schedule(s) from the app's files (1 time-based, 1 reactive): nightly, on-landing.",
    );
    expect(lines.some((l) => l.startsWith('warn: ') && l.includes('polling_interval'))).toBe(true);
    expect(lines.some((l) => l.startsWith('error: '))).toBe(false);
  });

  it('a time schedule its target cannot run: an error line naming the schedule and what is wrong; the files stay valid', async () => {
    const root = app({
      'config/pipelines.yaml': TRAIN_TARGET,
      'config/schedules/nightly.yaml': [
        ...NIGHTLY,
        '  - name: typo',
        '    target: trian',
        '    recurrence: { frequency: Day, interval: 1, time_of_day: "03:00" }',
        '  - name: v2-inputs',
        '    target: train',
        '    recurrence: { frequency: Day, interval: 1, time_of_day: "04:00" }',
        '    inputs:',
        '      data: { type: uri_folder, path: "azureml://datastores/landing/paths/daily/" }',
        '',
      ].join('\n'),
    });
    const { ok, lines } = await validate(root);
    expect(ok).toBe(true);
    const errors = lines.filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(
      /^error: schedule typo: each occurrence will fail until this is fixed \(schedule\.target\.unknown\): .*config\/schedules\/nightly\.yaml:\d+.*trian.*train/,
    );
    expect(errors[1]).toMatch(
      /^error: schedule v2-inputs: each occurrence will fail until this is fixed \(schedule\.inputs\.v1_pipeline\): /,
    );
    expect(lines.join('\n')).not.toContain('schedule nightly:');
  });

  it('an invalid file: an error line with the file, line, field and value; resolves false and throws nothing', async () => {
    const root = app({
      'config/schedules/bad.yaml': [
        'schedules:',
        '  - name: hourly',
        '    target: train',
        '    recurrence: { frequency: Hourly, interval: 1 }',
        '',
      ].join('\n'),
    });
    const { ok, lines } = await validate(root);
    expect(ok).toBe(false);
    const error = lines.find((l) => l.startsWith('error: '));
    expect(error).toMatch(
      /^error: Schedule files are invalid; no schedule from them runs until they are fixed \(schedule\.invalid\)/,
    );
    expect(error).toContain('config/schedules/bad.yaml:4');
    expect(error).toContain('Hourly');
  });

  it('SCHEDULES_PATH set to a location that does not exist is an error naming it', async () => {
    const root = app({});
    const { ok, lines } = await validate(root, { SCHEDULES_PATH: 'nowhere/schedules' });
    expect(ok).toBe(false);
    expect(lines.join('\n')).toContain('nowhere/schedules');
  });

  it('no schedule files at the default location: zero schedules, no error', async () => {
    const { ok, lines } = await validate(app({}));
    expect(ok).toBe(true);
    expect(lines).toEqual(["info: Loaded 0 schedule(s) from the app's files (0 time-based, 0 reactive)."]);
  });
});
