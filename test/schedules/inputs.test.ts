/**
 * A schedule's own v2 `inputs` (docs/schedules.md "inputs"): the shape of the targets file's inputs, checked
 * when the file is loaded; refused on a v1 pipeline naming the schedule, the field, the value and what to
 * do; merged as the target's inputs < the schedule's < the blob; part of the definition's hash; and the
 * exact pipeline-job and batch-invoke bodies they make.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PipelineTarget } from '../../src/aml/types';
import { parseTargets } from '../../src/config/targets';
import { batchInvokeBody, pipelineJobBody, v2Inputs } from '../../src/aml/v2Body';
import { reactiveSubmissionBody } from '../../src/reactive/handler';
import {
  resolveScheduleTarget,
  type ReactiveScheduleDefinition,
  type TimeScheduleDefinition,
} from '../../src/schedules/definition';
import { loadScheduleDefinitions, type ScheduleFile } from '../../src/schedules/loadDefinitions';
import { runNowSubmission } from '../../src/schedules/runNowDecision';
import { occurrenceSubmission } from '../../src/schedules/submitOccurrence';

const NOW = new Date('2026-01-01T00:00:00Z');
const ws = { subscriptionId: '5c3a1d2e-0000-4000-8000-0000000000aa', resourceGroup: 'rg', workspaceName: 'ws' };
const json = (p: string, data: unknown): ScheduleFile => ({ path: p, text: JSON.stringify(data, null, 2) });
const weekly = {
  name: 'weekly-train',
  target: 'train-v2',
  recurrence: { frequency: 'Week', interval: 1, week_days: ['Monday'], time_of_day: '05:00' },
};
const arrivals = {
  name: 'arrivals',
  target: 'train-v2',
  datastore: 'landing',
  path_on_datastore: 'in',
  data_path_parameter_name: 'input_file',
};

const job: PipelineTarget = {
  name: 'train-v2',
  workspace: ws,
  experimentName: 'training',
  parameterAssignments: { epochs: 10 },
  dataPathAssignments: {},
  v2: { kind: 'pipeline_job', componentName: 'train', componentVersion: '3' },
  inputs: {
    training_data: { type: 'uri_folder', uri: 'azureml://datastores/landing/paths/all/', mode: 'ro_mount' },
    input_file: { type: 'uri_file' },
    threshold: { type: 'literal', value: '0.5' },
  },
};
const batch: PipelineTarget = { ...job, name: 'score-v2', v2: { kind: 'batch_endpoint', endpointName: 'churn' } };
const v1: PipelineTarget = {
  name: 'train-v1',
  workspace: ws,
  pipeline: { kind: 'published', pipelineId: 'p-1' },
  experimentName: 'training',
  parameterAssignments: {},
  dataPathAssignments: {},
};
const targets = { 'train-v2': job, 'score-v2': batch, 'train-v1': v1 };
/** One occurrence of `weekly`. */
const monday = { occurrence: new Date('2026-01-05T05:00:00Z'), trigger: 'schedule', runSource: 'SDK' };

function load(file: ScheduleFile) {
  return loadScheduleDefinitions([file], { now: NOW });
}
function one(data: unknown) {
  const r = load(json('s.json', data));
  if (!r.ok) throw new Error(r.error.message);
  return r.value.definitions[0]!;
}
function problems(data: unknown) {
  const r = load(json('s.json', data));
  if (r.ok) throw new Error('expected the load to fail');
  return r.error.errors.map((e) => ({ code: e.code, field: e.field, message: e.message }));
}

describe('schedule inputs: accepted shapes', () => {
  it('uri_file / uri_folder with path and mode, literals of any JSON type (sent as text), on time and reactive schedules', () => {
    const def = one({
      ...weekly,
      inputs: {
        training_data: { type: 'uri_folder', path: 'azureml://datastores/x/paths/weekly/', mode: 'download' },
        holdout: { type: 'uri_file', path: 'https://acct.blob.core.windows.net/data/holdout.csv' },
        threshold: { type: 'literal', value: 0.9 },
        full: { type: 'literal', value: true },
        label: { type: 'literal', value: 'weekly' },
      },
    });
    expect(def.inputs).toEqual({
      training_data: { type: 'uri_folder', uri: 'azureml://datastores/x/paths/weekly/', mode: 'download' },
      holdout: { type: 'uri_file', uri: 'https://acct.blob.core.windows.net/data/holdout.csv' },
      threshold: { type: 'literal', value: '0.9' },
      full: { type: 'literal', value: 'true' },
      label: { type: 'literal', value: 'weekly' },
    });
    const r = one({ ...arrivals, inputs: { threshold: { type: 'literal', value: '0.2' } } });
    expect(r.kind === 'reactive' && r.inputs).toEqual({ threshold: { type: 'literal', value: '0.2' } });
    expect(one(weekly).inputs).toBeUndefined();
  });

  it('in YAML too, with the line of a bad input', () => {
    const r = load({
      path: 's.yaml',
      text: [
        'name: daily',
        'target: train-v2',
        'recurrence: {frequency: Day, interval: 1}',
        'inputs:',
        '  training_data:',
        '    type: uri_folder',
        '    path: azureml://datastores/x/paths/daily/',
        '  threshold:',
        '    type: literal',
        '    path: azureml://datastores/x/paths/t',
        '',
      ].join('\n'),
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.errors).toEqual([
      expect.objectContaining({
        code: 'schedule.inputs.invalid',
        field: 'inputs.threshold.path',
        value: 'azureml://datastores/x/paths/t',
        line: 10,
        message:
          's.yaml:10: `inputs.threshold.path` ("azureml://datastores/x/paths/t") is for uri_file / uri_folder / mltable inputs; a literal input takes value.',
      }),
    ]);
  });
});

describe('schedule inputs: refused shapes, each naming the field, the value and what to do', () => {
  it('what the schema refuses, in the words of the targets file', () => {
    expect(
      problems({
        ...weekly,
        inputs: {
          a: { type: 'table', path: 'x' },
          b: { type: 'uri_file', uri: 'azureml://datastores/x/paths/f' },
          c: { type: 'literal', value: { nested: 1 } },
          d: 'azureml://datastores/x/paths/f',
          e: { type: 'uri_folder', path: 'p', mode: 'mount' },
        },
      }),
    ).toEqual([
      {
        code: 'schedule.field.enum',
        field: 'inputs.a.type',
        message: 's.json:14: `inputs.a.type` ("table") must be uri_file, uri_folder, mltable or literal.',
      },
      expect.objectContaining({ code: 'schedule.field.unknown', field: 'inputs.b.uri' }),
      {
        code: 'schedule.field.type',
        field: 'inputs.c.value',
        message:
          's.json:23: `inputs.c.value` ({"nested":1}) must be a string, a number or true or false, not a mapping.',
      },
      expect.objectContaining({ code: 'schedule.field.type', field: 'inputs.d' }),
      {
        code: 'schedule.field.enum',
        field: 'inputs.e.mode',
        message:
          's.json:31: `inputs.e.mode` ("mount") must be ro_mount, rw_mount, download, direct, eval_mount or eval_download.',
      },
    ]);
  });

  it('a literal with a mode, a uri input with a value, inputs without a value or path, a name given twice', () => {
    expect(
      problems({
        ...arrivals,
        pipeline_parameters: { lr: 0.1 },
        inputs: {
          t: { type: 'literal', value: 1, mode: 'download' },
          u: { type: 'uri_folder', value: 'x' },
          v: { type: 'literal' },
          w: { type: 'uri_file', mode: 'download' },
          lr: { type: 'literal', value: 0.2 },
          input_file: { type: 'uri_file', path: 'azureml://datastores/landing/paths/fixed.csv' },
        },
      }),
    ).toEqual([
      {
        code: 'schedule.inputs.invalid',
        field: 'inputs.t.mode',
        message: 's.json:14: `inputs.t.mode` ("download") is for uri_file / uri_folder / mltable inputs only.',
      },
      {
        code: 'schedule.inputs.invalid',
        field: 'inputs.u.value',
        message: 's.json:18: `inputs.u.value` ("x") is for literal inputs; a uri_folder input takes path.',
      },
      {
        code: 'schedule.inputs.invalid',
        field: 'inputs.v',
        message:
          's.json:20: `inputs.v` ({"type":"literal"}) gives no value: a schedule passes inputs, so a literal input needs value (declare inputs without one in the target).',
      },
      {
        code: 'schedule.inputs.invalid',
        field: 'inputs.w',
        message:
          's.json:23: `inputs.w` ({"type":"uri_file","mode":"download"}) gives no path: a schedule passes inputs, so a uri_file input needs path (azureml://datastores/<datastore>/paths/<path>, https://…, or azureml:<data asset>:<version>).',
      },
      {
        code: 'schedule.inputs.invalid',
        field: 'inputs.lr',
        message:
          's.json:27: `inputs.lr` ({"type":"literal","value":0.2}) is also set in `pipeline_parameters`; give "lr" once (in inputs, with its v2 type).',
      },
      {
        code: 'schedule.inputs.invalid',
        field: 'inputs.input_file',
        message: expect.stringContaining(
          'is the input the arriving blob fills (`data_path_parameter_name`); remove it from inputs',
        ),
      },
    ]);
  });

  it('on a schedule that names a v1 pipeline by id: refused when the file is loaded', () => {
    expect(
      problems({
        name: 'inline',
        pipeline_id: 'p-9',
        experiment_name: 'e',
        recurrence: { frequency: 'Day', interval: 1 },
        inputs: { training_data: { type: 'uri_folder', path: 'azureml://datastores/x/paths/d/' } },
      }),
    ).toEqual([
      {
        code: 'schedule.inputs.v1_pipeline',
        field: 'inputs',
        message:
          's.json:9: `inputs` ({"training_data":{"type":"uri_folder","path":"azureml://datastores/x/paths/d/"}}) is for Azure ML v2 targets (pipeline_job, batch_endpoint), but this schedule names a v1 published pipeline (`pipeline_id`), which takes no inputs: pass the values in `pipeline_parameters`, or set `target` to a v2 target.',
      },
    ]);
  });

  it('on a schedule whose target is v1: refused when resolved (start-up, apply), naming schedule, field, inputs and target', () => {
    const def = one({ ...weekly, target: 'train-v1', inputs: { training_data: { type: 'uri_folder', path: 'p/' } } });
    const r = resolveScheduleTarget(def, targets);
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'schedule.inputs.v1_pipeline', field: 'inputs', source: 's.json', line: 1 },
    });
    expect(!r.ok && r.error.message).toBe(
      's.json:1: schedule "weekly-train" gives `inputs` ("training_data"), but its target "train-v1" is an Azure ML v1 published pipeline, which takes no inputs: pass the values in `pipeline_parameters` (DataPaths in the target\'s data_paths), or point the schedule at a v2 target (pipeline_job, batch_endpoint; docs/migration-v2.md).',
    );
  });

  it('an mltable input: accepted for a pipeline job, refused for a batch endpoint (which takes no tables)', () => {
    const table = { customers: { type: 'mltable', path: 'azureml:customers:3', mode: 'eval_mount' } };
    const def = one({ ...weekly, inputs: table });
    expect(def.inputs).toEqual({ customers: { type: 'mltable', uri: 'azureml:customers:3', mode: 'eval_mount' } });
    expect(resolveScheduleTarget(def, targets).ok).toBe(true);
    const onBatch = resolveScheduleTarget({ ...def, pipeline: { kind: 'target', target: 'score-v2' } }, targets);
    expect(onBatch).toMatchObject({ ok: false, error: { code: 'schedule.target.inputs', field: 'inputs.customers' } });
    expect(!onBatch.ok && onBatch.error.message).toContain(
      '`inputs.customers` cannot be passed to batch_endpoint target score-v2: input customers is an mltable, which batch endpoints do not take',
    );
  });

  it("an input of another type than the target declares: refused when resolved, naming the schedule's field", () => {
    const def = one({
      ...weekly,
      inputs: { input_file: { type: 'uri_folder', path: 'azureml://datastores/x/paths/d/' } },
    });
    const r = resolveScheduleTarget(def, targets);
    expect(r).toMatchObject({ ok: false, error: { code: 'schedule.target.inputs', field: 'inputs.input_file' } });
    expect(!r.ok && r.error.message).toMatch(
      /^Schedule "weekly-train" \(s\.json\) cannot start target "train-v2": `inputs\.input_file` cannot be passed to pipeline_job target train-v2: it is given as a uri_folder input, but the target declares input_file as uri_file; give the declared type, or declare it uri_folder\.$/,
    );
  });
});

describe('schedule inputs: merge order and the definition hash', () => {
  const inputs = {
    training_data: { type: 'uri_folder', path: 'azureml://datastores/x/paths/weekly/' },
    threshold: { type: 'literal', value: 0.9 },
    epochs: { type: 'literal', value: 3 },
  };

  it("the target's inputs and parameters < the schedule's inputs; a declared mode stays unless the schedule gives one", () => {
    const def = one({ ...weekly, inputs }) as TimeScheduleDefinition;
    const target = resolveScheduleTarget(def, targets);
    if (!target.ok) throw new Error(target.error.message);
    const body = occurrenceSubmission(def, target.value, monday);
    expect(v2Inputs(target.value, body)).toEqual({
      ok: true,
      value: {
        training_data: { type: 'uri_folder', uri: 'azureml://datastores/x/paths/weekly/', mode: 'ro_mount' },
        threshold: { type: 'literal', value: '0.9' },
        epochs: { type: 'literal', value: '3' },
      },
    });
    const own = one({ ...weekly, inputs: { training_data: { ...inputs.training_data, mode: 'download' } } });
    const withMode = occurrenceSubmission(own as TimeScheduleDefinition, target.value, monday);
    expect(v2Inputs(target.value, withMode)).toMatchObject({
      ok: true,
      value: { training_data: { type: 'uri_folder', uri: 'azureml://datastores/x/paths/weekly/', mode: 'download' } },
    });
  });

  it("run now: the request's values win over the schedule's inputs, in either terms", () => {
    const def = one({ ...weekly, inputs }) as TimeScheduleDefinition;
    const target = resolveScheduleTarget(def, targets);
    if (!target.ok) throw new Error(target.error.message);
    const body = runNowSubmission(def, target.value, {
      requestId: 'r1',
      requestedBy: 'alice',
      now: NOW,
      runSource: 'SDK',
      parameters: { threshold: 0.5 },
      inputs: { training_data: { type: 'uri_folder', uri: 'azureml://datastores/x/paths/backfill/' } },
    });
    expect(v2Inputs(target.value, body)).toEqual({
      ok: true,
      value: {
        training_data: { type: 'uri_folder', uri: 'azureml://datastores/x/paths/backfill/', mode: 'ro_mount' },
        threshold: { type: 'literal', value: '0.5' },
        epochs: { type: 'literal', value: '3' },
      },
    });
  });

  it("the reactive blob comes last: over the schedule's inputs and the target's", () => {
    const def = one({ ...arrivals, inputs }) as ReactiveScheduleDefinition;
    const target = resolveScheduleTarget(def, targets);
    if (!target.ok) throw new Error(target.error.message);
    const body = reactiveSubmissionBody(target.value, def, 'in/2026-01-05.csv');
    expect(v2Inputs(target.value, body)).toEqual({
      ok: true,
      value: {
        training_data: { type: 'uri_folder', uri: 'azureml://datastores/x/paths/weekly/', mode: 'ro_mount' },
        threshold: { type: 'literal', value: '0.9' },
        epochs: { type: 'literal', value: '3' },
        input_file: { type: 'uri_file', uri: 'azureml://datastores/landing/paths/in/2026-01-05.csv' },
      },
    });
  });

  it('changing inputs changes the definition hash (so apply and the sync see an edit); the same inputs do not', () => {
    const a = one({ ...weekly, inputs });
    expect(one({ ...weekly, inputs: { ...inputs } }).hash).toBe(a.hash);
    expect(
      one({
        ...weekly,
        inputs: { ...inputs, training_data: { ...inputs.training_data, path: 'azureml://datastores/x/paths/daily/' } },
      }).hash,
    ).not.toBe(a.hash);
    expect(one({ ...weekly, inputs: { ...inputs, threshold: { type: 'literal', value: 0.8 } } }).hash).not.toBe(a.hash);
    expect(one(weekly).hash).not.toBe(a.hash);
  });
});

describe('schedule inputs on the wire (exact bodies)', () => {
  const def = one({
    ...weekly,
    inputs: {
      training_data: { type: 'uri_folder', path: 'azureml://datastores/x/paths/weekly/' },
      threshold: { type: 'literal', value: 0.9 },
    },
  }) as TimeScheduleDefinition;
  const tags = {
    'aml-triggers.schedule': 'weekly-train',
    'aml-triggers.occurrence': '2026-01-05T05:00:00Z',
    'aml-triggers.trigger': 'schedule',
    aml_triggers_key: 'k-1',
  };

  it('pipeline_job: the ARM PUT body', () => {
    const target = resolveScheduleTarget(def, targets);
    if (!target.ok) throw new Error(target.error.message);
    const body = occurrenceSubmission(def, target.value, monday);
    const inputs = v2Inputs(target.value, body);
    if (!inputs.ok) throw new Error(inputs.error.message);
    expect(pipelineJobBody(target.value, body, inputs.value, 'component-id', 'k-1')).toEqual({
      properties: {
        jobType: 'Pipeline',
        componentId: 'component-id',
        experimentName: 'training',
        inputs: {
          training_data: {
            jobInputType: 'uri_folder',
            uri: 'azureml://datastores/x/paths/weekly/',
            mode: 'ro_mount',
          },
          threshold: { jobInputType: 'literal', value: '0.9' },
          epochs: { jobInputType: 'literal', value: '10' },
        },
        tags,
        properties: { 'aml-triggers.run_source': 'SDK', aml_triggers_key: 'k-1' },
      },
    });
  });

  it('batch_endpoint: the invoke body', () => {
    const target = resolveScheduleTarget({ ...def, pipeline: { kind: 'target', target: 'score-v2' } }, targets);
    if (!target.ok) throw new Error(target.error.message);
    const body = occurrenceSubmission(def, target.value, monday);
    const inputs = v2Inputs(target.value, body);
    if (!inputs.ok) throw new Error(inputs.error.message);
    expect(batchInvokeBody(body, inputs.value, 'k-1', 'k-1')).toEqual({
      properties: {
        name: 'k-1',
        InputData: {
          training_data: { JobInputType: 'UriFolder', Uri: 'azureml://datastores/x/paths/weekly/' },
          threshold: { JobInputType: 'Literal', Value: '0.9' },
          epochs: { JobInputType: 'Literal', Value: '10' },
        },
        tags,
        properties: { 'aml-triggers.run_source': 'SDK', aml_triggers_key: 'k-1' },
      },
    });
  });
});

describe('the example of docs/migration-v2.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'migration-v2.md'), 'utf8');
  const block = (file: string): string => {
    const m = new RegExp('```yaml file=' + file.replace(/\./g, '\\.') + '\\n([\\s\\S]*?)```').exec(doc);
    if (!m) throw new Error(`no block file=${file} in docs/migration-v2.md`);
    return m[1]!;
  };

  it("loads against the doc's v2 targets, and each schedule sends what the text says", () => {
    const catalog = parseTargets(block('config/pipelines.v2.yaml'), 'config/pipelines.v2.yaml', 'yaml', {});
    if (!catalog.ok) throw new Error(catalog.error.message);
    const loaded = load({ path: 'config/schedules/churn-v2.yaml', text: block('config/schedules/churn-v2.yaml') });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const sent = loaded.value.definitions.map((def) => {
      const target = resolveScheduleTarget(def, catalog.value.targets);
      if (!target.ok) throw new Error(target.error.message);
      const body = occurrenceSubmission(def as TimeScheduleDefinition, target.value, monday);
      return [def.name, v2Inputs(target.value, body)];
    });
    expect(sent).toEqual([
      [
        'churn-weekly',
        {
          ok: true,
          value: {
            input_data: {
              type: 'uri_folder',
              uri: 'azureml://datastores/workspaceblobstore/paths/landing/churn/',
              mode: 'ro_mount',
            },
            epochs: { type: 'literal', value: '10' },
          },
        },
      ],
      [
        'churn-daily',
        {
          ok: true,
          value: {
            input_data: {
              type: 'uri_folder',
              uri: 'azureml://datastores/workspaceblobstore/paths/landing/churn/daily/',
              mode: 'download',
            },
            epochs: { type: 'literal', value: '2' },
          },
        },
      ],
    ]);
  });
});
