/**
 * Submit URLs (pure). A target's explicit `endpointUrl` always wins; otherwise the URL is built from the
 * workspace ids, the pipeline reference and the workspace's service host (see constants.ts for how the
 * host is found):
 *
 *   {host}/pipelines/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices
 *     /workspaces/{ws}/PipelineRuns/PipelineSubmit/{pipelineId}
 *   .../PipelineRuns/PipelineEndpointSubmit/Id/{pipelineEndpointId}[/{version}]
 *   .../PipelineRuns/PipelineEndpointSubmit/Name?name={name}[&pipelineVersion={version}]
 */
import { err, ok, type AppError, type Result } from '../errors';
import { SUBMIT_PATH_PREFIX } from './constants';
import type { PipelineRef, PipelineTarget, WorkspaceRef } from './types';

export function workspaceArmId(workspace: WorkspaceRef): string {
  return (
    `/subscriptions/${encodeURIComponent(workspace.subscriptionId)}` +
    `/resourceGroups/${encodeURIComponent(workspace.resourceGroup)}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(workspace.workspaceName)}`
  );
}

/** Builds the submit URL for a pipeline in a workspace served by `serviceHost` (e.g. `https://westeurope.api.azureml.ms`). */
export function buildSubmitUrl(serviceHost: string, workspace: WorkspaceRef, pipeline: PipelineRef): string {
  const base = `${serviceHost.replace(/\/+$/, '')}${SUBMIT_PATH_PREFIX}${workspaceArmId(workspace)}/PipelineRuns`;
  switch (pipeline.kind) {
    case 'published':
      return `${base}/PipelineSubmit/${encodeURIComponent(pipeline.pipelineId)}`;
    case 'endpoint': {
      const version =
        pipeline.version === undefined || pipeline.version === '' ? '' : `/${encodeURIComponent(pipeline.version)}`;
      return `${base}/PipelineEndpointSubmit/Id/${encodeURIComponent(pipeline.pipelineEndpointId)}${version}`;
    }
    case 'endpointByName': {
      const query = new URLSearchParams({ name: pipeline.pipelineEndpointName });
      if (pipeline.version !== undefined && pipeline.version !== '') query.set('pipelineVersion', pipeline.version);
      return `${base}/PipelineEndpointSubmit/Name?${query.toString()}`;
    }
  }
}

/** A short human description of what a target submits to, for messages. */
export function describePipeline(target: PipelineTarget): string {
  if (target.v2?.kind === 'pipeline_job')
    return `pipeline component ${target.v2.componentName} (version ${target.v2.componentVersion})`;
  if (target.v2?.kind === 'batch_endpoint')
    return `batch endpoint ${target.v2.endpointName}${target.v2.deployment ? ` (deployment ${target.v2.deployment})` : ''}`;
  const p = target.pipeline;
  if (!p) return target.endpointUrl ? `endpoint ${target.endpointUrl}` : 'an unspecified pipeline';
  switch (p.kind) {
    case 'published':
      return `published pipeline ${p.pipelineId}`;
    case 'endpoint':
      return `pipeline endpoint ${p.pipelineEndpointId}${p.version === undefined ? '' : ` version ${p.version}`}`;
    case 'endpointByName':
      return `pipeline endpoint "${p.pipelineEndpointName}"${p.version === undefined ? '' : ` version ${p.version}`}`;
  }
}

export function describeWorkspace(target: PipelineTarget): string {
  const ws = target.workspace;
  if (ws) return `${ws.workspaceName} (resource group ${ws.resourceGroup}, subscription ${ws.subscriptionId})`;
  const fromUrl = target.endpointUrl ? /\/workspaces\/([^/?#]+)/i.exec(target.endpointUrl)?.[1] : undefined;
  return fromUrl ? decodeURIComponent(fromUrl) : 'the configured workspace';
}

/**
 * Validates an explicit endpoint URL: absolute https (http only for loopback hosts, where local fakes and
 * emulators run: a bearer token must never travel in clear over a network).
 */
export function checkEndpointUrl(url: string, field: string): Result<URL, AppError> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return err({
      code: 'aml.endpoint.invalid',
      message: `${field} is not an absolute URL: ${JSON.stringify(url)}. Give the full submit URL shown for the pipeline in Azure ML studio (https://<region>.api.azureml.ms/pipelines/v1.0/...).`,
      field,
      value: url,
      status: 500,
    });
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    return err({
      code: 'aml.endpoint.insecure',
      message: `${field} must use https (http is allowed only for loopback hosts): ${JSON.stringify(url)}.`,
      field,
      value: url,
      status: 500,
    });
  }
  return ok(parsed);
}

/**
 * The submit URL for a target when no ARM lookup is needed: the explicit URL, else undefined (the caller
 * resolves the workspace's service host first), or an error when the target names neither.
 */
export function explicitOrNeedsHost(
  target: PipelineTarget,
): Result<{ url: string } | { workspace: WorkspaceRef; pipeline: PipelineRef }, AppError> {
  if (target.endpointUrl) {
    const checked = checkEndpointUrl(target.endpointUrl, `targets.${target.name}.endpointUrl`);
    return checked.ok ? ok({ url: target.endpointUrl }) : checked;
  }
  if (target.workspace && target.pipeline) return ok({ workspace: target.workspace, pipeline: target.pipeline });
  return err({
    code: 'aml.target.incomplete',
    message: `Target "${target.name}" gives neither an endpointUrl nor both a workspace (subscriptionId, resourceGroup, workspaceName) and a pipeline id: add one of them to the target.`,
    field: `targets.${target.name}`,
    status: 500,
  });
}
