import { describe, expect, it } from 'vitest';
import { privateLinkServiceHost, regionalServiceHost } from '../../src/aml/constants';
import { buildSubmitUrl, checkEndpointUrl, explicitOrNeedsHost } from '../../src/aml/endpoint';
import type { PipelineTarget } from '../../src/aml/types';

const ws = { subscriptionId: 'sub-1', resourceGroup: 'rg 1', workspaceName: 'mlw' };
const host = 'https://westeurope.api.azureml.ms';
const prefix = `${host}/pipelines/v1.0/subscriptions/sub-1/resourceGroups/rg%201/providers/Microsoft.MachineLearningServices/workspaces/mlw/PipelineRuns`;

describe('submit URLs', () => {
  it('builds the published pipeline URL the studio shows', () => {
    expect(buildSubmitUrl(host, ws, { kind: 'published', pipelineId: 'a1b2' })).toBe(`${prefix}/PipelineSubmit/a1b2`);
    expect(buildSubmitUrl(`${host}/`, ws, { kind: 'published', pipelineId: 'a1b2' })).toBe(
      `${prefix}/PipelineSubmit/a1b2`,
    );
  });

  it('builds pipeline endpoint URLs by id, id and version, and name', () => {
    expect(buildSubmitUrl(host, ws, { kind: 'endpoint', pipelineEndpointId: 'pe' })).toBe(
      `${prefix}/PipelineEndpointSubmit/Id/pe`,
    );
    expect(buildSubmitUrl(host, ws, { kind: 'endpoint', pipelineEndpointId: 'pe', version: '0' })).toBe(
      `${prefix}/PipelineEndpointSubmit/Id/pe/0`,
    );
    expect(buildSubmitUrl(host, ws, { kind: 'endpointByName', pipelineEndpointName: 'nightly scoring' })).toBe(
      `${prefix}/PipelineEndpointSubmit/Name?name=nightly+scoring`,
    );
    expect(buildSubmitUrl(host, ws, { kind: 'endpointByName', pipelineEndpointName: 'n', version: '3' })).toBe(
      `${prefix}/PipelineEndpointSubmit/Name?name=n&pipelineVersion=3`,
    );
  });

  it('prefers an explicit URL over ids', () => {
    const target: PipelineTarget = {
      name: 't',
      endpointUrl: 'https://x.api.azureml.ms/pipelines/v1.0/p',
      workspace: ws,
      pipeline: { kind: 'published', pipelineId: 'a' },
      experimentName: 'e',
      parameterAssignments: {},
      dataPathAssignments: {},
    };
    expect(explicitOrNeedsHost(target)).toEqual({
      ok: true,
      value: { url: 'https://x.api.azureml.ms/pipelines/v1.0/p' },
    });
    const byIds = { ...target, endpointUrl: undefined };
    expect(explicitOrNeedsHost(byIds)).toEqual({
      ok: true,
      value: { workspace: ws, pipeline: { kind: 'published', pipelineId: 'a' } },
    });
  });

  it('accepts https, and http only for loopback', () => {
    expect(checkEndpointUrl('https://a.example/x', 'f').ok).toBe(true);
    expect(checkEndpointUrl('http://127.0.0.1:8080/x', 'f').ok).toBe(true);
    expect(checkEndpointUrl('http://localhost:8080/x', 'f').ok).toBe(true);
    const insecure = checkEndpointUrl('http://a.example/x', 'targets.t.endpointUrl');
    expect(insecure).toMatchObject({
      ok: false,
      error: { code: 'aml.endpoint.insecure', field: 'targets.t.endpointUrl' },
    });
    expect(checkEndpointUrl('not a url', 'f')).toMatchObject({ ok: false, error: { code: 'aml.endpoint.invalid' } });
  });

  it('derives regional and private-link hosts', () => {
    expect(regionalServiceHost('westeurope')).toBe('https://westeurope.api.azureml.ms');
    expect(privateLinkServiceHost('0A1B-2C', 'eastus2')).toBe('https://0a1b-2c.workspace.eastus2.api.azureml.ms');
  });
});
