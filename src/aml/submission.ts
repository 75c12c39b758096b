/**
 * The one builder of a submission (pure): what the timer, the reactive handler, run-now and the HTTP
 * route send for a target. Each path says only what it adds (its tags, its overrides, the blob); the
 * rules are here once:
 *
 *   - ExperimentName: the request's, else the target's;
 *   - ParameterAssignments / DataPathAssignments: the target's, overridden key by key by the request's;
 *     always sent (possibly empty), as the v1 SDK sends them;
 *   - the reactive blob becomes the DataPath named by the schedule's `data_path_parameter_name` (for a v2
 *     target: the uri_file input of that name, `azureml://datastores/<ds>/paths/<path>`);
 *   - RunSource: the request's, else the app's (AML_RUN_SOURCE, default "SDK"), on every path;
 *   - Description: only what the caller passes (the HTTP route does not send the target's description);
 *   - Tags: the target's, overridden by the request's, omitted when none;
 *   - ContinueRunOnStepFailure: the request's, else the target's, omitted when neither says.
 *
 * The body is in v1 terms; a v2 target's wire body is built from it (see v2Body.ts).
 */
import type { DataPathAssignment, ParameterValue, PipelineTarget, SubmissionBody, V2Input } from './types';

/** A path in a registered datastore as v2 inputs name it. */
export function datastoreUri(datastore: string, path: string): string {
  return `azureml://datastores/${datastore}/paths/${path.replace(/^\/+/, '')}`;
}

/** The blob of a reactive schedule, as it reaches the pipeline. */
export interface BlobInput {
  /** The pipeline parameter (v1 DataPath) or input (v2 uri_file) it is passed as. */
  readonly parameter: string;
  readonly datastore: string;
  /** The blob's path inside the datastore. */
  readonly path: string;
}

export interface SubmissionRequest {
  /** `RunSource` unless the request sets its own. */
  readonly runSource: string;
  readonly experimentName?: string;
  readonly description?: string;
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  readonly dataPaths?: Readonly<Record<string, DataPathAssignment>>;
  readonly blob?: BlobInput;
  readonly tags?: Readonly<Record<string, string>>;
  readonly continueOnStepFailure?: boolean;
  readonly dataSets?: SubmissionBody['DataSetDefinitionValueAssignments'];
  /** v2 inputs given in v2 terms (HTTP `Inputs`); only a v2 target takes them (the v1 client refuses them). */
  readonly inputs?: Readonly<Record<string, V2Input>>;
}

export function toSubmission(target: PipelineTarget, request: SubmissionRequest): SubmissionBody {
  const dataPaths: Record<string, DataPathAssignment> = { ...target.dataPathAssignments, ...(request.dataPaths ?? {}) };
  // A v2 target takes the blob as a uri_file input (aml-v2.md), a v1 pipeline as a DataPath.
  const inputs: Record<string, V2Input> = { ...(request.inputs ?? {}) };
  if (request.blob && target.v2)
    inputs[request.blob.parameter] = { type: 'uri_file', uri: datastoreUri(request.blob.datastore, request.blob.path) };
  else if (request.blob)
    dataPaths[request.blob.parameter] = { DataStoreName: request.blob.datastore, RelativePath: request.blob.path };
  const body: SubmissionBody = {
    ExperimentName: request.experimentName ?? target.experimentName,
    ParameterAssignments: { ...target.parameterAssignments, ...(request.parameters ?? {}) },
    DataPathAssignments: dataPaths,
    RunSource: request.runSource,
  };
  if (Object.keys(inputs).length > 0) body.Inputs = inputs;
  if (request.description !== undefined) body.Description = request.description;
  const tags = { ...(target.tags ?? {}), ...(request.tags ?? {}) };
  if (Object.keys(tags).length > 0) body.Tags = tags;
  if (request.dataSets !== undefined && Object.keys(request.dataSets).length > 0)
    body.DataSetDefinitionValueAssignments = request.dataSets;
  const cont = request.continueOnStepFailure ?? target.continueOnStepFailure;
  if (cont !== undefined) body.ContinueRunOnStepFailure = cont;
  return body;
}
