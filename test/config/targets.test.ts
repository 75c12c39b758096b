import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTargets, parseTargets } from '../../src/config/targets';
import type { AppError } from '../../src/errors';

const SUB = '11111111-2222-3333-4444-555555555555';

function invalid(text: string, format: 'yaml' | 'json' = 'yaml', env: Record<string, string> = {}): AppError {
  const r = parseTargets(text, `config/pipelines.${format}`, format, env);
  if (r.ok) throw new Error('expected the file to be refused');
  return r.error;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function appRoot(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'targets-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'host.json'), '{}');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const validYaml = `
targets:
  nightly:
    description: Nightly retrain
    workspace:
      subscription_id: ${SUB}
      resource_group: ml-rg
      workspace_name: ml-ws
    pipeline_id: 7f3a-published
    experiment_name: nightly-retrain
    parameters:
      epochs: 10
      rate: 0.5
      full: true
      label: "x"
    data_paths:
      input_data: { datastore: workspaceblobstore, path: landing/ }
    continue_on_step_failure: true
    tags: { team: ml }
  versioned:
    workspace: { subscription_id: ${SUB}, resource_group: ml-rg, workspace_name: ml-ws }
    pipeline_endpoint_id: pe-123
    pipeline_version: 2
    experiment_name: versioned
  by-name:
    workspace: { subscription_id: ${SUB}, resource_group: ml-rg, workspace_name: ml-ws }
    pipeline_endpoint_name: scoring
    experiment_name: scoring
  explicit:
    endpoint_url: https://westeurope.api.azureml.ms/pipelines/v1.0/x/PipelineRuns/PipelineSubmit/abc
    experiment_name: explicit
`;

describe('targets file: valid documents', () => {
  it('maps every target to a PipelineTarget (YAML)', () => {
    const r = parseTargets(validYaml, 'config/pipelines.yaml', 'yaml', {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([...r.value.targets.keys()]).toEqual(['nightly', 'versioned', 'by-name', 'explicit']);
    expect(r.value.targets.get('nightly')).toEqual({
      name: 'nightly',
      description: 'Nightly retrain',
      workspace: { subscriptionId: SUB, resourceGroup: 'ml-rg', workspaceName: 'ml-ws' },
      pipeline: { kind: 'published', pipelineId: '7f3a-published' },
      experimentName: 'nightly-retrain',
      parameterAssignments: { epochs: 10, rate: 0.5, full: true, label: 'x' },
      dataPathAssignments: { input_data: { DataStoreName: 'workspaceblobstore', RelativePath: 'landing/' } },
      continueOnStepFailure: true,
      tags: { team: 'ml' },
    });
    // A YAML integer version becomes the string the service uses.
    expect(r.value.targets.get('versioned')?.pipeline).toEqual({
      kind: 'endpoint',
      pipelineEndpointId: 'pe-123',
      version: '2',
    });
    expect(r.value.targets.get('by-name')?.pipeline).toEqual({
      kind: 'endpointByName',
      pipelineEndpointName: 'scoring',
    });
    const explicit = r.value.targets.get('explicit');
    expect(explicit?.endpointUrl).toBe(
      'https://westeurope.api.azureml.ms/pipelines/v1.0/x/PipelineRuns/PipelineSubmit/abc',
    );
    expect(explicit?.workspace).toBeUndefined();
    expect(explicit?.pipeline).toBeUndefined();
  });

  it('reads the same targets from JSON', () => {
    const json = JSON.stringify({
      $schema: '../src/config/targets.schema.json',
      targets: {
        nightly: {
          workspace: { subscription_id: SUB, resource_group: 'rg', workspace_name: 'ws' },
          pipeline_id: 'p1',
          experiment_name: 'e1',
          parameters: { a: 1 },
        },
      },
    });
    const r = parseTargets(json, 'config/pipelines.json', 'json', {});
    expect(r.ok && r.value.targets.get('nightly')?.parameterAssignments).toEqual({ a: 1 });
  });

  it('resolves %SETTING% references from app settings, inside strings too, with %% for a literal %', () => {
    const yaml = `
targets:
  t:
    workspace: { subscription_id: "%ML_SUB%", resource_group: "%ML_RG%", workspace_name: ws-%ENV_NAME% }
    pipeline_id: "%PIPELINE%"
    experiment_name: exp
    parameters: { secret: "%STORAGE_KEY%", share: "50%% sample", loose: "50% sample" }
`;
    const env = { ML_SUB: SUB, ML_RG: 'rg-prod', ENV_NAME: 'prod', PIPELINE: 'p-9', STORAGE_KEY: 's3cr3t' };
    const r = parseTargets(yaml, 'p.yaml', 'yaml', env);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const t = r.value.targets.get('t');
    expect(t?.workspace).toEqual({ subscriptionId: SUB, resourceGroup: 'rg-prod', workspaceName: 'ws-prod' });
    expect(t?.pipeline).toEqual({ kind: 'published', pipelineId: 'p-9' });
    expect(t?.parameterAssignments).toEqual({ secret: 's3cr3t', share: '50% sample', loose: '50% sample' });
    expect(r.value.settingExpressions.get('targets.t.parameters.secret')).toBe('%STORAGE_KEY%');
  });

  it('gives targets without a workspace the default workspace from AML_* settings', () => {
    const yaml = 'targets:\n  t:\n    pipeline_id: p\n    experiment_name: e\n';
    const env = { AML_SUBSCRIPTION_ID: SUB, AML_RESOURCE_GROUP: 'rg', AML_WORKSPACE_NAME: 'ws' };
    const r = parseTargets(yaml, 'p.yaml', 'yaml', env);
    expect(r.ok && r.value.targets.get('t')?.workspace).toEqual({
      subscriptionId: SUB,
      resourceGroup: 'rg',
      workspaceName: 'ws',
    });
  });
});

describe('targets file: each invalid document names file, line:column, path and problem', () => {
  const ws = `workspace: { subscription_id: ${SUB}, resource_group: rg, workspace_name: ws }`;
  const cases: Array<{
    name: string;
    text: string;
    format?: 'yaml' | 'json';
    env?: Record<string, string>;
    code: string;
    field?: string;
    message: RegExp[];
  }> = [
    {
      name: 'YAML syntax error',
      text: 'targets:\n  t: [unclosed\n',
      code: 'config.syntax',
      message: [/config\/pipelines\.yaml:\d+:\d+/, /not valid YAML/],
    },
    {
      name: 'JSON syntax error',
      text: '{ "targets": { "t": { } , } }',
      format: 'json',
      code: 'config.syntax',
      message: [/config\/pipelines\.json:1:\d+/, /not valid JSON/],
    },
    {
      name: 'duplicate key',
      text: `targets:\n  t:\n    ${ws}\n    pipeline_id: a\n    pipeline_id: b\n    experiment_name: e\n`,
      code: 'config.duplicate_key',
      message: [/config\/pipelines\.yaml:5:5/, /twice/],
    },
    {
      name: 'missing targets',
      text: 'pipelines: {}\n',
      code: 'config.invalid',
      field: 'targets',
      message: [/pipelines is not a known field/, /targets is required/],
    },
    {
      name: 'unknown field in a target, with a suggestion',
      text: `targets:\n  t:\n    ${ws}\n    pipeline_id: a\n    experiment_name: e\n    paramters: { a: 1 }\n`,
      code: 'config.field.unknown',
      field: 'targets.t.paramters',
      message: [
        /config\/pipelines\.yaml:6:5: targets\.t\.paramters is not a known field \(did you mean parameters\?\)/,
      ],
    },
    {
      name: 'wrong type',
      text: `targets:\n  t:\n    ${ws}\n    pipeline_id: a\n    experiment_name: e\n    continue_on_step_failure: "yes"\n`,
      code: 'config.field.type',
      field: 'targets.t.continue_on_step_failure',
      message: [/:6:5: targets\.t\.continue_on_step_failure must be true or false, not a string \(value "yes"\)/],
    },
    {
      name: 'parameter value that is a list',
      text: `targets:\n  t:\n    ${ws}\n    pipeline_id: a\n    experiment_name: e\n    parameters:\n      epochs: [1, 2]\n`,
      code: 'config.field.type',
      field: 'targets.t.parameters.epochs',
      message: [/:7:7: targets\.t\.parameters\.epochs must be a string, a number or true or false, not a list/],
    },
    {
      name: 'two pipeline references',
      text: `targets:\n  t:\n    ${ws}\n    pipeline_id: a\n    pipeline_endpoint_id: b\n    experiment_name: e\n`,
      code: 'config.target.pipeline_ref',
      field: 'targets.t',
      message: [
        /:2:3: targets\.t needs exactly one of endpoint_url, pipeline_id, pipeline_endpoint_id, pipeline_endpoint_name/,
        /found pipeline_id, pipeline_endpoint_id/,
      ],
    },
    {
      name: 'no pipeline reference',
      text: `targets:\n  t:\n    ${ws}\n    experiment_name: e\n`,
      code: 'config.target.pipeline_ref',
      field: 'targets.t',
      message: [/found none of them/],
    },
    {
      name: 'pipeline_version with a published pipeline',
      text: `targets:\n  t:\n    ${ws}\n    pipeline_id: a\n    pipeline_version: "1"\n    experiment_name: e\n`,
      code: 'config.target.pipeline_ref',
      field: 'targets.t',
      message: [/found pipeline_id, pipeline_version/],
    },
    {
      name: 'bad target name',
      text: `targets:\n  "has space":\n    ${ws}\n    pipeline_id: a\n    experiment_name: e\n`,
      code: 'config.target.name',
      field: 'targets["has space"]',
      message: [/:2:3: targets\["has space"\] has an invalid name/],
    },
    {
      name: 'bad subscription id',
      text: `targets:\n  t:\n    workspace: { subscription_id: not-a-guid, resource_group: rg, workspace_name: ws }\n    pipeline_id: a\n    experiment_name: e\n`,
      code: 'config.field.format',
      field: 'targets.t.workspace.subscription_id',
      message: [/:3:18: targets\.t\.workspace\.subscription_id must be a subscription id/],
    },
    {
      name: 'plain http endpoint to a remote host',
      text: 'targets:\n  t:\n    endpoint_url: http://example.com/submit\n    experiment_name: e\n',
      code: 'config.field.format',
      field: 'targets.t.endpoint_url',
      message: [/:3:5: targets\.t\.endpoint_url must be an https:\/\/ URL/],
    },
    {
      name: 'missing experiment_name',
      text: `targets:\n  t:\n    ${ws}\n    pipeline_id: a\n`,
      code: 'config.field.required',
      field: 'targets.t.experiment_name',
      message: [/:2:3: targets\.t\.experiment_name is required/],
    },
    {
      name: 'data path without path',
      text: `targets:\n  t:\n    ${ws}\n    pipeline_id: a\n    experiment_name: e\n    data_paths:\n      input: { datastore: blobs }\n`,
      code: 'config.field.required',
      field: 'targets.t.data_paths.input.path',
      message: [/:7:7: targets\.t\.data_paths\.input\.path is required/],
    },
    {
      name: 'no workspace and no default workspace settings',
      text: 'targets:\n  t:\n    pipeline_id: a\n    experiment_name: e\n',
      env: { AML_SUBSCRIPTION_ID: SUB },
      code: 'config.target.workspace_missing',
      field: 'targets.t',
      message: [/:2:3: targets\.t does not say which workspace/, /missing: AML_RESOURCE_GROUP, AML_WORKSPACE_NAME/],
    },
    {
      name: 'missing app setting',
      text: `targets:\n  t:\n    ${ws}\n    pipeline_id: "%NIGHTLY_PIPELINE_ID%"\n    experiment_name: e\n`,
      code: 'config.setting.missing',
      field: 'targets.t.pipeline_id',
      message: [/:4:5: targets\.t\.pipeline_id refers to app setting NIGHTLY_PIPELINE_ID/, /not set/],
    },
    {
      name: 'invalid value that came from an app setting (value not shown)',
      text: 'targets:\n  t:\n    workspace: { subscription_id: "%SUB%", resource_group: rg, workspace_name: ws }\n    pipeline_id: a\n    experiment_name: e\n',
      env: { SUB: 'oops-secretish' },
      code: 'config.field.format',
      field: 'targets.t.workspace.subscription_id',
      message: [/value from app setting SUB/],
    },
    {
      name: 'JSON file: problem positions work for JSON too',
      text: `{\n  "targets": {\n    "t": {\n      "pipeline_id": "a",\n      "experiment_name": 42,\n      "workspace": {"subscription_id": "${SUB}", "resource_group": "r", "workspace_name": "w"}\n    }\n  }\n}`,
      format: 'json',
      code: 'config.field.type',
      field: 'targets.t.experiment_name',
      message: [
        /config\/pipelines\.json:5:7: targets\.t\.experiment_name must be a string, not an integer \(value 42\)/,
      ],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const error = invalid(c.text, c.format ?? 'yaml', c.env ?? {});
      expect(error.code).toBe(c.code);
      expect(error.source).toBe(`config/pipelines.${c.format ?? 'yaml'}`);
      if (c.field !== undefined) expect(error.field).toBe(c.field);
      expect(error.message).toMatch(/^(Invalid targets file )?config\/pipelines\.(yaml|json)/);
      for (const m of c.message) expect(error.message).toMatch(m);
      if (error.code === 'config.field.format' && c.env) expect(error.message).not.toContain('oops-secretish');
    });
  }

  it('reports a value whose setting is missing once, as the missing setting', () => {
    const error = invalid(
      'targets:\n  t:\n    workspace: { subscription_id: "%SUB%", resource_group: rg, workspace_name: ws }\n    pipeline_id: a\n    experiment_name: e\n',
    );
    expect(error.code).toBe('config.setting.missing');
    expect(error.errors?.map((e) => e.field)).toEqual(['targets.t.workspace.subscription_id']);
  });

  it('reports every problem at once, in file order', () => {
    const text = `targets:\n  a:\n    pipeline_id: 1\n    experiment_name: e\n  b:\n    pipeline_id: x\n    experiment_nam: e\n`;
    const error = invalid(text, 'yaml', {
      AML_SUBSCRIPTION_ID: SUB,
      AML_RESOURCE_GROUP: 'rg',
      AML_WORKSPACE_NAME: 'ws',
    });
    expect(error.code).toBe('config.invalid');
    expect(error.errors?.map((e) => e.field)).toEqual([
      'targets.a.pipeline_id',
      'targets.b.experiment_name',
      'targets.b.experiment_nam',
    ]);
    expect(error.message).toMatch(
      /3 problems: \(1\) config\/pipelines\.yaml:3:5: targets\.a\.pipeline_id must be a string/,
    );
  });
});

describe('loadTargets: where the file is', () => {
  it('reads config/pipelines.yaml under the app root by default', () => {
    const root = appRoot({
      'config/pipelines.yaml': 'targets:\n  t:\n    endpoint_url: https://h/x\n    experiment_name: e\n',
    });
    const r = loadTargets({ appRoot: root, env: {} });
    expect(r.ok && [...r.value.targets.keys()]).toEqual(['t']);
  });

  it('falls back to config/pipelines.json', () => {
    const root = appRoot({
      'config/pipelines.json': '{"targets":{"j":{"endpoint_url":"https://h/x","experiment_name":"e"}}}',
    });
    const r = loadTargets({ appRoot: root, env: {} });
    expect(r.ok && [...r.value.targets.keys()]).toEqual(['j']);
  });

  it('uses AML_TARGETS_FILE, relative to the app root, and names it in errors', () => {
    const root = appRoot({
      'settings/targets.yml': 'targets:\n  t:\n    experiment_name: e\n    endpoint_url: ftp://h/x\n',
    });
    const r = loadTargets({ appRoot: root, env: { AML_TARGETS_FILE: 'settings/targets.yml' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.source).toBe('settings/targets.yml');
    expect(r.error.message).toMatch(
      /^Invalid targets file settings\/targets\.yml: settings\/targets\.yml:4:5: targets\.t\.endpoint_url/,
    );
  });

  it('refuses an AML_TARGETS_FILE that does not exist', () => {
    const root = appRoot({});
    const r = loadTargets({ appRoot: root, env: { AML_TARGETS_FILE: 'config/nope.yaml' } });
    expect(!r.ok && r.error.code).toBe('config.file.missing');
    expect(!r.ok && r.error.message).toMatch(/AML_TARGETS_FILE names config\/nope\.yaml/);
  });

  it('refuses an AML_TARGETS_FILE that cannot be read, saying why and what to do', () => {
    const root = appRoot({ 'config/targets.yaml/readme.txt': 'a folder where the file should be' });
    const r = loadTargets({ appRoot: root, env: { AML_TARGETS_FILE: 'config/targets.yaml' } });
    expect(!r.ok && r.error.code).toBe('config.file.unreadable');
    expect(!r.ok && r.error.message).toMatch(
      /^config\/targets\.yaml cannot be read: EISDIR.*\. Make it a readable file deployed with the app, or correct app setting AML_TARGETS_FILE\.$/,
    );
  });

  it('refuses a file that is neither JSON nor YAML by name', () => {
    const root = appRoot({ 'targets.toml': '' });
    const r = loadTargets({ appRoot: root, env: { AML_TARGETS_FILE: 'targets.toml' } });
    expect(!r.ok && r.error.code).toBe('config.file.format');
  });

  it('with no file at all, has no targets and says so', () => {
    const root = appRoot({});
    const r = loadTargets({ appRoot: root, env: {} });
    expect(r.ok && r.value.targets.size).toBe(0);
    expect(r.ok && r.value.notice).toMatch(/No targets file/);
  });

  it('the shipped sample file is valid', () => {
    const r = loadTargets({
      env: {
        AML_TARGETS_FILE: 'config/pipelines.sample.yaml',
        AML_SUBSCRIPTION_ID: SUB,
        AML_RESOURCE_GROUP: 'rg',
        AML_WORKSPACE_NAME: 'ws',
        NIGHTLY_PIPELINE_ID: 'p',
      },
    });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.targets.size).toBeGreaterThan(0);
  });
});
