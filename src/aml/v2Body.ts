/**
 * The Azure ML v2 wire bodies (pure), built from the one submission body (submission.ts) so the timer,
 * reactive and HTTP paths reach a v2 target exactly as they reach a v1 pipeline (../shared/spec/aml-v2.md).
 *
 * Inputs, one model for every kind (`v2Inputs`), later entries winning:
 *   1. the target's declared `inputs` that carry a path or value;
 *   2. ParameterAssignments: a literal (the value as text), or the uri of an input the target declares as
 *      uri_file / uri_folder;
 *   3. DataPathAssignments: `azureml://datastores/<DataStoreName>/paths/<RelativePath>`, typed by the
 *      target's declaration of that input (a v1 DataPath does not say file or folder, so an undeclared
 *      one is refused, naming what to declare);
 *   4. the submission's own `Inputs`: an HTTP request's in v2 terms, the reactive blob (a uri_file).
 * DataSetDefinitionValueAssignments (v1 datasets) have no v2 counterpart and are refused. Schedules are
 * checked with this at start-up (`resolveScheduleTarget`), HTTP requests when they arrive (400).
 *
 * The job name: the submission key as it is (`[a-z0-9-]`, ≤ 57 characters; see submissionKey.ts), so
 * the create of one occurrence / blob version / HTTP request names the same job on every attempt and a
 * later reconciliation GETs it by that name.
 */
import { err, ok, type AppError, type Result } from '../errors';
import { SUBMISSION_KEY_NAME } from './constants';
import { datastoreUri } from './submission';
import type { PipelineTarget, SubmissionBody, V2Input, WorkspaceRef } from './types';

/** A v2 input with what it carries (declared-only inputs are dropped before sending). */
export type FilledInput =
  { type: 'uri_file' | 'uri_folder'; uri: string; mode?: string } | { type: 'literal'; value: string };

function unmapped(target: PipelineTarget, field: string, value: unknown, message: string): AppError {
  return {
    code: 'aml.v2.input_unmapped',
    status: 400,
    field,
    value,
    source: `target ${target.name}`,
    message: `${field} cannot be passed to ${target.v2?.kind ?? 'v2'} target ${target.name}: ${message}`,
  };
}

function filled(input: V2Input): FilledInput | undefined {
  if (input.type === 'literal') return input.value === undefined ? undefined : { type: 'literal', value: input.value };
  return input.uri === undefined
    ? undefined
    : { type: input.type, uri: input.uri, ...(input.mode !== undefined ? { mode: input.mode } : {}) };
}

/** The inputs a v2 target's job gets for `body`, or every field that cannot be mapped (one error). */
export function v2Inputs(target: PipelineTarget, body: SubmissionBody): Result<Record<string, FilledInput>, AppError> {
  const declared = target.inputs ?? {};
  const out: Record<string, FilledInput> = {};
  const errors: AppError[] = [];
  for (const [name, input] of Object.entries(declared)) {
    const f = filled(input);
    if (f) out[name] = f;
  }
  for (const [name, value] of Object.entries(body.ParameterAssignments ?? {})) {
    const d = declared[name];
    if (d && d.type !== 'literal') {
      if (typeof value !== 'string')
        errors.push(
          unmapped(
            target,
            `ParameterAssignments.${name}`,
            value,
            `input ${name} is declared ${d.type}, so its value must be a path (text), not ${typeof value}.`,
          ),
        );
      else out[name] = { type: d.type, uri: value, ...(d.mode !== undefined ? { mode: d.mode } : {}) };
    } else out[name] = { type: 'literal', value: String(value) };
  }
  for (const [name, path] of Object.entries(body.DataPathAssignments ?? {})) {
    const d = declared[name];
    const field = `DataPathAssignments.${name}`;
    if (!d)
      errors.push(
        unmapped(
          target,
          field,
          path,
          `a v1 DataPath does not say whether it is a file or a folder; declare inputs.${name} with type uri_file or uri_folder in the target, or send it in ParameterAssignments as a literal.`,
        ),
      );
    else if (d.type === 'literal')
      errors.push(
        unmapped(target, field, path, `input ${name} is declared literal; send its value in ParameterAssignments.`),
      );
    else
      out[name] = {
        type: d.type,
        uri: datastoreUri(path.DataStoreName, path.RelativePath),
        ...(d.mode !== undefined ? { mode: d.mode } : {}),
      };
  }
  for (const [name, input] of Object.entries(body.Inputs ?? {})) {
    const d = declared[name];
    if (d && d.type !== input.type) {
      errors.push(
        unmapped(
          target,
          `Inputs.${name}`,
          undefined,
          `it is given as a ${input.type} input (a reactive schedule passes its blob as uri_file), but the target declares ${name} as ${d.type}; give the declared type, or declare it ${input.type}.`,
        ),
      );
      continue;
    }
    const f = filled(
      d && d.type !== 'literal' && d.mode !== undefined && input.type !== 'literal'
        ? { ...input, mode: d.mode }
        : input,
    );
    if (f) out[name] = f;
  }
  if (
    body.DataSetDefinitionValueAssignments !== undefined &&
    Object.keys(body.DataSetDefinitionValueAssignments).length > 0
  )
    errors.push(
      unmapped(
        target,
        'DataSetDefinitionValueAssignments',
        undefined,
        "v1 datasets have no v2 counterpart; pass the data as a uri_file / uri_folder input (declare it in the target's inputs).",
      ),
    );
  if (errors.length === 1) return err(errors[0]!);
  if (errors.length > 1)
    return err({
      ...errors[0]!,
      message: `${errors.length} inputs cannot be mapped: ${errors.map((e) => e.message).join(' ')}`,
      errors,
    });
  return ok(out);
}

/** The job name for a submission key: the key itself (see the module comment). */
export function jobNameFor(key: string): string {
  return key;
}

export function workspacePath(ws: WorkspaceRef): string {
  return `/subscriptions/${encodeURIComponent(ws.subscriptionId)}/resourceGroups/${encodeURIComponent(ws.resourceGroup)}/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(ws.workspaceName)}`;
}

/** ARM id of a component version (the pipeline job's `componentId`). */
export function componentVersionId(ws: WorkspaceRef, name: string, version: string): string {
  return `${workspacePath(ws)}/components/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
}

/** Tags and properties of a v2 job: the submission's tags, RunSource, and the submission key in both. */
function marks(
  body: SubmissionBody,
  key: string | undefined,
): { tags: Record<string, string>; properties: Record<string, string> } {
  const keyed: Record<string, string> = key !== undefined ? { [SUBMISSION_KEY_NAME]: key } : {};
  return {
    tags: { ...(body.Tags ?? {}), ...keyed },
    properties: {
      ...(body.Properties ?? {}),
      ...(body.RunSource !== undefined ? { 'aml-triggers.run_source': body.RunSource } : {}),
      ...keyed,
    },
  };
}

/**
 * The ARM `PUT …/jobs/<name>` body of a pipeline job from a registered component (aml-v2.md: lower-case
 * `jobInputType` values; `settings` with snake_case keys as the service stores them).
 */
export function pipelineJobBody(
  target: PipelineTarget,
  body: SubmissionBody,
  inputs: Record<string, FilledInput>,
  componentId: string,
  key: string | undefined,
): Record<string, unknown> {
  const v2 = target.v2?.kind === 'pipeline_job' ? target.v2 : undefined;
  const s = v2?.settings ?? {};
  const cont = body.ContinueRunOnStepFailure ?? s.continueOnStepFailure;
  const settings = {
    ...(cont !== undefined ? { continue_on_step_failure: cont } : {}),
    ...(s.defaultCompute !== undefined ? { default_compute: s.defaultCompute } : {}),
    ...(s.defaultDatastore !== undefined ? { default_datastore: s.defaultDatastore } : {}),
  };
  const wire: Record<string, unknown> = {};
  for (const [name, i] of Object.entries(inputs)) {
    wire[name] =
      i.type === 'literal'
        ? { jobInputType: 'literal', value: i.value }
        : { jobInputType: i.type, uri: i.uri, ...(i.mode !== undefined ? { mode: i.mode } : {}) };
  }
  return {
    properties: {
      jobType: 'Pipeline',
      componentId,
      experimentName: body.ExperimentName,
      ...(v2?.displayName !== undefined ? { displayName: v2.displayName } : {}),
      ...(body.Description !== undefined ? { description: body.Description } : {}),
      inputs: wire,
      ...(Object.keys(settings).length > 0 ? { settings } : {}),
      ...marks(body, key),
    },
  };
}

const BATCH_INPUT_TYPE = { uri_file: 'UriFile', uri_folder: 'UriFolder', literal: 'Literal' } as const;

/**
 * The batch endpoint invoke body (aml-v2.md: PascalCase `JobInputType` / `Uri` / `Value` under
 * `properties.InputData`), with the chosen job name in `properties.name` (what the newest azure-ai-ml
 * sends) and the key in tags and properties (batch jobs run under an experiment the endpoint chooses).
 */
export function batchInvokeBody(
  body: SubmissionBody,
  inputs: Record<string, FilledInput>,
  jobName: string,
  key: string | undefined,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [name, i] of Object.entries(inputs)) {
    data[name] =
      i.type === 'literal'
        ? { JobInputType: BATCH_INPUT_TYPE.literal, Value: i.value }
        : { JobInputType: BATCH_INPUT_TYPE[i.type], Uri: i.uri };
  }
  return {
    properties: {
      name: jobName,
      ...(body.Description !== undefined ? { description: body.Description } : {}),
      InputData: data,
      ...marks(body, key),
    },
  };
}
