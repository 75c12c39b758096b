/**
 * Submits to Azure ML v2 targets (../shared/spec/aml-v2.md) with the same outcome model as the v1 client
 * (client.ts): created, not_created (certainly nothing, or a retry is certainly harmless), unknown
 * (never resent blindly). `createPipelineClient` hands v2 targets here; the callers do not know the kind.
 *
 * pipeline_job — `PUT {ARM}/…/workspaces/<ws>/jobs/<job name>?api-version=<AML_V2_API_VERSION>`, ARM token.
 *   The job name is the submission key (v2Body.jobNameFor), so every attempt of one occurrence / blob
 *   version / HTTP request names the same job. What the service does with a second PUT of a name
 *   (Learn, "Jobs - Create Or Update": 201 Created for a new job, 200 OK for an update of an existing one,
 *   the update replacing only tags; the service's UserError seen in azure-sdk-for-python issues and PR
 *   #47389: "A job with this name already exists … the existing job's Settings, Inputs, Outputs, Jobs,
 *   InputBindings … cannot be changed", inner code Immutable / JobPropertyImmutable, sent even for a
 *   round-tripped body): it never starts a second job. So:
 *     - 200 / 201 (202 without a body: accepted under our name) → created;
 *     - a refusal saying the name exists (any 4xx whose error says "already exists" or Immutable) →
 *       GET the job: found → created (reconciled); the HTTP status of that refusal is not documented
 *       (most likely 400), so the text decides, not the status;
 *     - an answer lost after sending (5xx, timeout, reset) → the PUT is sent again inside the deadline:
 *       the name makes it harmless (at most one job). When attempts run out after such an answer, one
 *       GET decides: 200 → created (reconciled), 404 → not_created (transient: a later retry reuses the
 *       name), failed → unknown.
 *   A component version `latest` is resolved at each submission (GET …/components/<name>, latestVersion).
 *
 * batch_endpoint — the scoring URI is read from the endpoint (GET …/batchEndpoints/<name>,
 *   `properties.scoringUri`, cached per endpoint like the v1 workspace discovery), then
 *   `POST <scoring uri>` with a token for AML_BATCH_AUDIENCE (https://ml.azure.com), the optional
 *   `azureml-model-deployment` header, and `repeatability_request-id` (the header spelling azure-ai-ml's
 *   EndpointInvokeFields uses; one id per submission, reused on its retries). Batch invoke has no
 *   documented idempotency (**verify**, not verified: only the header constant was found in azure-ai-ml's
 *   sources, nothing saying the service refuses a duplicate `properties.name`), so it follows the v1
 *   rule: retry only not_created; after an unknown answer wait AML_RECONCILE_DELAY_MS and GET the job by
 *   the name the body asked for (ARM `…/jobs/<name>`; batch jobs are workspace jobs): 200 → created
 *   (reconciled), 404 or a failed look-up → unknown. A refusal saying the name exists is read as for
 *   pipeline jobs (GET the job), should the service give one.
 */
import { randomUUID } from 'node:crypto';
import { err, ok, type AppError, type Result } from '../errors';
import type { Telemetry } from '../telemetry';
import { checkEndpointUrl } from './endpoint';
import {
  beforeSending,
  deadlineError,
  errorForFailure,
  errorForStatus,
  lookupError,
  outcomeUnknownError,
  serviceMessage,
  type ErrorContext,
} from './errors';
import { classifyAttempt, observe } from './outcome';
import { decideRetry, retryAfterSeconds, type AttemptOutcome } from './retry';
import { startDeadline } from './deadline';
import type { AmlSettings } from './settings';
import type { Transport } from './transport';
import type {
  AmlError,
  FoundRun,
  PipelineClient,
  PipelineTarget,
  SubmissionBody,
  SubmitOptions,
  SubmitResult,
  UnknownSubmission,
  WorkspaceRef,
} from './types';
import { batchInvokeBody, componentVersionId, jobNameFor, pipelineJobBody, v2Inputs, workspacePath } from './v2Body';

export interface V2ClientDeps {
  settings: AmlSettings;
  transport: Transport;
  token(scope: string, signal?: AbortSignal): Promise<string>;
  /** Turns a credential failure into the client's error (client.ts credentialError). */
  credentialError(error: unknown, target: PipelineTarget, audience: string): AmlError;
  telemetry: Telemetry;
  userAgent: string;
  now: () => number;
  random: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The same `submit` and `findRun` as every pipeline client (types.ts). */
export interface V2Client extends PipelineClient {
  /** Batch endpoint scoring URIs read from ARM so far (each endpoint once). */
  readonly scoringUriLookups: number;
}

/** A refusal that says the job name is taken (the job exists): see the module comment. */
export function saysJobExists(text: string): boolean {
  return /already exists|JobPropertyImmutable|"Immutable"/i.test(text);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    return record(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export function createV2Client(deps: V2ClientDeps): V2Client {
  const { settings, transport, telemetry, now } = deps;
  const armScope = `${settings.armAudience}/.default`;
  const batchScope = `${settings.batchAudience}/.default`;
  const scoringUris = new Map<string, string>();
  let scoringUriLookups = 0;

  const armUrl = (path: string): string =>
    `${settings.armEndpoint}${path}?api-version=${encodeURIComponent(settings.v2ApiVersion)}`;
  const headers = (token: string): Record<string, string> => ({
    authorization: `Bearer ${token}`,
    accept: 'application/json',
    'user-agent': deps.userAgent,
    'x-ms-client-request-id': randomUUID(),
  });

  /** One ARM GET: the resource, `undefined` for 404, or an error saying what failed. */
  const armGet = async (
    target: PipelineTarget,
    path: string,
    what: string,
    signal?: AbortSignal,
  ): Promise<Result<Record<string, unknown> | undefined, AmlError>> => {
    const url = armUrl(path);
    let token: string;
    try {
      token = await deps.token(armScope, signal);
    } catch (error) {
      return err(
        lookupError(
          target,
          'credential',
          `no Azure Resource Manager token (${error instanceof Error ? error.message : String(error)})`,
          url,
        ),
      );
    }
    const started = now();
    const answer = await transport.send({
      method: 'GET',
      url,
      headers: headers(token),
      timeoutMs: settings.attemptTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    telemetry.dependency({
      name: `GET Azure ML ${what}`,
      target: new URL(url).host,
      data: url,
      durationMs: now() - started,
      success: answer.kind === 'response' && answer.status === 200,
      resultCode: answer.kind === 'response' ? answer.status : answer.kind,
      properties: { target: target.name },
    });
    if (answer.kind !== 'response')
      return err(
        lookupError(
          target,
          answer.kind === 'aborted' ? 'aborted' : answer.kind,
          `${what}: ${answer.kind === 'network' ? answer.message : answer.kind}`,
          url,
        ),
      );
    if (answer.status === 404) return ok(undefined);
    if (answer.status !== 200)
      return err(
        lookupError(
          target,
          'status',
          `${what}: HTTP ${answer.status}${serviceMessage(answer.text) ? ` (${serviceMessage(answer.text)})` : ''}`,
          url,
          answer.status,
        ),
      );
    const body = parse(answer.text);
    return body ? ok(body) : err(lookupError(target, 'bad_answer', `${what}: the answer is not a JSON object`, url));
  };

  const found = (job: Record<string, unknown>, name: string): FoundRun => {
    const props = record(job.properties) ?? {};
    const system = record(job.systemData) ?? {};
    const status = typeof props.status === 'string' ? props.status : undefined;
    const created = typeof system.createdAt === 'string' ? system.createdAt : undefined;
    return {
      runId: typeof job.name === 'string' ? job.name : name,
      ...(status ? { status } : {}),
      ...(created ? { createdUtc: created } : {}),
      matchedBy: 'job_name',
      matches: 1,
      run: job,
    };
  };

  const getJob = async (
    target: PipelineTarget,
    ws: WorkspaceRef,
    name: string,
    signal?: AbortSignal,
  ): Promise<Result<FoundRun | undefined, AmlError>> => {
    const got = await armGet(target, `${workspacePath(ws)}/jobs/${encodeURIComponent(name)}`, `job ${name}`, signal);
    if (!got.ok) return got;
    return ok(got.value ? found(got.value, name) : undefined);
  };

  const noWorkspace = (target: PipelineTarget): AmlError =>
    beforeSending({
      code: 'aml.target.incomplete',
      status: 500,
      source: `target ${target.name}`,
      message: `Target ${target.name} is an Azure ML v2 target without a workspace; add workspace: {subscription_id, resource_group, workspace_name} or set the default workspace app settings.`,
    });

  /** The component's ARM id, `latest` resolved through ARM. */
  const componentId = async (
    target: PipelineTarget,
    ws: WorkspaceRef,
    signal: AbortSignal,
  ): Promise<Result<string, AppError>> => {
    if (target.v2?.kind !== 'pipeline_job') throw new Error('componentId: not a pipeline_job target');
    const { componentName, componentVersion } = target.v2;
    if (componentVersion !== 'latest') return ok(componentVersionId(ws, componentName, componentVersion));
    const got = await armGet(
      target,
      `${workspacePath(ws)}/components/${encodeURIComponent(componentName)}`,
      `component ${componentName}`,
      signal,
    );
    if (!got.ok)
      return err({
        ...got.error,
        code: 'aml.v2.component_lookup_failed',
        message: `Could not read the latest version of component ${componentName}: ${got.error.message}`,
      });
    const latest = record(got.value?.properties)?.latestVersion;
    if (!got.value || typeof latest !== 'string' || latest === '')
      return err({
        code: 'aml.v2.component_not_found',
        status: 502,
        transient: false,
        source: `target ${target.name}`,
        message: `Workspace ${ws.workspaceName} has no registered component ${componentName}${got.value ? ' with a latest version' : ''}: register the pipeline component (az ml component create) or correct pipeline_job.component_name.`,
      });
    return ok(componentVersionId(ws, componentName, latest));
  };

  /** The endpoint's scoring URI, read once per endpoint (failures are not cached). */
  const scoringUri = async (
    target: PipelineTarget,
    ws: WorkspaceRef,
    endpoint: string,
    signal: AbortSignal,
  ): Promise<Result<string, AppError>> => {
    const cacheKey = `${workspacePath(ws)}/${endpoint}`.toLowerCase();
    const known = scoringUris.get(cacheKey);
    if (known) return ok(known);
    scoringUriLookups++;
    const got = await armGet(
      target,
      `${workspacePath(ws)}/batchEndpoints/${encodeURIComponent(endpoint)}`,
      `batch endpoint ${endpoint}`,
      signal,
    );
    if (!got.ok)
      return err({
        ...got.error,
        code: 'aml.v2.endpoint_lookup_failed',
        message: `Could not read batch endpoint ${endpoint}: ${got.error.message}`,
      });
    const uri = record(got.value?.properties)?.scoringUri;
    if (!got.value || typeof uri !== 'string')
      return err({
        code: 'aml.v2.endpoint_not_found',
        status: 502,
        transient: false,
        source: `target ${target.name}`,
        message: `Workspace ${ws.workspaceName} has no batch endpoint ${endpoint}${got.value ? ' with a scoring URI (is it still being created?)' : ''}: create it (az ml batch-endpoint create) or correct batch_endpoint.endpoint_name.`,
      });
    const checked = checkEndpointUrl(uri, `batch endpoint ${endpoint} scoringUri`);
    if (!checked.ok) return checked;
    scoringUris.set(cacheKey, uri);
    return ok(uri);
  };

  async function submit(
    target: PipelineTarget,
    body: SubmissionBody,
    options: SubmitOptions = {},
  ): Promise<Result<SubmitResult, AmlError>> {
    const v2 = target.v2;
    if (!v2) throw new Error('v2Client.submit: not a v2 target');
    const deadlineMs = options.deadlineMs ?? settings.deadlineMs;
    const key = options.key;
    // One signal for everything this submission does: the caller's, or the deadline passing.
    const deadline = startDeadline(deadlineMs, now, options.signal);
    const { signal, remaining } = deadline;
    const audience = v2.kind === 'batch_endpoint' ? settings.batchAudience : settings.armAudience;
    const ctx: ErrorContext = {
      target,
      url: '',
      audience,
      ...(settings.managedIdentityClientId ? { clientId: settings.managedIdentityClientId } : {}),
      attempts: 0,
    };
    const stopped = (last?: AmlError, retryAfter?: number): AmlError =>
      options.signal?.aborted
        ? errorForFailure({ kind: 'aborted', connected: false }, ctx)
        : deadlineError(ctx, deadlineMs, last, retryAfter);
    const jobName = key !== undefined ? jobNameFor(key) : `aml-triggers-${randomUUID()}`;
    const unknownError = (attemptError: AmlError, sentAt: number, lookup: UnknownSubmission['lookup']): AmlError => {
      const submission: UnknownSubmission = {
        experimentName: body.ExperimentName,
        sentAt: new Date(sentAt).toISOString(),
        lookup,
        ...(key !== undefined ? { key } : {}),
      };
      telemetry.event('PipelineSubmissionOutcomeUnknown', {
        target: target.name,
        experiment: body.ExperimentName,
        key,
        job: jobName,
        lookup: lookup.result,
        code: attemptError.code,
      });
      const e = outcomeUnknownError(ctx, attemptError, submission, settings.reconcileDelayMs);
      return {
        ...e,
        message: `${e.message} The job's name is ${jobName}: look for it in Azure ML studio (Jobs) before submitting again.`,
      };
    };
    const reconciled = (job: FoundRun, attempt: number, code: string): Result<SubmitResult, AmlError> => {
      telemetry.event(
        'PipelineSubmissionReconciled',
        { target: target.name, experiment: body.ExperimentName, key, runId: job.runId, matchedBy: job.matchedBy, code },
        { matches: 1 },
      );
      return ok({
        runId: job.runId,
        run: job.run,
        attempts: attempt,
        endpointUrl: ctx.url,
        reconciled: true,
        ...(key !== undefined ? { key } : {}),
      });
    };

    try {
      const ws = target.workspace;
      if (!ws) return err(noWorkspace(target));
      /** The job's name settles an outcome: found → created (reconciled); not found or look-up failed → unknown. */
      const settleByName = async (
        attempt: number,
        attemptError: AmlError,
        sentAt: number,
      ): Promise<Result<SubmitResult, AmlError>> => {
        const existing = await getJob(target, ws, jobName, options.signal);
        if (existing.ok && existing.value) return reconciled(existing.value, attempt, attemptError.code);
        return err(
          unknownError(
            attemptError,
            sentAt,
            existing.ok
              ? { result: 'not_found' }
              : { result: 'failed', code: existing.error.code, message: existing.error.message },
          ),
        );
      };
      const inputs = v2Inputs(target, body);
      if (!inputs.ok) return err(beforeSending(inputs.error));

      // Where, and what.
      let url: string;
      let payload: string;
      const extraHeaders: Record<string, string> = {};
      if (v2.kind === 'pipeline_job') {
        const id = await componentId(target, ws, signal);
        if (!id.ok) return err(signal.aborted ? stopped(beforeSending(id.error)) : beforeSending(id.error));
        url = armUrl(`${workspacePath(ws)}/jobs/${encodeURIComponent(jobName)}`);
        payload = JSON.stringify(pipelineJobBody(target, body, inputs.value, id.value, key));
      } else {
        const uri = await scoringUri(target, ws, v2.endpointName, signal);
        if (!uri.ok) return err(signal.aborted ? stopped(beforeSending(uri.error)) : beforeSending(uri.error));
        url = uri.value;
        payload = JSON.stringify(batchInvokeBody(body, inputs.value, jobName, key));
        extraHeaders['repeatability_request-id'] = randomUUID();
        if (v2.deployment) extraHeaders['azureml-model-deployment'] = v2.deployment;
      }
      ctx.url = url;
      const method = v2.kind === 'pipeline_job' ? 'PUT' : 'POST';
      const scope = v2.kind === 'pipeline_job' ? armScope : batchScope;

      let lastError: AmlError | undefined;
      /** Set once an attempt may have reached Azure ML (pipeline_job only: its PUT is sent again). */
      let maybeSent: { at: number; error: AmlError } | undefined;
      /** Waits as the retry policy says after `outcome`; false when no attempt is left or the wait was cut short. */
      const backedOff = async (outcome: AttemptOutcome, attempt: number): Promise<boolean> => {
        const decision = decideRetry({
          outcome,
          attempt,
          policy: settings.retry,
          nowMs: now(),
          remainingMs: remaining(),
          random: deps.random,
        });
        if (!decision.retry) return false;
        await deps.sleep(decision.delayMs, signal);
        return !signal.aborted;
      };
      for (let attempt = 1; ; attempt++) {
        let token: string;
        try {
          token = await deps.token(scope, signal);
        } catch (error) {
          if (signal.aborted) return err(stopped(lastError));
          return err(deps.credentialError(error, target, audience));
        }
        if (signal.aborted) break;
        ctx.attempts = attempt;
        const attemptStarted = now();
        const answer = await transport.send({
          method,
          url,
          headers: {
            ...headers(token),
            'content-type': 'application/json; charset=utf-8',
            ...extraHeaders,
            ...(options.traceParent ? { traceparent: options.traceParent } : {}),
          },
          body: payload,
          timeoutMs: Math.max(1, Math.min(settings.attemptTimeoutMs, remaining())),
          signal,
        });
        const success = answer.kind === 'response' && answer.status >= 200 && answer.status < 300;
        const job = success ? parse(answer.text) : undefined;
        // A 202 without a body: accepted under the name the app chose (pipeline_job only; batch answers carry the job).
        const runId =
          typeof job?.name === 'string' && job.name !== ''
            ? job.name
            : success && v2.kind === 'pipeline_job'
              ? jobName
              : undefined;
        const verdict = classifyAttempt(observe(answer, runId));
        telemetry.dependency({
          name: `${method} Azure ML ${v2.kind === 'pipeline_job' ? 'pipeline job' : 'batch endpoint invoke'}`,
          target: new URL(url).host,
          data: url,
          durationMs: now() - attemptStarted,
          success: verdict.outcome === 'created',
          resultCode: answer.kind === 'response' ? answer.status : answer.kind,
          properties: {
            target: target.name,
            attempt,
            outcome: verdict.outcome,
            job: jobName,
            ...(key !== undefined ? { key } : {}),
          },
        });
        if (verdict.outcome === 'created')
          return ok({
            runId: verdict.runId,
            run: job ?? { name: verdict.runId },
            attempts: attempt,
            endpointUrl: url,
            ...(key !== undefined ? { key } : {}),
          });

        const attemptError: AmlError =
          answer.kind === 'response'
            ? errorForStatus(
                answer.status,
                answer.text,
                ctx,
                answer.headers['retry-after'],
                retryAfterSeconds(answer.headers['retry-after'], answer.headers.date, now()),
              )
            : errorForFailure(answer, ctx);

        // The name is taken, so the job exists (an earlier attempt or delivery made it). For batch invoke a
        // refusal of a taken `properties.name` is not documented; if the service gives one, it is read the same way.
        if (answer.kind === 'response' && answer.status >= 400 && answer.status < 500 && saysJobExists(answer.text)) {
          return settleByName(attempt, attemptError, attemptStarted);
        }

        if (verdict.outcome === 'unknown') {
          if (v2.kind === 'batch_endpoint') {
            // Never resent: look the job up by the name the body asked for.
            if (options.signal?.aborted)
              return err(unknownError(attemptError, attemptStarted, { result: 'not_attempted' }));
            await deps.sleep(settings.reconcileDelayMs, options.signal);
            if (options.signal?.aborted)
              return err(unknownError(attemptError, attemptStarted, { result: 'not_attempted' }));
            return settleByName(attempt, attemptError, attemptStarted);
          }
          // pipeline_job: the same PUT again is harmless (same name), so an unknown answer is retried.
          maybeSent = { at: attemptStarted, error: attemptError };
          lastError = attemptError;
          if (answer.kind === 'response' || answer.kind === 'timeout' || answer.kind === 'network') {
            // Backoff as for a retryable refusal (the observation only selects that policy).
            if (!(await backedOff({ kind: 'network', code: 'unknown', connected: false }, attempt))) break;
            continue;
          }
          break;
        }

        // Certainly not created.
        if (answer.kind === 'aborted') break;
        lastError = attemptError;
        if (signal.aborted) break;
        if (verdict.outcome === 'not_created' && !verdict.retryable) {
          if (!maybeSent) return err(lastError);
          break;
        }
        if (!(await backedOff(observe(answer, undefined), attempt))) break;
      }

      // Out of attempts or time.
      if (maybeSent) {
        // pipeline_job after an answer that was lost: whether the job exists decides.
        if (options.signal?.aborted)
          return err(unknownError(maybeSent.error, maybeSent.at, { result: 'not_attempted' }));
        const existing = await getJob(target, ws, jobName, options.signal);
        if (existing.ok && existing.value) return reconciled(existing.value, ctx.attempts, maybeSent.error.code);
        if (existing.ok)
          return err({
            ...maybeSent.error,
            outcome: 'not_created',
            transient: true,
            status: 503,
            message: `${maybeSent.error.message} Job ${jobName} does not exist, so nothing was created; a later retry uses the same job name and cannot start a second job.`,
          });
        return err(
          unknownError(maybeSent.error, maybeSent.at, {
            result: 'failed',
            code: existing.error.code,
            message: existing.error.message,
          }),
        );
      }
      if (options.signal?.aborted || !lastError) return err(stopped(lastError));
      return err(remaining() <= 0 ? deadlineError(ctx, deadlineMs, lastError, lastError.retryAfterSeconds) : lastError);
    } finally {
      deadline.dispose();
    }
  }

  return {
    get scoringUriLookups() {
      return scoringUriLookups;
    },
    submit,
    async findRun(target, query, options = {}) {
      if (!target.workspace) return err(lookupError(target, 'no_workspace', 'the target has no workspace'));
      return getJob(target, target.workspace, jobNameFor(query.key), options.signal);
    },
  };
}
