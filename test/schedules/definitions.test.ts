import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PipelineTarget } from '../../src/aml/types';
import { normalizeDatastorePath, resolveScheduleTarget, type ScheduleDefinition } from '../../src/schedules/definition';
import {
  loadScheduleDefinitions,
  loadScheduleDefinitionsFromSettings,
  type LoadedSchedules,
  type ScheduleFile,
  type ScheduleLoadError,
} from '../../src/schedules/loadDefinitions';

const NOW = new Date('2026-01-01T00:00:00Z');

const time = { name: 'nightly', target: 'train', recurrence: { frequency: 'Day', interval: 1, time_of_day: '02:30' } };
const reactive = {
  name: 'on-upload',
  target: 'score',
  datastore: 'workspaceblobstore',
  path_on_datastore: 'incoming',
  data_path_parameter_name: 'input_path',
};
const workspace = {
  subscription_id: '00000000-0000-0000-0000-000000000001',
  resource_group: 'rg',
  workspace_name: 'ws',
};

function load(files: ScheduleFile[]): ReturnType<typeof loadScheduleDefinitions> {
  return loadScheduleDefinitions(files, { now: NOW });
}

function loaded(files: ScheduleFile[]): LoadedSchedules {
  const r = load(files);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function failed(files: ScheduleFile[]): ScheduleLoadError {
  const r = load(files);
  if (r.ok) throw new Error('expected the load to fail');
  return r.error;
}

const json = (p: string, data: unknown): ScheduleFile => ({ path: p, text: JSON.stringify(data, null, 2) });

describe('valid definitions', () => {
  it('reads one schedule, an array, or {schedules: [...]}, in JSON or YAML', () => {
    expect(loaded([json('one.json', time)]).definitions.map((d) => d.name)).toEqual(['nightly']);
    expect(loaded([json('arr.json', [time, reactive])]).definitions.map((d) => d.name)).toEqual([
      'nightly',
      'on-upload',
    ]);
    const yaml = loaded([
      {
        path: 'wrapped.yaml',
        text: 'schedules:\n  - name: a\n    target: t\n    recurrence: {frequency: Hour, interval: 2}\n  - name: b\n    target: t\n    datastore: ds\n',
      },
    ]);
    expect(yaml.definitions.map((d) => [d.name, d.kind])).toEqual([
      ['a', 'time'],
      ['b', 'reactive'],
    ]);
    expect(loaded([{ path: 'empty.yaml', text: '' }]).definitions).toEqual([]);
  });

  it('applies the defaults: Active, missed_runs skip, limit 100; records file, path and line', () => {
    const [def] = loaded([
      {
        path: 'x.yaml',
        text: `schedules:\n  - name: nightly\n    target: train\n    recurrence:\n      frequency: Day\n      interval: 1\n`,
      },
    ]).definitions;
    expect(def).toMatchObject({
      name: 'nightly',
      kind: 'time',
      status: 'Active',
      missedRuns: 'skip',
      missedRunsLimit: 100,
      pipeline: { kind: 'target', target: 'train' },
      pipelineParameters: {},
      source: { file: 'x.yaml', path: 'schedules[0]', line: 2 },
    });
  });

  it('maps every SDK v1 field of an inline pipeline', () => {
    const [def] = loaded([
      json('inline.json', {
        name: 'weekly',
        description: 'Weekly retrain',
        pipeline_endpoint_id: 'ep-1',
        pipeline_version: '3',
        workspace,
        experiment_name: 'retrain',
        recurrence: {
          frequency: 'Week',
          interval: 2,
          week_days: ['Monday', 'Friday'],
          time_of_day: '17:30',
          start_time: '2026-01-07T09:00:00',
        },
        time_zone: 'W. Europe Standard Time',
        pipeline_parameters: { lr: 0.1, epochs: 3, full: true, tag: 'x' },
        continue_on_step_failure: true,
        status: 'Disabled',
        missed_runs: 'all',
        missed_runs_limit: 10,
      }),
    ]).definitions;
    expect(def).toMatchObject({
      kind: 'time',
      description: 'Weekly retrain',
      pipeline: {
        kind: 'inline',
        pipeline: { kind: 'endpoint', pipelineEndpointId: 'ep-1', version: '3' },
        workspace: { subscriptionId: workspace.subscription_id, resourceGroup: 'rg', workspaceName: 'ws' },
      },
      experimentName: 'retrain',
      pipelineParameters: { lr: 0.1, epochs: 3, full: true, tag: 'x' },
      continueOnStepFailure: true,
      status: 'Disabled',
      missedRuns: 'all',
      missedRunsLimit: 10,
      recurrence: { frequency: 'Week', interval: 2, timeZoneName: 'W. Europe Standard Time' },
    });
  });

  it('normalizes path_on_datastore and keeps reactive fields; polling_interval gives a warning', () => {
    const result = loaded([
      json('r.json', { ...reactive, path_on_datastore: '/incoming/daily/', container: 'landing', polling_interval: 5 }),
    ]);
    expect(result.definitions[0]).toMatchObject({
      kind: 'reactive',
      datastore: 'workspaceblobstore',
      pathOnDatastore: 'incoming/daily',
      dataPathParameterName: 'input_path',
      container: 'landing',
      pollingInterval: 5,
    });
    expect(result.warnings).toEqual([
      expect.objectContaining({
        code: 'schedule.polling_interval.unused',
        field: 'polling_interval',
        value: 5,
        source: 'r.json',
      }),
    ]);
    expect(result.warnings[0]?.message).toContain('unused');
    const top = loaded([json('top.json', { ...reactive, path_on_datastore: '/' })]).definitions[0];
    expect(top && top.kind === 'reactive' && top.pathOnDatastore).toBe(undefined);
  });

  it('normalizeDatastorePath: trims slashes, refuses backslashes, empty, "." and ".." segments', () => {
    expect(normalizeDatastorePath('a/b')).toEqual({ ok: true, value: 'a/b' });
    expect(normalizeDatastorePath('//a/b//')).toEqual({ ok: true, value: 'a/b' });
    expect(normalizeDatastorePath('')).toEqual({ ok: true, value: undefined });
    for (const bad of ['a\\b', 'a//b', 'a/../b', './a', '..']) expect(normalizeDatastorePath(bad).ok).toBe(false);
  });

  it('schedule time_zone sets the recurrence zone', () => {
    const [def] = loaded([json('z.json', { ...time, time_zone: 'Pacific Standard Time' })]).definitions;
    expect(def?.kind === 'time' && def.recurrence.timeZoneName).toBe('Pacific Standard Time');
    const [same] = loaded([
      json('z2.json', { ...time, time_zone: 'UTC', recurrence: { ...time.recurrence, time_zone: 'UTC' } }),
    ]).definitions;
    expect(same?.kind === 'time' && same.recurrence.timeZoneName).toBe('UTC');
  });

  it('content hash: same meaning → same hash; description changes the hash, not the timing hash', () => {
    const hashOf = (data: unknown, file = 'h.json'): ScheduleDefinition => loaded([json(file, data)]).definitions[0]!;
    const a = hashOf(time);
    const reordered = hashOf({
      recurrence: { time_of_day: '02:30', interval: 1, frequency: 'Day' },
      target: 'train',
      name: 'nightly',
    });
    const explicitDefaults = hashOf({ ...time, status: 'Active', missed_runs: 'skip' });
    const yaml = loaded([
      {
        path: 'h.yaml',
        text: 'name: nightly\ntarget: train\nrecurrence:\n  frequency: Day\n  interval: 1\n  time_of_day: "02:30"\n',
      },
    ]).definitions[0]!;
    expect(new Set([a.hash, reordered.hash, explicitDefaults.hash, yaml.hash]).size).toBe(1);
    const described = hashOf({ ...time, description: 'now described' });
    expect(described.hash).not.toBe(a.hash);
    expect(described.kind === 'time' && a.kind === 'time' && described.timingHash === a.timingHash).toBe(true);
    const retimed = hashOf({ ...time, recurrence: { ...time.recurrence, interval: 2 } });
    expect(retimed.kind === 'time' && a.kind === 'time' && retimed.timingHash !== a.timingHash).toBe(true);
    const zoned = hashOf({ ...time, time_zone: 'UTC' });
    const zonedInside = hashOf({ ...time, recurrence: { ...time.recurrence, time_zone: 'UTC' } });
    expect(zoned.hash).toBe(zonedInside.hash);
  });
});

interface InvalidCase {
  readonly title: string;
  readonly schedule: Record<string, unknown>;
  readonly code: string;
  /** Relative to the schedule, which the test places at `schedules[1]`. */
  readonly field: string;
  readonly value?: unknown;
}

const invalid: InvalidCase[] = [
  {
    title: 'name missing',
    schedule: { target: 't', recurrence: time.recurrence },
    code: 'schedule.name.missing',
    field: 'name',
  },
  {
    title: 'name with a bad character',
    schedule: { ...time, name: 'bad name' },
    code: 'schedule.name.invalid',
    field: 'name',
    value: 'bad name',
  },
  {
    title: 'name starting with "-"',
    schedule: { ...time, name: '-x' },
    code: 'schedule.name.invalid',
    field: 'name',
    value: '-x',
  },
  {
    title: 'name of 65 characters',
    schedule: { ...time, name: 'a'.repeat(65) },
    code: 'schedule.name.invalid',
    field: 'name',
    value: 'a'.repeat(65),
  },
  {
    title: 'misspelt field',
    schedule: { ...time, pipline_id: 'p' },
    code: 'schedule.field.unknown',
    field: 'pipline_id',
    value: 'p',
  },
  {
    title: 'no pipeline',
    schedule: { name: 'n', recurrence: time.recurrence },
    code: 'schedule.pipeline.missing',
    field: '',
  },
  {
    title: 'target and pipeline_id',
    schedule: { ...time, pipeline_id: 'p' },
    code: 'schedule.pipeline.conflict',
    field: 'pipeline_id',
    value: 'p',
  },
  {
    title: 'pipeline_id and pipeline_endpoint_id',
    schedule: {
      name: 'n',
      pipeline_id: 'p',
      pipeline_endpoint_id: 'e',
      experiment_name: 'x',
      workspace,
      recurrence: time.recurrence,
    },
    code: 'schedule.pipeline.conflict',
    field: 'pipeline_endpoint_id',
    value: 'e',
  },
  {
    title: 'pipeline_version without an endpoint',
    schedule: { name: 'n', pipeline_id: 'p', pipeline_version: '2', experiment_name: 'x', recurrence: time.recurrence },
    code: 'schedule.pipeline_version.requires_endpoint',
    field: 'pipeline_version',
    value: '2',
  },
  {
    title: 'target with workspace',
    schedule: { ...time, workspace },
    code: 'schedule.workspace.with_target',
    field: 'workspace',
    value: workspace,
  },
  {
    title: 'inline pipeline without experiment_name',
    schedule: { name: 'n', pipeline_id: 'p', recurrence: time.recurrence },
    code: 'schedule.experiment_name.required',
    field: 'experiment_name',
  },
  {
    title: 'workspace without resource_group',
    schedule: {
      name: 'n',
      pipeline_id: 'p',
      experiment_name: 'x',
      workspace: { subscription_id: 's', workspace_name: 'w' },
      recurrence: time.recurrence,
    },
    code: 'schedule.field.required',
    field: 'workspace.resource_group',
  },
  {
    title: 'recurrence and datastore',
    schedule: { ...time, datastore: 'ds' },
    code: 'schedule.trigger.conflict',
    field: 'datastore',
    value: 'ds',
  },
  {
    title: 'neither recurrence nor datastore',
    schedule: { name: 'n', target: 't' },
    code: 'schedule.trigger.missing',
    field: '',
  },
  {
    title: 'path_on_datastore on a time schedule',
    schedule: { ...time, path_on_datastore: 'in' },
    code: 'schedule.reactive_only',
    field: 'path_on_datastore',
    value: 'in',
  },
  {
    title: 'data_path_parameter_name on a time schedule',
    schedule: { ...time, data_path_parameter_name: 'p' },
    code: 'schedule.reactive_only',
    field: 'data_path_parameter_name',
    value: 'p',
  },
  {
    title: 'polling_interval on a time schedule',
    schedule: { ...time, polling_interval: 5 },
    code: 'schedule.reactive_only',
    field: 'polling_interval',
    value: 5,
  },
  {
    title: 'missed_runs on a reactive schedule',
    schedule: { ...reactive, missed_runs: 'all' },
    code: 'schedule.time_only',
    field: 'missed_runs',
    value: 'all',
  },
  {
    title: 'time_zone on a reactive schedule',
    schedule: { ...reactive, time_zone: 'UTC' },
    code: 'schedule.time_only',
    field: 'time_zone',
    value: 'UTC',
  },
  {
    title: 'unknown missed_runs',
    schedule: { ...time, missed_runs: 'some' },
    code: 'schedule.missed_runs.invalid',
    field: 'missed_runs',
    value: 'some',
  },
  {
    title: 'missed_runs_limit above 1000',
    schedule: { ...time, missed_runs: 'all', missed_runs_limit: 2000 },
    code: 'schedule.field.out_of_range',
    field: 'missed_runs_limit',
    value: 2000,
  },
  {
    title: 'missed_runs_limit without missed_runs all',
    schedule: { ...time, missed_runs_limit: 5 },
    code: 'schedule.missed_runs_limit.requires_all',
    field: 'missed_runs_limit',
    value: 5,
  },
  {
    title: 'status Enabled',
    schedule: { ...time, status: 'Enabled' },
    code: 'schedule.status.invalid',
    field: 'status',
    value: 'Enabled',
  },
  {
    title: 'path_on_datastore with ".."',
    schedule: { ...reactive, path_on_datastore: 'in/../secret' },
    code: 'schedule.path_on_datastore.invalid',
    field: 'path_on_datastore',
    value: 'in/../secret',
  },
  {
    title: 'path_on_datastore with a backslash',
    schedule: { ...reactive, path_on_datastore: 'in\\daily' },
    code: 'schedule.path_on_datastore.invalid',
    field: 'path_on_datastore',
    value: 'in\\daily',
  },
  {
    title: 'nested value in pipeline_parameters',
    schedule: { ...time, pipeline_parameters: { ok: 1, bad: { x: 1 } } },
    code: 'schedule.field.type',
    field: 'pipeline_parameters.bad',
    value: { x: 1 },
  },
  {
    title: 'data_path_parameter_name also in pipeline_parameters',
    schedule: { ...reactive, pipeline_parameters: { input_path: 'x' } },
    code: 'schedule.data_path_parameter_name.conflict',
    field: 'data_path_parameter_name',
    value: 'input_path',
  },
  {
    title: 'time_zone differing from recurrence.time_zone',
    schedule: { ...time, time_zone: 'UTC', recurrence: { ...time.recurrence, time_zone: 'Europe/Berlin' } },
    code: 'schedule.time_zone.conflict',
    field: 'time_zone',
    value: 'UTC',
  },
  {
    title: 'unknown time_zone',
    schedule: { ...time, time_zone: 'Mars/Olympus' },
    code: 'schedule.recurrence.time_zone.unknown',
    field: 'time_zone',
    value: 'Mars/Olympus',
  },
  {
    title: 'interval above the Day limit',
    schedule: { ...time, recurrence: { frequency: 'Day', interval: 501 } },
    code: 'schedule.recurrence.interval.out_of_range',
    field: 'recurrence.interval',
    value: 501,
  },
  {
    title: 'unknown frequency',
    schedule: { ...time, recurrence: { frequency: 'Hourly', interval: 1 } },
    code: 'schedule.recurrence.frequency.invalid',
    field: 'recurrence.frequency',
    value: 'Hourly',
  },
  {
    title: 'hour 24',
    schedule: { ...time, recurrence: { frequency: 'Day', interval: 1, hours: [3, 24] } },
    code: 'schedule.field.out_of_range',
    field: 'recurrence.hours[1]',
    value: 24,
  },
  {
    title: 'week_days on a Day recurrence',
    schedule: { ...time, recurrence: { frequency: 'Day', interval: 1, week_days: ['Monday'] } },
    code: 'schedule.recurrence.week_days.not_allowed',
    field: 'recurrence.week_days',
  },
  {
    title: 'unknown recurrence field',
    schedule: { ...time, recurrence: { frequency: 'Day', interval: 1, every: 2 } },
    code: 'schedule.field.unknown',
    field: 'recurrence.every',
    value: 2,
  },
  {
    title: 'invalid container',
    schedule: { ...reactive, container: 'Bad_Name' },
    code: 'schedule.container.invalid',
    field: 'container',
    value: 'Bad_Name',
  },
  {
    title: 'polling_interval 0',
    schedule: { ...reactive, polling_interval: 0 },
    code: 'schedule.field.out_of_range',
    field: 'polling_interval',
    value: 0,
  },
  {
    title: 'continue_on_step_failure as text',
    schedule: { ...time, continue_on_step_failure: 'yes' },
    code: 'schedule.field.type',
    field: 'continue_on_step_failure',
    value: 'yes',
  },
  {
    title: 'empty target',
    schedule: { ...time, target: '' },
    code: 'schedule.field.empty',
    field: 'target',
    value: '',
  },
];

describe('invalid definitions: every error names code, file, field and value', () => {
  it.each(invalid)('$title', (c) => {
    const error = failed([json('dir/bad.json', { schedules: [{ ...time, name: 'first-ok' }, c.schedule] })]);
    expect(error.code).toBe('schedule.invalid');
    const field = c.field
      ? c.field.startsWith('[')
        ? `schedules[1]${c.field}`
        : `schedules[1].${c.field}`
      : 'schedules[1]';
    const match = error.errors.find((e) => e.code === c.code);
    expect(match, `${c.code} among ${JSON.stringify(error.errors.map((e) => [e.code, e.field]))}`).toBeDefined();
    expect(match).toMatchObject({ source: 'dir/bad.json', field });
    if ('value' in c) expect(match?.value).toEqual(c.value);
    expect(match?.message).toContain('dir/bad.json');
    expect(match?.message).toContain(field === 'schedules[1]' ? 'schedule' : field);
    expect(error.message).toContain(match!.message);
  });

  it('reports every problem of every file at once', () => {
    const error = failed([
      json('a.json', [
        { ...time, status: 'On' },
        { ...time, name: 'b', missed_runs: 'x' },
      ]),
      json('b.json', { ...reactive, path_on_datastore: '..' }),
    ]);
    expect(error.errors.map((e) => [e.source, e.code])).toEqual([
      ['a.json', 'schedule.status.invalid'],
      ['a.json', 'schedule.missed_runs.invalid'],
      ['b.json', 'schedule.path_on_datastore.invalid'],
    ]);
  });

  it('a single-schedule file reports fields from its root', () => {
    const error = failed([json('one.json', { ...time, status: 'On' })]);
    expect(error.errors[0]).toMatchObject({
      code: 'schedule.status.invalid',
      field: 'status',
      value: 'On',
      source: 'one.json',
    });
  });

  it('gives YAML line numbers', () => {
    const text = [
      'schedules:',
      '  - name: ok',
      '    target: t',
      '    recurrence:',
      '      frequency: Day',
      '      interval: 1',
      '  - name: bad',
      '    target: t',
      '    recurrence:',
      '      frequency: Day',
      '      interval: 900',
      '',
    ].join('\n');
    const error = failed([{ path: 'lines.yaml', text }]);
    expect(error.errors[0]).toMatchObject({
      code: 'schedule.recurrence.interval.out_of_range',
      field: 'schedules[1].recurrence.interval',
      value: 900,
      line: 11,
    });
    expect(error.errors[0]?.message).toMatch(/^lines\.yaml:11: /);
  });

  it('reports syntax errors and duplicate keys with their line', () => {
    const badJson = failed([{ path: 'x.json', text: '{\n  "name": "a",\n  "target": \n}' }]);
    expect(badJson.errors[0]).toMatchObject({ code: 'schedule.file.syntax', source: 'x.json' });
    const dup = failed([{ path: 'd.yaml', text: 'name: a\ntarget: t\nname: b\n' }]);
    expect(dup.errors[0]).toMatchObject({ code: 'schedule.file.duplicate_key', source: 'd.yaml', line: 3 });
    const badYaml = failed([{ path: 'y.yml', text: 'name: [a\n' }]);
    expect(badYaml.errors[0]).toMatchObject({ code: 'schedule.file.syntax', source: 'y.yml' });
    const ext = failed([{ path: 'x.txt', text: '{}' }]);
    expect(ext.errors[0]).toMatchObject({ code: 'schedule.file.extension', source: 'x.txt' });
    const shape = failed([{ path: 's.yaml', text: '42\n' }]);
    expect(shape.errors[0]).toMatchObject({ code: 'schedule.file.shape', value: 42 });
    const wrapper = failed([json('w.json', { schedules: [time], extra: 1 })]);
    expect(wrapper.errors[0]).toMatchObject({ code: 'schedule.field.unknown', field: 'extra', value: 1 });
  });

  it('refuses a name used twice, naming both files', () => {
    const error = failed([
      json('a.json', time),
      {
        path: 'b.yaml',
        text: 'schedules:\n  - name: other\n    target: t\n    datastore: d\n  - name: nightly\n    target: t\n    datastore: d\n',
      },
    ]);
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]).toMatchObject({
      code: 'schedule.name.duplicate',
      source: 'b.yaml',
      field: 'schedules[1].name',
      value: 'nightly',
      line: 5,
    });
    expect(error.errors[0]?.message).toContain('a.json');
    expect(error.errors[0]?.message).toContain('b.yaml');
    const same = failed([json('c.json', [time, time])]);
    expect(same.errors[0]).toMatchObject({ code: 'schedule.name.duplicate', field: '[1].name' });
  });
});

describe('SDK v1 `Schedule:` YAML', () => {
  const v1 = [
    'Schedule:',
    '  description: "Nightly retrain"',
    '  recurrence:',
    '    frequency: Day',
    '    interval: 1',
    '    start_time: "2026-03-01T02:30:00"',
    '    hours: null',
    '  pipeline_parameters:',
    '    lr: 0.1',
    '  continue_on_step_failure: false',
    '  target: train',
    '',
  ].join('\n');

  it('takes the name from the file, writes GMT Standard Time for a zoneless start_time, and warns', () => {
    const result = loaded([{ path: 'v1/nightly-retrain.yaml', text: v1 }]);
    const def = result.definitions[0]!;
    expect(def).toMatchObject({
      name: 'nightly-retrain',
      kind: 'time',
      description: 'Nightly retrain',
      pipelineParameters: { lr: 0.1 },
      continueOnStepFailure: false,
    });
    expect(def.kind === 'time' && def.recurrence.timeZoneName).toBe('GMT Standard Time');
    expect(def.kind === 'time' && def.recurrenceInput.time_zone).toBe('GMT Standard Time');
    expect(result.warnings).toEqual([
      expect.objectContaining({
        code: 'schedule.v1.time_zone_defaulted',
        source: 'v1/nightly-retrain.yaml',
        value: 'GMT Standard Time',
        line: 6,
      }),
    ]);
    // The same schedule written with the zone explicitly in our format has the same hash.
    const ours = loaded([
      json('ours.json', {
        name: 'nightly-retrain',
        description: 'Nightly retrain',
        target: 'train',
        recurrence: {
          frequency: 'Day',
          interval: 1,
          start_time: '2026-03-01T02:30:00',
          time_zone: 'GMT Standard Time',
        },
        pipeline_parameters: { lr: 0.1 },
        continue_on_step_failure: false,
      }),
    ]).definitions[0]!;
    expect(ours.hash).toBe(def.hash);
  });

  it('keeps an explicit zone, maps datastore_name to datastore and ignores polling_interval with a warning', () => {
    const text = [
      'Schedule:',
      '  datastore_name: workspaceblobstore',
      '  path_on_datastore: incoming/',
      '  data_path_parameter_name: input',
      '  polling_interval: 5',
      '  pipeline_id: p-1',
      '  experiment_name: exp',
      '  workspace: {subscription_id: s, resource_group: rg, workspace_name: ws}',
      '',
    ].join('\n');
    const result = loaded([{ path: 'upload.yml', text }]);
    expect(result.definitions[0]).toMatchObject({
      name: 'upload',
      kind: 'reactive',
      datastore: 'workspaceblobstore',
      pathOnDatastore: 'incoming',
      dataPathParameterName: 'input',
    });
    expect(result.warnings.map((w) => w.code)).toEqual(['schedule.polling_interval.unused']);
    const zoned = loaded([
      { path: 'z.yaml', text: v1.replace('    hours: null\n', '    time_zone: Tokyo Standard Time\n') },
    ]);
    expect(zoned.warnings).toEqual([]);
    expect(zoned.definitions[0]?.kind === 'time' && zoned.definitions[0].recurrence.timeZoneName).toBe(
      'Tokyo Standard Time',
    );
  });

  it('reports errors at the keys written in the v1 file', () => {
    const text = ['Schedule:', '  datastore_name: ""', '  target: t', ''].join('\n');
    const error = failed([{ path: 'v1.yaml', text }]);
    expect(error.errors[0]).toMatchObject({
      code: 'schedule.field.empty',
      field: 'Schedule.datastore_name',
      value: '',
      line: 2,
      source: 'v1.yaml',
    });
    const noPipeline = failed([{ path: 'nopipe.yaml', text: v1.replace('  target: train\n', '') }]);
    expect(noPipeline.errors[0]).toMatchObject({
      code: 'schedule.pipeline.missing',
      field: 'Schedule',
      source: 'nopipe.yaml',
    });
    const badName = failed([{ path: 'my schedule.yaml', text: v1 }]);
    expect(badName.errors[0]).toMatchObject({
      code: 'schedule.name.invalid',
      value: 'my schedule',
      source: 'my schedule.yaml',
    });
    const named = loaded([
      { path: 'my schedule.yaml', text: v1.replace('Schedule:\n', 'Schedule:\n  name: renamed\n') },
    ]);
    expect(named.definitions[0]?.name).toBe('renamed');
  });
});

describe('resolveScheduleTarget', () => {
  const train: PipelineTarget = {
    name: 'train',
    workspace: { subscriptionId: 's', resourceGroup: 'rg', workspaceName: 'ws' },
    pipeline: { kind: 'published', pipelineId: 'p-1' },
    experimentName: 'train-exp',
    parameterAssignments: { lr: 0.01, epochs: 5 },
    dataPathAssignments: {},
  };
  const targets = new Map([['train', train]]);

  it('lays the schedule over its target: parameters merged, experiment defaulting to the target', () => {
    const def = loaded([json('t.json', { ...time, pipeline_parameters: { lr: 0.5 }, continue_on_step_failure: true })])
      .definitions[0]!;
    expect(resolveScheduleTarget(def, targets)).toEqual({
      ok: true,
      value: {
        ...train,
        experimentName: 'train-exp',
        parameterAssignments: { lr: 0.5, epochs: 5 },
        continueOnStepFailure: true,
      },
    });
    const withExp = loaded([json('t2.json', { ...time, experiment_name: 'mine' })]).definitions[0]!;
    expect(resolveScheduleTarget(withExp, { train }).ok && resolveScheduleTarget(withExp, { train })).toMatchObject({
      value: { experimentName: 'mine' },
    });
  });

  it('names the unknown target and the configured ones', () => {
    const def = loaded([json('u.json', { ...time, target: 'nope' })]).definitions[0]!;
    const r = resolveScheduleTarget(def, targets);
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'schedule.target.unknown', field: 'target', value: 'nope', source: 'u.json' },
    });
    expect(!r.ok && r.error.message).toContain('train');
  });

  it('builds a target from inline ids, with the default workspace when none is written', () => {
    const def = loaded([
      json('i.json', { name: 'i', pipeline_id: 'p-9', experiment_name: 'e', recurrence: time.recurrence }),
    ]).definitions[0]!;
    expect(resolveScheduleTarget(def, targets)).toMatchObject({
      ok: false,
      error: { code: 'schedule.workspace.missing', field: 'workspace', source: 'i.json' },
    });
    const ws = { subscriptionId: 's2', resourceGroup: 'rg2', workspaceName: 'ws2' };
    expect(resolveScheduleTarget(def, targets, { workspace: ws })).toEqual({
      ok: true,
      value: {
        name: 'schedule:i',
        workspace: ws,
        pipeline: { kind: 'published', pipelineId: 'p-9' },
        experimentName: 'e',
        parameterAssignments: {},
        dataPathAssignments: {},
      },
    });
  });
});

describe('resolveScheduleTarget with a v2 target', () => {
  const v2: PipelineTarget = {
    name: 'train',
    workspace: { subscriptionId: 's', resourceGroup: 'rg', workspaceName: 'ws' },
    experimentName: 'train-exp',
    parameterAssignments: {},
    dataPathAssignments: {},
    v2: { kind: 'pipeline_job', componentName: 'c', componentVersion: 'latest' },
    inputs: { input_path: { type: 'uri_folder' } },
  };

  it('a reactive schedule whose blob cannot reach the input is refused when loaded, naming schedule, target and input', () => {
    const def = loaded([json('r.json', { ...reactive, target: 'train' })]).definitions[0]!;
    const r = resolveScheduleTarget(def, { train: v2 });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'schedule.target.inputs', field: 'target', value: 'train', source: 'r.json' },
    });
    expect(!r.ok && r.error.message).toMatch(
      /Schedule "on-upload" .* cannot start target "train": .*declares input_path as uri_folder/,
    );
    const fileInput = resolveScheduleTarget(def, { train: { ...v2, inputs: { input_path: { type: 'uri_file' } } } });
    expect(fileInput.ok).toBe(true);
  });

  it("a time schedule's parameters reach a v2 target as literals", () => {
    const def = loaded([json('t.json', { ...time, pipeline_parameters: { lr: 0.5 } })]).definitions[0]!;
    expect(resolveScheduleTarget(def, { train: v2 })).toMatchObject({
      ok: true,
      value: { parameterAssignments: { lr: 0.5 }, v2: { kind: 'pipeline_job' } },
    });
  });
});

describe('loading from SCHEDULES_PATH', () => {
  it('reads .json/.yaml/.yml files of a directory in name order, ignoring others', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'schedules-'));
    await mkdir(path.join(dir, 'config', 'schedules'), { recursive: true });
    await writeFile(path.join(dir, 'config', 'schedules', 'b.yml'), 'name: b\ntarget: t\ndatastore: d\n');
    await writeFile(path.join(dir, 'config', 'schedules', 'a.json'), JSON.stringify(time));
    await writeFile(path.join(dir, 'config', 'schedules', 'README.md'), '# not a schedule');
    const r = await loadScheduleDefinitionsFromSettings({}, { now: NOW, cwd: dir });
    expect(r.ok && r.value.definitions.map((d) => [d.name, d.source.file])).toEqual([
      ['nightly', path.join('config', 'schedules', 'a.json')],
      ['b', path.join('config', 'schedules', 'b.yml')],
    ]);
    const single = await loadScheduleDefinitionsFromSettings(
      { SCHEDULES_PATH: 'config/schedules/b.yml' },
      { now: NOW, cwd: dir },
    );
    expect(single.ok && single.value.definitions.map((d) => d.name)).toEqual(['b']);
  });

  it('no default directory means no schedules; an explicit path that does not exist is an error', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'schedules-none-'));
    const none = await loadScheduleDefinitionsFromSettings({}, { now: NOW, cwd: dir });
    expect(none.ok && none.value.definitions).toEqual([]);
    const missing = await loadScheduleDefinitionsFromSettings({ SCHEDULES_PATH: 'nowhere' }, { now: NOW, cwd: dir });
    expect(missing).toMatchObject({
      ok: false,
      error: { code: 'schedule.path.not_found', field: 'SCHEDULES_PATH', source: 'SCHEDULES_PATH' },
    });
  });
});

describe("the SDK's own `Schedule.load_yaml` sample", () => {
  // As the azureml-pipeline-core documentation writes it (`None` is Python's null, read by YAML as text).
  const sdkSample = [
    'Schedule:',
    '    description: "Test create with datastore"',
    '    recurrence: ~',
    '    pipeline_parameters: {}',
    '    wait_for_provisioning: True',
    '    wait_timeout: 3600',
    '    datastore_name: ~',
    '    polling_interval: 5',
    '    data_path_parameter_name: "input_data"',
    '    continue_on_step_failure: None',
    '    path_on_datastore: "file/path"',
    '',
  ].join('\n');
  const withPipeline = (text: string): string =>
    `${text}    pipeline_id: p-1\n    experiment_name: exp\n    workspace: {subscription_id: s, resource_group: rg, workspace_name: ws}\n`;

  it('loads once a pipeline and a datastore are given: client-only keys ignored with a note, None is absent', () => {
    const text = withPipeline(sdkSample.replace('datastore_name: ~', 'datastore_name: workspaceblobstore'));
    const result = loaded([{ path: 'v1/upload.yaml', text }]);
    expect(result.definitions[0]).toMatchObject({
      name: 'upload',
      kind: 'reactive',
      datastore: 'workspaceblobstore',
      pathOnDatastore: 'file/path',
      dataPathParameterName: 'input_data',
    });
    expect(result.definitions[0]).not.toHaveProperty('continueOnStepFailure');
    expect(result.warnings.map((w) => [w.code, w.field, w.line])).toEqual([
      ['schedule.polling_interval.unused', 'Schedule.polling_interval', 8],
      ['schedule.v1.client_option_ignored', 'Schedule.wait_for_provisioning', 5],
      ['schedule.v1.client_option_ignored', 'Schedule.wait_timeout', 6],
    ]);
    expect(result.warnings[1]?.message).toMatch(
      /^v1\/upload\.yaml:5: `Schedule\.wait_for_provisioning` .*ignored here/,
    );
  });

  it('verbatim (plus the pipeline): the one problem is that it has no trigger, as the sample sets neither', () => {
    const error = failed([{ path: 'sample.yaml', text: withPipeline(sdkSample) }]);
    expect(error.errors.map((e) => e.code)).toEqual([
      'schedule.trigger.missing',
      'schedule.reactive_only',
      'schedule.reactive_only',
      'schedule.reactive_only',
    ]);
    expect(error.message).not.toMatch(/not a schedule field|must be boolean|wait_/);
  });
});

describe('size and count limits, checked before parsing', () => {
  it('a file over 1 MiB is refused naming the file, its size and the limit, without parsing it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sched-limits-'));
    // Not even valid YAML past the first line: the size check comes first.
    const big = `name: big\n${'x'.repeat(1024 * 1024)}: [\n`;
    await writeFile(path.join(dir, 'big.yaml'), big);
    const r = await loadScheduleDefinitionsFromSettings({ SCHEDULES_PATH: 'big.yaml' }, { now: NOW, cwd: dir });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('schedule.file.too_large');
      expect(r.error.message).toMatch(
        /big\.yaml is 1 MiB \(1048590 bytes\); a schedule file may hold at most 1 MiB\. Split it into several files in one folder\./,
      );
    }
    // The same text handed over directly (HTTP apply, the registration's read) is refused the same way.
    const direct = load([{ path: 'body.yaml', text: big }]);
    expect(direct.ok).toBe(false);
    if (!direct.ok) expect(direct.error.errors.map((e) => e.code)).toEqual(['schedule.file.too_large']);
  });

  it('more than 1,000 files in the folder are refused with what to do', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sched-count-'));
    await mkdir(path.join(dir, 'many'));
    await Promise.all(
      Array.from({ length: 1001 }, (_, i) => writeFile(path.join(dir, 'many', `s${i}.yaml`), `name: s${i}\n`)),
    );
    const r = await loadScheduleDefinitionsFromSettings({ SCHEDULES_PATH: 'many' }, { now: NOW, cwd: dir });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error).toMatchObject({
        code: 'schedule.path.too_many_files',
        field: 'SCHEDULES_PATH',
        message: expect.stringMatching(
          /holds 1001 schedule files; at most 1000 are read\. Put several schedules in one file/,
        ),
      });
  });
});

describe('typos get "did you mean", in plain words, with the unknown target among the other problems', () => {
  const messages = (text: string, knownTargets?: ReadonlySet<string>): string[] => {
    const r = loadScheduleDefinitions([{ path: 's.yaml', text }], {
      now: NOW,
      ...(knownTargets ? { knownTargets } : {}),
    });
    if (r.ok) throw new Error('expected problems');
    return r.error.errors.map((e) => e.message);
  };

  it('frequency Weekly → Week, Daily → Day; week day Mon → Monday; status active → Active', () => {
    expect(messages('name: a\ntarget: t\nrecurrence: { frequency: Weekly, interval: 1 }\n')).toEqual([
      expect.stringMatching(
        /^s\.yaml:3: .*recurrence\.frequency is "Weekly"; it must be one of Minute, Hour, Day, Week, Month \(did you mean Week\?\)\.$/,
      ),
    ]);
    expect(messages('name: a\ntarget: t\nrecurrence: { frequency: Daily, interval: 1 }\n')[0]).toContain(
      '(did you mean Day?)',
    );
    expect(
      messages('name: a\ntarget: t\nrecurrence: { frequency: Week, interval: 1, week_days: [Mon] }\n')[0],
    ).toContain('(did you mean Monday?)');
    expect(messages('name: a\ntarget: t\nstatus: active\nrecurrence: { frequency: Day, interval: 1 }\n')[0]).toContain(
      'must be one of Active, Disabled (did you mean Active?)',
    );
  });

  it('a misspelt field names the right one; a wrong type is said in words, never "must be array"', () => {
    expect(messages('name: a\ntarget: t\nrecurence: { frequency: Day, interval: 1 }\n').join('\n')).toContain(
      's.yaml:3: `recurence` ({"frequency":"Day","interval":1}) is not a schedule field (did you mean `recurrence`?)',
    );
    expect(messages('name: a\ntarget: t\nrecurrence: { frequency: Day, intervall: 1 }\n').join('\n')).toMatch(
      /`recurrence\.intervall` \(1\) is not a field of `recurrence` \(did you mean `interval`\?\)/,
    );
    const wrongType = messages('name: a\ntarget: t\nrecurrence: { frequency: Week, interval: 1, week_days: Monday }\n');
    expect(wrongType).toEqual([
      expect.stringContaining('`recurrence.week_days` ("Monday") must be a list, not a string.'),
    ]);
    expect(wrongType.join(' ')).not.toMatch(/must be array|must be string|must be integer/);
  });

  it('an unknown target is reported with the other problems, in line order, with a suggestion', () => {
    const text = 'name: a\ntarget: trian\nrecurrence: { frequency: Day, interval: 0 }\n';
    expect(messages(text, new Set(['train', 'score']))).toEqual([
      's.yaml:2: `target` ("trian") is not a configured target (did you mean train?); configured targets: score, train.',
      expect.stringMatching(/^s\.yaml:3: .*recurrence\.interval/),
    ]);
  });
});
