import { describe, expect, it } from 'vitest';
import { parseTargets } from '../../src/config/targets';

const env = {
  AML_SUBSCRIPTION_ID: '5c3a1d2e-0000-4000-8000-0000000000aa',
  AML_RESOURCE_GROUP: 'rg',
  AML_WORKSPACE_NAME: 'ws',
  COMPUTE: 'cpu-cluster',
};
const parse = (text: string) => parseTargets(text, 'pipelines.yaml', 'yaml', env);

describe('v2 targets in the targets file', () => {
  it('reads a pipeline_job and a batch_endpoint target with inputs and %SETTING% references', () => {
    const result = parse(`
targets:
  train-v2:
    experiment_name: training
    pipeline_job:
      component_name: train_pipeline
      component_version: 3
      settings: { continue_on_step_failure: true, default_compute: "%COMPUTE%" }
    parameters: { epochs: 10 }
    inputs:
      training_data: { type: uri_folder, path: "azureml://datastores/landing/paths/train/", mode: ro_mount }
      threshold: { type: literal, value: 0.5 }
  score-v2:
    experiment_name: scoring
    batch_endpoint: { endpoint_name: churn-batch, deployment: blue }
    inputs:
      input_data: { type: uri_file }
`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.targets.get('train-v2')).toMatchObject({
      experimentName: 'training',
      workspace: { subscriptionId: env.AML_SUBSCRIPTION_ID, resourceGroup: 'rg', workspaceName: 'ws' },
      parameterAssignments: { epochs: 10 },
      v2: {
        kind: 'pipeline_job',
        componentName: 'train_pipeline',
        componentVersion: '3',
        settings: { continueOnStepFailure: true, defaultCompute: 'cpu-cluster' },
      },
      inputs: {
        training_data: { type: 'uri_folder', uri: 'azureml://datastores/landing/paths/train/', mode: 'ro_mount' },
        threshold: { type: 'literal', value: '0.5' },
      },
    });
    expect(result.value.targets.get('score-v2')).toMatchObject({
      v2: { kind: 'batch_endpoint', endpointName: 'churn-batch', deployment: 'blue' },
      inputs: { input_data: { type: 'uri_file' } },
    });
    expect(result.value.settingExpressions.get('targets.train-v2.pipeline_job.settings.default_compute')).toBe(
      '%COMPUTE%',
    );
  });

  it('a component without a version runs its latest', () => {
    const result = parse(`targets:\n  t:\n    experiment_name: e\n    pipeline_job: { component_name: c }\n`);
    expect(result.ok && result.value.targets.get('t')?.v2).toEqual({
      kind: 'pipeline_job',
      componentName: 'c',
      componentVersion: 'latest',
    });
  });

  const refused: Array<[string, string, RegExp]> = [
    [
      'a typo in a v2 field gets a did-you-mean',
      `targets:\n  t:\n    experiment_name: e\n    pipeline_job: { componet_name: c }\n`,
      /componet_name is not a known field \(did you mean component_name\?\)/,
    ],
    [
      'a v1 and a v2 reference together',
      `targets:\n  t:\n    experiment_name: e\n    pipeline_id: p\n    batch_endpoint: { endpoint_name: b }\n`,
      /needs exactly one of .*pipeline_job, batch_endpoint.*found pipeline_id, batch_endpoint/,
    ],
    [
      'data_paths on a v2 target',
      `targets:\n  t:\n    experiment_name: e\n    batch_endpoint: { endpoint_name: b }\n    data_paths: { d: { datastore: s, path: p } }\n`,
      /t\.data_paths is for v1 pipelines; a batch_endpoint target takes its data as inputs/,
    ],
    [
      'inputs on a v1 target',
      `targets:\n  t:\n    experiment_name: e\n    pipeline_id: p\n    inputs: { d: { type: uri_file } }\n`,
      /t\.inputs is for Azure ML v2 targets/,
    ],
    [
      'an unknown input type',
      `targets:\n  t:\n    experiment_name: e\n    batch_endpoint: { endpoint_name: b }\n    inputs: { d: { type: table } }\n`,
      /inputs\.d\.type must be uri_file, uri_folder, mltable or literal/,
    ],
    [
      'an mltable input on a batch endpoint',
      `targets:\n  t:\n    experiment_name: e\n    batch_endpoint: { endpoint_name: b }\n    inputs: { d: { type: mltable } }\n`,
      /inputs\.d\.type is mltable, which batch endpoints do not take .*use a pipeline_job target/,
    ],
    [
      'a literal with a path',
      `targets:\n  t:\n    experiment_name: e\n    batch_endpoint: { endpoint_name: b }\n    inputs: { d: { type: literal, path: x } }\n`,
      /inputs\.d\.path is for uri_file \/ uri_folder \/ mltable inputs; a literal input takes value/,
    ],
    [
      'continue_on_step_failure on a batch endpoint',
      `targets:\n  t:\n    experiment_name: e\n    batch_endpoint: { endpoint_name: b }\n    continue_on_step_failure: true\n`,
      /cannot be passed to a batch endpoint/,
    ],
    [
      'an unset setting in an endpoint name',
      `targets:\n  t:\n    experiment_name: e\n    batch_endpoint: { endpoint_name: "%NOPE%" }\n`,
      /NOPE/,
    ],
  ];
  it.each(refused)('refuses %s, naming file, line and field', (_name, text, message) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toMatch(/^Invalid targets file pipelines\.yaml: .*pipelines\.yaml:\d+:\d+: /);
    expect(result.error.message).toMatch(message);
  });
});
