/**
 * HTTP handlers for the pipeline routes (registered in src/functions/pipelines.ts):
 *
 *   GET  /api/pipelines                 the configured targets (no secrets)
 *   POST /api/pipelines/{target}/runs   submit a run of a configured target → 202
 *
 * Order of checks on a submission, cheapest and most fundamental first, and nothing reaches Azure ML
 * unless all pass: configuration loads → target is configured (404) → Content-Length (413) →
 * Content-Type (415) → body read within 1 MiB (413) → JSON (400) → fields (400) → submit.
 *
 * Every submission carries a key (`submissionKey('http', target, id)`, id = the caller's
 * `Idempotency-Key` or `x-ms-client-request-id` when it is 1-64 characters of [A-Za-z0-9_-], else a new
 * UUID) in the run's Properties and Tags as `aml_triggers_key`. When Azure ML's answer is lost, the client
 * looks the run up by it: found → 202 with `reconciled: true`; not found → 502
 * `aml.submission.outcome_unknown` naming the key and experiment, and saying not to resend blindly.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import type { AppError } from '../errors';
import { SUBMISSION_KEY_NAME } from '../aml/constants';
import { isSubmissionKey, submissionKey } from '../aml/submissionKey';
import { AppFailure } from '../errors';
import type { PipelineClient, PipelineTarget, SubmissionBody } from '../aml/types';
import type { Telemetry } from '../telemetry';
import type { TargetCatalog } from '../config/targets';
import { jsonPath } from '../config/settingsRefs';
import { problemResponse } from './problem';
import { checkContentLength, MAX_BODY_BYTES, readBodyText } from './body';
import { buildSubmission, checkContentType, parseRunRequest } from './submitRequest';

/** What the pipeline handlers need; `src/runtime.ts` provides it lazily, tests build it directly. */
export interface PipelinesDeps {
  /** The configured targets. May throw an `AppFailure` when the targets file is invalid. */
  readonly targets: TargetCatalog;
  readonly pipelineClient: PipelineClient;
  readonly telemetry: Telemetry;
  /** `RunSource` sent when a request does not set one. */
  readonly runSource: string;
  /**
   * Time budget for one submission including retries, in ms; when absent the client's own deadline
   * (setting AML_DEADLINE_MS) applies, which stays under the ~230 s Azure front-end limit.
   */
  readonly submitDeadlineMs?: number;
}

/** 202 body of a submission. */
export interface RunAccepted {
  runId: string;
  experimentName: string;
  target: string;
  endpointUrl: string;
  attempts: number;
  /** Link to the run in Azure ML studio, when the target's workspace is known. */
  studioUrl?: string;
  /** The run's submission key (its property and tag `aml_triggers_key`). */
  submissionKey: string;
  /**
   * Present (true) when Azure ML's answer to the submission was lost and the run was found afterwards by
   * its submission key: the run exists exactly once.
   */
  reconciled?: true;
}

/** Request headers whose value, when a valid key, identifies the caller's request (first wins). */
export const REQUEST_KEY_HEADERS = ['idempotency-key', 'x-ms-client-request-id'] as const;

/** The submission key of an HTTP request: from the caller's request id when usable, else from a new one. */
export function httpSubmissionKey(targetName: string, headers: { get(name: string): string | null }): { key: string; from: string } {
  for (const name of REQUEST_KEY_HEADERS) {
    const value = headers.get(name)?.trim();
    if (value && isSubmissionKey(value)) return { key: submissionKey('http', targetName, value), from: name };
  }
  return { key: submissionKey('http', targetName, randomUUID()), from: 'generated' };
}

export function createSubmitRunHandler(deps: PipelinesDeps) {
  return async function submitRun(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const instance = `urn:uuid:${context.invocationId}`;
    const refuse = (error: AppError, headers: Record<string, string> = {}): HttpResponseInit => {
      context.warn(`Refused ${request.method} ${new URL(request.url).pathname}: ${error.message}`);
      return problemResponse(error, error.status ?? 400, instance, headers);
    };

    const catalog = loadCatalog(deps, context);
    if (!catalog.ok) return problemResponse(catalog.error, 500, instance);

    const name = request.params.target ?? '';
    const target = catalog.value.targets.get(name);
    if (!target) return refuse(unknownTarget(name, catalog.value));

    const headerProblem = checkContentLength(request.headers.get('content-length'), MAX_BODY_BYTES) ?? checkContentType(request.headers.get('content-type'));
    if (headerProblem) return refuse(headerProblem);

    const text = await readBodyText(request, MAX_BODY_BYTES);
    if (!text.ok) return refuse(text.error);
    const parsed = parseRunRequest(text.value);
    if (!parsed.ok) return refuse(parsed.error);

    const body: SubmissionBody = buildSubmission(target, parsed.value, { runSource: deps.runSource });
    const traceParent = context.traceContext?.traceParent ?? undefined;
    const { key, from } = httpSubmissionKey(name, request.headers);
    const result = await deps.pipelineClient.submit(target, body, {
      key,
      ...(deps.submitDeadlineMs !== undefined ? { deadlineMs: deps.submitDeadlineMs } : {}),
      ...(traceParent ? { traceParent } : {}),
    });

    if (!result.ok) {
      const error = result.error;
      const status = upstreamStatus(error);
      context.error(`Submission to target ${name} (experiment ${body.ExperimentName}, ${SUBMISSION_KEY_NAME}=${key}) failed: ${error.code}: ${error.message}`);
      deps.telemetry.exception(new AppFailure(error), { target: name, code: error.code, status, trigger: 'http', experiment: body.ExperimentName, outcome: error.outcome, key });
      // problemResponse adds Retry-After (and says so in the detail) when the error carries Azure ML's wait.
      const extensions = error.outcome === 'unknown' ? { outcome: 'unknown', submissionKey: key, experimentName: body.ExperimentName, ...(error.submission ? { lookup: error.submission.lookup.result } : {}) } : {};
      return problemResponse(error, status, instance, {}, extensions);
    }

    const { runId, attempts, endpointUrl, reconciled } = result.value;
    context.log(`${reconciled ? 'Reconciled' : 'Submitted'} run ${runId} of target ${name} (experiment ${body.ExperimentName}, ${SUBMISSION_KEY_NAME}=${key} from ${from}) to ${endpointUrl} after ${attempts} attempt(s)${reconciled ? ": Azure ML's answer was lost and the run was found by its key" : ''}.`);
    deps.telemetry.event('PipelineRunSubmitted', { target: name, runId, experiment: body.ExperimentName, attempts, trigger: 'http', key, ...(reconciled ? { reconciled } : {}) });
    const accepted: RunAccepted = { runId, experimentName: body.ExperimentName, target: name, endpointUrl, attempts, submissionKey: key };
    if (reconciled) accepted.reconciled = true;
    const studio = studioUrl(target, runId);
    if (studio) accepted.studioUrl = studio;
    return { status: 202, jsonBody: accepted, headers: { 'Content-Type': 'application/json' } };
  };
}

/** Public view of a target: what it runs and its defaults; values that came from app settings are shown as `%SETTING%`. */
export interface TargetView {
  name: string;
  description?: string;
  experimentName: string;
  workspace?: { subscriptionId: string; resourceGroup: string; workspaceName: string };
  endpointUrl?: string;
  pipeline?: PipelineTarget['pipeline'];
  parameters: Record<string, unknown>;
  dataPaths: Record<string, { DataStoreName: string; RelativePath: string }>;
  continueOnStepFailure?: boolean;
  tags?: Record<string, string>;
  runsUrl: string;
}

export function createListTargetsHandler(deps: Pick<PipelinesDeps, 'targets'>) {
  return async function listTargets(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const catalog = loadCatalog(deps, context);
    if (!catalog.ok) return problemResponse(catalog.error, 500, `urn:uuid:${context.invocationId}`);
    const targets = [...catalog.value.targets.values()].map((t) => targetView(t, catalog.value.settingExpressions));
    return { status: 200, jsonBody: { targets }, headers: { 'Content-Type': 'application/json' } };
  };
}

export function targetView(target: PipelineTarget, expressions: ReadonlyMap<string, string>): TargetView {
  const shown = (path: Array<string | number>, value: unknown): unknown => expressions.get(jsonPath(['targets', target.name, ...path])) ?? value;
  const parameters: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(target.parameterAssignments)) parameters[k] = shown(['parameters', k], v);
  const dataPaths: TargetView['dataPaths'] = {};
  for (const [k, v] of Object.entries(target.dataPathAssignments))
    dataPaths[k] = {
      DataStoreName: String(shown(['data_paths', k, 'datastore'], v.DataStoreName)),
      RelativePath: String(shown(['data_paths', k, 'path'], v.RelativePath)),
    };
  const view: TargetView = {
    name: target.name,
    experimentName: String(shown(['experiment_name'], target.experimentName)),
    parameters,
    dataPaths,
    runsUrl: `/api/pipelines/${encodeURIComponent(target.name)}/runs`,
  };
  if (target.description !== undefined) view.description = String(shown(['description'], target.description));
  if (target.workspace)
    view.workspace = {
      subscriptionId: String(shown(['workspace', 'subscription_id'], target.workspace.subscriptionId)),
      resourceGroup: String(shown(['workspace', 'resource_group'], target.workspace.resourceGroup)),
      workspaceName: String(shown(['workspace', 'workspace_name'], target.workspace.workspaceName)),
    };
  if (target.endpointUrl !== undefined) view.endpointUrl = String(shown(['endpoint_url'], target.endpointUrl));
  if (target.pipeline) view.pipeline = pipelineView(target.pipeline, shown);
  if (target.continueOnStepFailure !== undefined) view.continueOnStepFailure = target.continueOnStepFailure;
  if (target.tags) {
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(target.tags)) tags[k] = String(shown(['tags', k], v));
    view.tags = tags;
  }
  return view;
}

/** The pipeline reference as the file wrote it (`%SETTING%` references kept). */
function pipelineView(pipeline: NonNullable<PipelineTarget['pipeline']>, shown: (path: Array<string | number>, value: unknown) => unknown): NonNullable<PipelineTarget['pipeline']> {
  const version = 'version' in pipeline && pipeline.version !== undefined ? { version: String(shown(['pipeline_version'], pipeline.version)) } : {};
  switch (pipeline.kind) {
    case 'published':
      return { kind: 'published', pipelineId: String(shown(['pipeline_id'], pipeline.pipelineId)) };
    case 'endpoint':
      return { kind: 'endpoint', pipelineEndpointId: String(shown(['pipeline_endpoint_id'], pipeline.pipelineEndpointId)), ...version };
    case 'endpointByName':
      return { kind: 'endpointByName', pipelineEndpointName: String(shown(['pipeline_endpoint_name'], pipeline.pipelineEndpointName)), ...version };
  }
}

// ---------------------------------------------------------------------------------------------------

type CatalogResult = { ok: true; value: TargetCatalog } | { ok: false; error: AppError };

/**
 * The catalog, or a 500 problem when the targets file is invalid. The caller sees the error code and
 * which file to fix; the full list of problems goes to the log (it can quote the file's values).
 */
function loadCatalog(deps: Pick<PipelinesDeps, 'targets'>, context: InvocationContext): CatalogResult {
  try {
    return { ok: true, value: deps.targets };
  } catch (e) {
    const error: AppError =
      e instanceof AppFailure ? e.error : { code: 'config.unavailable', message: e instanceof Error ? e.message : String(e) };
    context.error(`Targets configuration is unusable: ${error.message}`);
    return {
      ok: false,
      error: {
        code: error.code,
        status: 500,
        ...(error.source !== undefined ? { source: error.source } : {}),
        message: `The app's targets configuration${error.source ? ` (${error.source})` : ''} is invalid, so nothing can be submitted; the Function App log lists the problems.`,
      },
    };
  }
}

function unknownTarget(name: string, catalog: TargetCatalog): AppError {
  const names = [...catalog.targets.keys()];
  return {
    code: 'target.unknown',
    status: 404,
    field: 'target',
    value: name,
    message:
      names.length === 0
        ? `No target named ${JSON.stringify(name)}: no targets are configured, so nothing can be submitted. Add it to the targets file.`
        : `No target named ${JSON.stringify(name)} is configured; the configured targets are ${names.join(', ')}. The app only submits to pipelines named in its targets file.`,
  };
}

/**
 * The status the app answers with when Azure ML refused or failed: the client's own choice when set
 * (e.g. 403 for missing rights, 429 passed through), else 503 for transient failures and 502 otherwise.
 */
function upstreamStatus(error: AppError): number {
  if (error.status !== undefined && error.status >= 400 && error.status <= 599) return error.status;
  return error.transient ? 503 : 502;
}

/** Azure ML studio link to a run (the `wsid` form studio itself uses). */
export function studioUrl(target: Pick<PipelineTarget, 'workspace'>, runId: string): string | undefined {
  const ws = target.workspace;
  if (!ws) return undefined;
  return `https://ml.azure.com/runs/${encodeURIComponent(runId)}?wsid=/subscriptions/${ws.subscriptionId}/resourcegroups/${ws.resourceGroup}/workspaces/${ws.workspaceName}`;
}
