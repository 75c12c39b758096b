/**
 * A published pipeline's own status in Azure ML, as `PublishedPipeline.disable()` / `enable()` set it:
 * `PUT <pipelines base>/pipelines/<id>/status` with the status as a JSON string (the route and what was
 * found about it: constants.ts `pipelineStatusPath`). Opt-in per call (`--in-azure-ml` / `?inAzureMl=true`);
 * one attempt, never retried (the operator sees the answer and decides).
 *
 *   statusUrl(target, host?)   the URL (pure): from the target's explicit PipelineSubmit URL, else from the
 *                              workspace's service host and the published pipeline id
 *   statusError(...)           a refusal as an `aml.pipeline_status.*` error naming target, pipeline and what to do
 */
import { err, ok, type AppError, type Result } from '../errors';
import { pipelineStatusPath, SUBMIT_PATH_PREFIX } from './constants';
import { describeWorkspace, workspaceArmId } from './endpoint';
import type { PipelineTarget, WorkspaceRef } from './types';

export type PublishedPipelineStatus = 'Active' | 'Disabled';

export interface PipelineStatusResult {
  readonly url: string;
  readonly status: PublishedPipelineStatus;
  readonly pipelineId: string;
}

/** Sets a published pipeline's status in Azure ML (`createPipelineClient` implements it). */
export interface PipelineStatusSetter {
  setPublishedPipelineStatus(
    target: PipelineTarget,
    status: PublishedPipelineStatus,
  ): Promise<Result<PipelineStatusResult, AppError>>;
}

const SUBMIT_URL = /^(.*)\/PipelineRuns\/PipelineSubmit\/([^/?#]+)\/?$/i;

/** Where the status lives: `{ url }` when known from the target alone, `{ workspace, pipelineId }` when its service host must be looked up. */
export function statusLocation(
  target: PipelineTarget,
): Result<{ url: string; pipelineId: string } | { workspace: WorkspaceRef; pipelineId: string }, AppError> {
  if (target.endpointUrl) {
    const m = SUBMIT_URL.exec(target.endpointUrl.split('?')[0] ?? '');
    if (m) {
      const pipelineId = decodeURIComponent(m[2]!);
      return ok({ url: `${m[1]}${pipelineStatusPath(pipelineId)}`, pipelineId });
    }
    return err(notPublished(target));
  }
  if (target.pipeline?.kind === 'published' && target.workspace)
    return ok({ workspace: target.workspace, pipelineId: target.pipeline.pipelineId });
  return err(notPublished(target));
}

/** The status URL on a workspace's service host (e.g. `https://westeurope.api.azureml.ms`). */
export function statusUrlOnHost(host: string, workspace: WorkspaceRef, pipelineId: string): string {
  return `${host.replace(/\/+$/, '')}${SUBMIT_PATH_PREFIX}${workspaceArmId(workspace)}${pipelineStatusPath(pipelineId)}`;
}

function notPublished(target: PipelineTarget): AppError {
  return {
    code: 'aml.pipeline_status.not_published',
    status: 400,
    field: 'inAzureMl',
    value: target.name,
    message: `Target ${JSON.stringify(target.name)} does not name a published pipeline (a PipelineSubmit endpoint_url, or pipeline_id with a workspace), so its status in Azure ML cannot be set (pipeline endpoints have their own status, PipelineEndpoint.disable()); the app's own status was left unchanged. Leave out --in-azure-ml / inAzureMl to change only the app's status.`,
  };
}

/** A non-2xx answer, or no answer, as an error; the app's own status is left unchanged by the caller. */
export function statusError(
  target: PipelineTarget,
  pipelineId: string,
  status: PublishedPipelineStatus,
  answer: { status?: number; detail: string },
): AppError {
  const where = `published pipeline ${pipelineId} in workspace ${describeWorkspace(target)}`;
  const unchanged = `the app's own status of target ${JSON.stringify(target.name)} was left unchanged`;
  if (answer.status === 404) {
    return {
      code: 'aml.pipeline_status.not_found',
      status: 404,
      field: 'target',
      value: target.name,
      message: `Azure ML answered 404: it has no ${where} (${answer.detail}); ${unchanged}. Check the target's pipeline id and workspace, or leave out --in-azure-ml / inAzureMl.`,
    };
  }
  if (answer.status === 403 || answer.status === 401) {
    return {
      code: 'aml.pipeline_status.forbidden',
      status: 403,
      field: 'target',
      value: target.name,
      message: `Azure ML refused to set ${where} to ${status} (HTTP ${answer.status}: ${answer.detail}): the app's identity lacks the right to change published pipelines there (a role such as AzureML Data Scientist on the workspace); ${unchanged}. Grant the role, or leave out --in-azure-ml / inAzureMl.`,
    };
  }
  return {
    code: 'aml.pipeline_status.failed',
    status: 502,
    transient: answer.status === undefined || answer.status >= 500 || answer.status === 429,
    field: 'target',
    value: target.name,
    message: `Setting ${where} to ${status} in Azure ML failed (${answer.status === undefined ? answer.detail : `HTTP ${answer.status}: ${answer.detail}`}); ${unchanged}. Try again, or leave out --in-azure-ml / inAzureMl.`,
  };
}
