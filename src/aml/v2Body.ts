/**
 * The Azure ML v2 wire bodies (pure), built from the one submission body (submission.ts) so the timer,
 * reactive and HTTP paths reach a v2 target exactly as they reach a v1 pipeline (../shared/spec/aml-v2.md).
 *
 * Inputs, one model for every kind (`v2Inputs`), later entries winning:
 *   1. the target's declared `inputs` that carry a path or value;
 *   2. ParameterAssignments: a literal (the value as text), or the uri of an input the target declares as
 *      uri_file / uri_folder / mltable;
 *   3. DataPathAssignments: `azureml://datastores/<DataStoreName>/paths/<RelativePath>`, typed by the
 *      target's declaration of that input (a v1 DataPath does not say file or folder, so an undeclared
 *      one is refused, naming what to declare);
 *   4. the submission's own `Inputs`, in v2 terms: an HTTP request's `Inputs`; a schedule's `inputs`,
 *      then (reactive) the blob as a uri_file. An entry the target declares must have the declared type;
 *      it keeps the declared mode unless it gives its own. Names the target does not declare pass as
 *      given (the component's interface is not read).
 * So the one merge order, for every path: the target's inputs < the schedule's `inputs` < the blob; for
 * HTTP, the target's < the request's. DataSetDefinitionValueAssignments (v1 datasets) have no v2
 * counterpart and are refused. Schedules are checked with this at start-up and apply
 * (`resolveScheduleTarget`), HTTP requests when they arrive (400).
 *
 * The job name: the submission key as it is (`[a-z0-9-]`, ≤ 57 characters; see submissionKey.ts), so
 * the create of one occurrence / blob version / HTTP request names the same job on every attempt and a
 * later reconciliation GETs it by that name.
 */
import { err, ok, type AppError, type Result } from '../errors';
import { SUBMISSION_KEY_NAME } from './constants';
import { datastoreUri } from './submission';
import type { PipelineTarget, SubmissionBody, V2DataType, V2Input, WorkspaceRef } from './types';

/** Every v2 input type the app takes, in the words its messages use. */
export const V2_INPUT_TYPES_TEXT = 'uri_file, uri_folder, mltable or literal';

/**
 * An input as the files write it (the targets file's `inputs`, a schedule's `inputs`; the shape is
 * `$defs/v2Input` of targets.schema.json, which the schedule schema refers to): snake_case, `path` for
 * a uri input, `value` (string, number or boolean) for a literal.
 */
export interface FileInput {
  type: V2DataType | 'literal';
  path?: string;
  value?: string | number | boolean;
  mode?: string;
}

/** The app's form of an input written in a file (a literal's value as text, as the wire takes it). */
export function inputFromFile(raw: FileInput): V2Input {
  if (raw.type === 'literal')
    return { type: 'literal', ...(raw.value !== undefined ? { value: String(raw.value) } : {}) };
  return {
    type: raw.type,
    ...(raw.path !== undefined ? { uri: raw.path } : {}),
    ...(raw.mode !== undefined ? { mode: raw.mode } : {}),
  };
}

/** An input in the files' terms again (`uri` as `path`), for showing a definition as it was written. */
export function inputToFile(input: V2Input): FileInput {
  if (input.type === 'literal')
    return { type: 'literal', ...(input.value !== undefined ? { value: input.value } : {}) };
  return {
    type: input.type,
    ...(input.uri !== undefined ? { path: input.uri } : {}),
    ...(input.mode !== undefined ? { mode: input.mode } : {}),
  };
}

/** A problem of one input written in a file: the key at fault (absent: the input itself) and what to do. */
export interface FileInputProblem {
  key?: 'path' | 'value' | 'mode';
  message: string;
}

/**
 * What the JSON Schema cannot say about one input written in a file: a literal takes no path or mode, a
 * uri input no value. With `filled` (a schedule's inputs, which pass values rather than declare them), an
 * input must also carry its path or value (said only when nothing else is wrong with it).
 */
export function fileInputProblems(raw: FileInput, options: { filled?: boolean } = {}): FileInputProblem[] {
  const out: FileInputProblem[] = [];
  const literal = raw.type === 'literal';
  if (literal && raw.path !== undefined)
    out.push({ key: 'path', message: 'is for uri_file / uri_folder / mltable inputs; a literal input takes value.' });
  if (!literal && raw.value !== undefined)
    out.push({ key: 'value', message: `is for literal inputs; a ${raw.type} input takes path.` });
  if (literal && raw.mode !== undefined)
    out.push({ key: 'mode', message: 'is for uri_file / uri_folder / mltable inputs only.' });
  if (options.filled && out.length === 0 && (literal ? raw.value === undefined : raw.path === undefined))
    out.push({
      message: literal
        ? 'gives no value: a schedule passes inputs, so a literal input needs value (declare inputs without one in the target).'
        : `gives no path: a schedule passes inputs, so a ${raw.type} input needs path (azureml://datastores/<datastore>/paths/<path>, https://…, or azureml:<data asset>:<version>).`,
    });
  return out;
}

/** A v2 input with what it carries (declared-only inputs are dropped before sending). */
export type FilledInput = { type: V2DataType; uri: string; mode?: string } | { type: 'literal'; value: string };

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
  /** Where each input's value came from, for a message about it. */
  const from: Record<string, string> = {};
  const errors: AppError[] = [];
  for (const [name, input] of Object.entries(declared)) {
    const f = filled(input);
    if (f) [out[name], from[name]] = [f, `inputs.${name}`];
  }
  for (const [name, value] of Object.entries(body.ParameterAssignments ?? {})) {
    from[name] = `ParameterAssignments.${name}`;
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
    from[name] = field;
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
          `it is given as a ${input.type} input${input.type === 'uri_file' ? ' (a reactive schedule passes its blob as uri_file)' : ''}, but the target declares ${name} as ${d.type}; give the declared type, or declare it ${input.type}.`,
        ),
      );
      continue;
    }
    const f = filled(
      d && d.type !== 'literal' && d.mode !== undefined && input.type !== 'literal' && input.mode === undefined
        ? { ...input, mode: d.mode }
        : input,
    );
    if (f) [out[name], from[name]] = [f, `Inputs.${name}`];
  }
  if (target.v2?.kind === 'batch_endpoint')
    for (const [name, i] of Object.entries(out))
      if (i.type === 'mltable')
        errors.push(
          unmapped(
            target,
            from[name] ?? `Inputs.${name}`,
            undefined,
            `input ${name} is an mltable, which batch endpoints do not take ("Data assets of type table (MLTable) aren't currently supported"); pass the table's folder or file as uri_folder / uri_file, or use a pipeline_job target.`,
          ),
        );
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

/** Batch invoke spellings; no `mltable`: refused for batch endpoints by `v2Inputs` before a body is built. */
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
    if (i.type === 'mltable') throw new Error(`internal: mltable input ${name} reached a batch invoke body`);
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
