import { describe, expect, it } from 'vitest';
import { toSubmission } from '../../src/aml/submission';
import type { PipelineTarget } from '../../src/aml/types';
import { batchInvokeBody, componentVersionId, pipelineJobBody, v2Inputs } from '../../src/aml/v2Body';

const ws = { subscriptionId: '5c3a1d2e-0000-4000-8000-0000000000aa', resourceGroup: 'rg', workspaceName: 'ws' };
const job: PipelineTarget = {
  name: 'train-v2',
  workspace: ws,
  experimentName: 'training',
  parameterAssignments: { epochs: 10 },
  dataPathAssignments: {},
  tags: { team: 'ml' },
  v2: {
    kind: 'pipeline_job',
    componentName: 'train',
    componentVersion: '3',
    settings: { continueOnStepFailure: true, defaultCompute: 'cpu' },
  },
  inputs: {
    training_data: { type: 'uri_folder', uri: 'azureml://datastores/landing/paths/train/', mode: 'ro_mount' },
    input_file: { type: 'uri_file' },
    threshold: { type: 'literal', value: '0.5' },
  },
};
const batch: PipelineTarget = { ...job, name: 'score-v2', v2: { kind: 'batch_endpoint', endpointName: 'churn' } };

describe('v2Inputs: one inputs model for every kind', () => {
  it('declared inputs with a value, parameters as literals, DataPaths typed by the declaration, the blob as uri_file', () => {
    const body = toSubmission(job, {
      runSource: 'SDK',
      parameters: { threshold: 0.7, flag: true },
      dataPaths: { training_data: { DataStoreName: 'other', RelativePath: 'x/' } },
      blob: { parameter: 'input_file', datastore: 'landing', path: 'in/a.csv' },
    });
    expect(v2Inputs(job, body)).toEqual({
      ok: true,
      value: {
        training_data: { type: 'uri_folder', uri: 'azureml://datastores/other/paths/x/', mode: 'ro_mount' },
        threshold: { type: 'literal', value: '0.7' },
        epochs: { type: 'literal', value: '10' },
        flag: { type: 'literal', value: 'true' },
        input_file: { type: 'uri_file', uri: 'azureml://datastores/landing/paths/in/a.csv' },
      },
    });
  });

  const refused: Array<[string, Parameters<typeof toSubmission>[1], RegExp]> = [
    [
      'an undeclared DataPath',
      { runSource: 'SDK', dataPaths: { raw: { DataStoreName: 'd', RelativePath: 'p' } } },
      /DataPathAssignments\.raw .*declare inputs\.raw with type uri_file or uri_folder/,
    ],
    [
      'a DataPath for a literal input',
      { runSource: 'SDK', dataPaths: { threshold: { DataStoreName: 'd', RelativePath: 'p' } } },
      /input threshold is declared literal/,
    ],
    [
      'a number for a uri input',
      { runSource: 'SDK', parameters: { training_data: 3 } },
      /declared uri_folder, so its value must be a path/,
    ],
    [
      'the blob into a folder input',
      { runSource: 'SDK', blob: { parameter: 'training_data', datastore: 'd', path: 'a.csv' } },
      /given as a uri_file input \(a reactive schedule passes its blob as uri_file\), but the target declares training_data as uri_folder/,
    ],
    [
      'v1 datasets',
      { runSource: 'SDK', dataSets: { ds: { SavedDataSetReference: { Id: 'x' } } } },
      /v1 datasets have no v2 counterpart/,
    ],
  ];
  it.each(refused)('refuses %s with aml.v2.input_unmapped (400)', (_n, request, message) => {
    const result = v2Inputs(job, toSubmission(job, request));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error).toMatchObject({
        code: 'aml.v2.input_unmapped',
        status: 400,
        message: expect.stringMatching(message),
      });
  });
});

describe('wire bodies', () => {
  const body = toSubmission(job, { runSource: 'SDK', description: 'nightly', tags: { 'aml-triggers.schedule': 's' } });
  const inputs = v2Inputs(job, body);
  if (!inputs.ok) throw new Error('inputs');

  it('pipeline job: ARM PUT body with lower-case jobInputType, settings, tags and the key', () => {
    expect(pipelineJobBody(job, body, inputs.value, componentVersionId(ws, 'train', '3'), 'occ-abc')).toEqual({
      properties: {
        jobType: 'Pipeline',
        componentId: `/subscriptions/${ws.subscriptionId}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/components/train/versions/3`,
        experimentName: 'training',
        description: 'nightly',
        inputs: {
          training_data: {
            jobInputType: 'uri_folder',
            uri: 'azureml://datastores/landing/paths/train/',
            mode: 'ro_mount',
          },
          threshold: { jobInputType: 'literal', value: '0.5' },
          epochs: { jobInputType: 'literal', value: '10' },
        },
        settings: { continue_on_step_failure: true, default_compute: 'cpu' },
        tags: { team: 'ml', 'aml-triggers.schedule': 's', aml_triggers_key: 'occ-abc' },
        properties: { 'aml-triggers.run_source': 'SDK', aml_triggers_key: 'occ-abc' },
      },
    });
  });

  it('batch invoke: PascalCase JobInputType with Uri / Value, the job name and the key', () => {
    expect(batchInvokeBody(toSubmission(batch, { runSource: 'SDK' }), inputs.value, 'occ-abc', 'occ-abc')).toEqual({
      properties: {
        name: 'occ-abc',
        InputData: {
          training_data: { JobInputType: 'UriFolder', Uri: 'azureml://datastores/landing/paths/train/' },
          threshold: { JobInputType: 'Literal', Value: '0.5' },
          epochs: { JobInputType: 'Literal', Value: '10' },
        },
        tags: { team: 'ml', aml_triggers_key: 'occ-abc' },
        properties: { 'aml-triggers.run_source': 'SDK', aml_triggers_key: 'occ-abc' },
      },
    });
  });
});

describe('mltable inputs', () => {
  const table = { customers: { type: 'mltable' as const, uri: 'azureml:customers:3', mode: 'eval_mount' } };

  it('a pipeline job takes them as jobInputType mltable, with uri and mode', () => {
    const body = toSubmission(job, { runSource: 'SDK', inputs: table });
    const inputs = v2Inputs(job, body);
    if (!inputs.ok) throw new Error(inputs.error.message);
    expect(pipelineJobBody(job, body, inputs.value, 'c', undefined).properties).toMatchObject({
      inputs: { customers: { jobInputType: 'mltable', uri: 'azureml:customers:3', mode: 'eval_mount' } },
    });
  });

  it('a batch endpoint refuses them, naming the field and what to do, before anything is built', () => {
    const r = v2Inputs(batch, toSubmission(batch, { runSource: 'SDK', inputs: table }));
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'aml.v2.input_unmapped', status: 400, field: 'Inputs.customers' },
    });
    expect(!r.ok && r.error.message).toBe(
      'Inputs.customers cannot be passed to batch_endpoint target score-v2: input customers is an mltable, which batch endpoints do not take ("Data assets of type table (MLTable) aren\'t currently supported"); pass the table\'s folder or file as uri_folder / uri_file, or use a pipeline_job target.',
    );
  });
});
