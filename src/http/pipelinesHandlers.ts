/**
 * HTTP handlers for the pipeline routes (registered in src/functions/pipelines.ts):
 *
 *   GET  /api/pipelines                 the configured targets (no secrets), each with its status
 *                                       (Active / Disabled, who/when/why) and its schedules (name, status)
 *   POST /api/pipelines/{target}/runs   submit a run of a configured target → 202 (409 when it is disabled)
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
import { isSubmissionKey, submissionKey } from '../aml/submissionKey';
import { AppFailure, statusOf } from '../errors';
import type { PipelineTarget } from '../aml/types';
import type { TargetCatalog } from '../config/targets';
import { jsonPath } from '../config/settingsRefs';
import { problemResponse } from './problem';
import { findTarget, readRunRequest, submitRun, type SubmitRunDeps } from './submitRun';
import type { TargetOperations, TargetStatusView } from '../targets/operations';
import { errorFrom } from '../errors';

/** What the pipeline handlers need; `src/runtime.ts` provides it lazily, tests build it directly. */
export interface PipelinesDeps extends SubmitRunDeps {
  /** The configured targets. May throw an `AppFailure` when the targets file is invalid. */
  readonly targets: TargetCatalog;
  /** Target statuses and schedules for the listing (absent: the listing shows the targets only). May throw `AppFailure` (storage settings). */
  readonly targetOperations?: TargetOperations;
}

/** Request headers whose value, when a valid key, identifies the caller's request (first wins). */
export const REQUEST_KEY_HEADERS = ['idempotency-key', 'x-ms-client-request-id'] as const;

/** The submission key of an HTTP request: from the caller's request id when usable, else from a new one. */
export function httpSubmissionKey(
  targetName: string,
  headers: { get(name: string): string | null },
): { key: string; from: string } {
  for (const name of REQUEST_KEY_HEADERS) {
    const value = headers.get(name)?.trim();
    if (value && isSubmissionKey(value)) return { key: submissionKey('http', targetName, value), from: name };
  }
  return { key: submissionKey('http', targetName, randomUUID()), from: 'generated' };
}

export function createSubmitRunHandler(deps: PipelinesDeps) {
  return async function submitRunRoute(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const instance = `urn:uuid:${context.invocationId}`;
    const refuse = (error: AppError, headers: Record<string, string> = {}): HttpResponseInit => {
      context.warn(`Refused ${request.method} ${new URL(request.url).pathname}: ${error.message}`);
      return problemResponse(error, statusOf(error), instance, headers);
    };

    const catalog = loadCatalog(deps, context);
    if (!catalog.ok) return problemResponse(catalog.error, 500, instance);

    const name = request.params.target ?? '';
    const target = findTarget(catalog.value, name);
    if (!target.ok) return refuse(target.error);

    const parsed = await readRunRequest(request);
    if (!parsed.ok) return refuse(parsed.error);

    const traceParent = context.traceContext?.traceParent ?? undefined;
    const { key, from } = httpSubmissionKey(name, request.headers);
    const result = await submitRun(deps, target.value, parsed.value, {
      key,
      keyFrom: from,
      log: { info: (l) => context.log(l), error: (l) => context.error(l) },
      ...(traceParent ? { traceParent } : {}),
    });
    // problemResponse adds Retry-After (and says so in the detail) when the error carries Azure ML's wait.
    if (!result.ok)
      return problemResponse(result.error, result.error.status, instance, {}, result.error.extensions ?? {});
    return { status: 202, jsonBody: result.value, headers: { 'Content-Type': 'application/json' } };
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
  /** Azure ML v2 targets: what a submission creates (a pipeline job from a component, a batch endpoint job). */
  v2?: PipelineTarget['v2'];
  /** Azure ML v2 targets: declared inputs. */
  inputs?: PipelineTarget['inputs'];
  parameters: Record<string, unknown>;
  dataPaths: Record<string, { DataStoreName: string; RelativePath: string }>;
  continueOnStepFailure?: boolean;
  tags?: Record<string, string>;
  runsUrl: string;
  /** `Active` or `Disabled` (the app's run-time status; `PublishedPipeline.status`). */
  status?: TargetStatusView['status'];
  /** Who changed the status last, when and why. */
  statusChange?: TargetStatusView['statusChange'];
  /** The schedules that submit to this target (name, status). */
  schedules?: TargetStatusView['schedules'];
}

export function createListTargetsHandler(deps: Pick<PipelinesDeps, 'targets' | 'targetOperations'>) {
  return async function listTargets(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const catalog = loadCatalog(deps, context);
    if (!catalog.ok) return problemResponse(catalog.error, 500, `urn:uuid:${context.invocationId}`);
    // The statuses live in the app's storage: when they cannot be read, the targets are still listed
    // (submitting needs the list), without status, and `statusProblem` says why.
    let statuses: ReadonlyMap<string, TargetStatusView> | undefined;
    let statusProblem: { code: string; message: string } | undefined;
    try {
      const ops = deps.targetOperations;
      if (ops) statuses = new Map((await ops.list()).map((v) => [v.name, v]));
    } catch (e) {
      const error = errorFrom(e, { code: 'storage.unavailable', transient: true });
      context.error(`GET /api/pipelines: the target statuses could not be read: ${error.code}: ${error.message}`);
      statusProblem = {
        code: error.code,
        message: `The targets' statuses (kept in the app's storage) cannot be read now (${error.code}), so they are not shown; the Function App log says why.`,
      };
    }
    const targets = [...catalog.value.targets.values()].map((t) => {
      const view = targetView(t, catalog.value.settingExpressions);
      const s = statuses?.get(t.name);
      return s
        ? {
            ...view,
            status: s.status,
            ...(s.statusChange ? { statusChange: s.statusChange } : {}),
            schedules: s.schedules,
          }
        : view;
    });
    return {
      status: 200,
      jsonBody: { targets, ...(statusProblem ? { statusProblem } : {}) },
      headers: { 'Content-Type': 'application/json' },
    };
  };
}

export function targetView(target: PipelineTarget, expressions: ReadonlyMap<string, string>): TargetView {
  const shown = (path: Array<string | number>, value: unknown): unknown =>
    expressions.get(jsonPath(['targets', target.name, ...path])) ?? value;
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
  if (target.v2?.kind === 'pipeline_job')
    view.v2 = {
      ...target.v2,
      componentName: String(shown(['pipeline_job', 'component_name'], target.v2.componentName)),
      componentVersion: String(shown(['pipeline_job', 'component_version'], target.v2.componentVersion)),
    };
  else if (target.v2)
    view.v2 = {
      ...target.v2,
      endpointName: String(shown(['batch_endpoint', 'endpoint_name'], target.v2.endpointName)),
    };
  if (target.inputs) {
    const inputs: NonNullable<TargetView['inputs']> = {};
    for (const [k, i] of Object.entries(target.inputs))
      inputs[k] =
        i.type === 'literal'
          ? { ...i, ...(i.value !== undefined ? { value: String(shown(['inputs', k, 'value'], i.value)) } : {}) }
          : { ...i, ...(i.uri !== undefined ? { uri: String(shown(['inputs', k, 'path'], i.uri)) } : {}) };
    view.inputs = inputs;
  }
  if (target.continueOnStepFailure !== undefined) view.continueOnStepFailure = target.continueOnStepFailure;
  if (target.tags) {
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(target.tags)) tags[k] = String(shown(['tags', k], v));
    view.tags = tags;
  }
  return view;
}

/** The pipeline reference as the file wrote it (`%SETTING%` references kept). */
function pipelineView(
  pipeline: NonNullable<PipelineTarget['pipeline']>,
  shown: (path: Array<string | number>, value: unknown) => unknown,
): NonNullable<PipelineTarget['pipeline']> {
  const version =
    'version' in pipeline && pipeline.version !== undefined
      ? { version: String(shown(['pipeline_version'], pipeline.version)) }
      : {};
  switch (pipeline.kind) {
    case 'published':
      return { kind: 'published', pipelineId: String(shown(['pipeline_id'], pipeline.pipelineId)) };
    case 'endpoint':
      return {
        kind: 'endpoint',
        pipelineEndpointId: String(shown(['pipeline_endpoint_id'], pipeline.pipelineEndpointId)),
        ...version,
      };
    case 'endpointByName':
      return {
        kind: 'endpointByName',
        pipelineEndpointName: String(shown(['pipeline_endpoint_name'], pipeline.pipelineEndpointName)),
        ...version,
      };
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
      e instanceof AppFailure
        ? e.error
        : { code: 'config.unavailable', message: e instanceof Error ? e.message : String(e) };
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
