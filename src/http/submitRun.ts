/**
 * One run of a configured target, as `POST /api/pipelines/{target}/runs` submits it: the target looked
 * up by name, the checked request (`parseRunRequest`) merged over the target's defaults
 * (`buildSubmission`), sent through the app's Azure ML client, then logged and recorded in telemetry.
 * The HTTP handler (pipelinesHandlers.ts) and `aml-triggers submit` (src/cli/submit.ts) both call it, so
 * the command submits exactly what the route would.
 */
import type { HttpRequest } from '@azure/functions';
import { SUBMISSION_KEY_NAME } from '../aml/constants';
import type { PipelineClient, PipelineTarget, SubmissionBody } from '../aml/types';
import { AppFailure, appError, err, errorFrom, ok, type AppError, type Result } from '../errors';
import { mayFire, type TargetStatusMap } from '../targets/mayFire';
import type { TargetCatalog } from '../config/targets';
import type { Telemetry } from '../telemetry';
import { checkContentLength, MAX_BODY_BYTES, readBodyText } from './body';
import { buildSubmission, checkContentType, parseRunRequest, type RunRequest } from './submitRequest';

/** What a submission needs; `src/runtime.ts` provides it. */
export interface SubmitRunDeps {
  readonly pipelineClient: PipelineClient;
  readonly telemetry: Telemetry;
  /** `RunSource` sent when a request does not set one. */
  readonly runSource: string;
  /** Time budget for one submission including retries, in ms; absent: the client's own deadline. */
  readonly submitDeadlineMs?: number;
  /**
   * The targets' run-time statuses (src/targets/statusStore.ts), read once per submission: a disabled
   * target is refused (409 `target.disabled`) before anything is sent. Absent: every target is Active.
   */
  readonly targetStatuses?: () => Promise<TargetStatusMap>;
}

/** What was submitted (the 202 body of the HTTP route). */
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

export interface SubmitRunLog {
  info(line: string): void;
  error(line: string): void;
}

/** The configured target named `name`, or a 404 error listing the configured ones. */
export function findTarget(catalog: TargetCatalog, name: string): Result<PipelineTarget, AppError> {
  const target = catalog.targets.get(name);
  if (target) return ok(target);
  const names = [...catalog.targets.keys()];
  return err(appError('target.unknown', { name, configured: names }, { field: 'target', value: name }));
}

/**
 * Submits `request` merged over `target`'s defaults. A failure carries the status the HTTP route
 * answers with (the client's own choice, else 503 when transient, 502 otherwise).
 */
export async function submitRun(
  deps: SubmitRunDeps,
  target: PipelineTarget,
  request: RunRequest,
  options: {
    readonly key: string;
    readonly keyFrom: string;
    readonly log: SubmitRunLog;
    readonly traceParent?: string;
    readonly trigger?: string;
  },
): Promise<Result<RunAccepted, AppError & { readonly status: number; readonly extensions?: Record<string, unknown> }>> {
  const trigger = options.trigger ?? 'http';
  if (deps.targetStatuses) {
    let statuses: TargetStatusMap;
    try {
      statuses = await deps.targetStatuses();
    } catch (e) {
      const error = errorFrom(e, { code: 'storage.unavailable', transient: true });
      options.log.error(
        `Submission to target ${target.name} refused: its status could not be read (${error.code}: ${error.message}); nothing was sent.`,
      );
      return err({ ...error, status: error.status ?? (error.transient ? 503 : 500) });
    }
    const decision = mayFire(target.name, statuses);
    if (!decision.fire) {
      options.log.error(`Submission to target ${target.name} refused: ${decision.error.message}`);
      deps.telemetry.event('PipelineRunRefused', {
        target: target.name,
        code: decision.error.code,
        trigger,
        disabledBy: decision.record.changedBy,
      });
      return err(decision.error);
    }
  }
  const body: SubmissionBody = buildSubmission(target, request, { runSource: deps.runSource });
  const { key } = options;
  const result = await deps.pipelineClient.submit(target, body, {
    key,
    ...(deps.submitDeadlineMs !== undefined ? { deadlineMs: deps.submitDeadlineMs } : {}),
    ...(options.traceParent ? { traceParent: options.traceParent } : {}),
  });
  if (!result.ok) {
    const error = result.error;
    const status = upstreamStatus(error);
    options.log.error(
      `Submission to target ${target.name} (experiment ${body.ExperimentName}, ${SUBMISSION_KEY_NAME}=${key}) failed: ${error.code}: ${error.message}`,
    );
    deps.telemetry.exception(new AppFailure(error), {
      target: target.name,
      code: error.code,
      status,
      trigger,
      experiment: body.ExperimentName,
      outcome: error.outcome,
      key,
    });
    const extensions =
      error.outcome === 'unknown'
        ? {
            outcome: 'unknown',
            submissionKey: key,
            experimentName: body.ExperimentName,
            ...(error.submission ? { lookup: error.submission.lookup.result } : {}),
          }
        : undefined;
    return err({ ...error, status, ...(extensions ? { extensions } : {}) });
  }
  const { runId, attempts, endpointUrl, reconciled } = result.value;
  options.log.info(
    `${reconciled ? 'Reconciled' : 'Submitted'} run ${runId} of target ${target.name} (experiment ${body.ExperimentName}, ${SUBMISSION_KEY_NAME}=${key} from ${options.keyFrom}) to ${endpointUrl} after ${attempts} attempt(s)${reconciled ? ": Azure ML's answer was lost and the run was found by its key" : ''}.`,
  );
  deps.telemetry.event('PipelineRunSubmitted', {
    target: target.name,
    runId,
    experiment: body.ExperimentName,
    attempts,
    trigger,
    key,
    ...(reconciled ? { reconciled } : {}),
  });
  const accepted: RunAccepted = {
    runId,
    experimentName: body.ExperimentName,
    target: target.name,
    endpointUrl,
    attempts,
    submissionKey: key,
  };
  if (reconciled) accepted.reconciled = true;
  const studio = studioUrl(target, runId);
  if (studio) accepted.studioUrl = studio;
  return ok(accepted);
}

/**
 * The status the app answers with when Azure ML refused or failed: the client's own choice when set
 * (e.g. 403 for missing rights, 429 passed through), else 503 for transient failures and 502 otherwise.
 */
export function upstreamStatus(error: AppError): number {
  if (error.status !== undefined && error.status >= 400 && error.status <= 599) return error.status;
  return error.transient ? 503 : 502;
}

/** Azure ML studio link to a run (the `wsid` form studio itself uses). */
export function studioUrl(target: Pick<PipelineTarget, 'workspace'>, runId: string): string | undefined {
  const ws = target.workspace;
  if (!ws) return undefined;
  return `https://ml.azure.com/runs/${encodeURIComponent(runId)}?wsid=/subscriptions/${ws.subscriptionId}/resourcegroups/${ws.resourceGroup}/workspaces/${ws.workspaceName}`;
}

/**
 * The run request an HTTP request carries, checked in order, cheapest first: Content-Length (413),
 * Content-Type (415), the body read within 1 MiB (413), JSON (400), fields (400).
 */
export async function readRunRequest(request: HttpRequest): Promise<Result<RunRequest, AppError>> {
  const headerProblem =
    checkContentLength(request.headers.get('content-length'), MAX_BODY_BYTES) ??
    checkContentType(request.headers.get('content-type'));
  if (headerProblem) return err(headerProblem);
  const text = await readBodyText(request, MAX_BODY_BYTES);
  if (!text.ok) return text;
  return parseRunRequest(text.value);
}
