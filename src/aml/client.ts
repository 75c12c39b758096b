/**
 * The Azure ML pipeline client: submits a run of a configured target and reports the outcome as a value.
 *
 *   const client = createPipelineClient({ env: runtime.env });
 *   const key = submissionKey('occ', schedule, occurrenceIso);
 *   const result = await client.submit(target, { ExperimentName: 'nightly', ParameterAssignments: {...} }, { key });
 *   const found = await client.findRun(target, { experimentName: 'nightly', key });   // later reconciliation
 *
 * For each submission: the submit URL (explicit, or built from the workspace's service host, looked up
 * once through ARM and cached), an access token for AML_TOKEN_AUDIENCE from @azure/identity, the body
 * with the key in Properties and Tags (`aml_triggers_key`), then POST attempts inside the total deadline.
 * Each attempt is classified (outcome.ts):
 *   - created: success, `{ runId, run, attempts }`;
 *   - not_created: retried when it may pass (no connection made, 429 with its Retry-After, 408), else
 *     returned as an error with `outcome: 'not_created'`;
 *   - unknown (a 5xx, a timeout or reset after connecting, a 2xx without an Id): NEVER resent. With a key,
 *     the client waits AML_RECONCILE_DELAY_MS and looks the run up once by the key (runLookup.ts): found →
 *     success with `reconciled: true`; not found or the look-up failed → `aml.submission.outcome_unknown`
 *     (`outcome: 'unknown'`, never transient) naming the key, the experiment and what to do.
 * Later reconciliation (timer, reactive) calls `findRun` with the same key.
 *
 * Azure ML v2 targets (those with a `v2` part: pipeline_job, batch_endpoint) go to v2Client.ts, same outcomes.
 *
 * Never throws for service, network or credential failures: those are `aml.*` errors (errors.ts).
 * `createPipelineClient` throws `AppFailure` only for invalid settings, so a broken deployment fails at
 * start-up.
 */
import type { TokenCredential } from '@azure/identity';
import { randomUUID } from 'node:crypto';
import { AppFailure, err, ok, type AppError, type Result } from '../errors';
import { noTelemetry, type Telemetry } from '../telemetry';
import { SUBMISSION_KEY_NAME } from './constants';
import { createCredential, createTokenSource, describeCredential, type TokenSource } from './credential';
import { buildSubmitUrl, explicitOrNeedsHost } from './endpoint';
import {
  badRunError,
  beforeSending,
  credentialError,
  deadlineError,
  errorForFailure,
  errorForStatus,
  outcomeUnknownError,
  type ErrorContext,
} from './errors';
import { classifyAttempt, observe } from './outcome';
import { decideRetry, retryAfterSeconds } from './retry';
import { startDeadline } from './deadline';
import { createRunLookup } from './runLookup';
import { readAmlSettings, type AmlSettings } from './settings';
import { isSubmissionKey } from './submissionKey';
import { createTransport, type Transport } from './transport';
import type {
  AmlError,
  FoundRun,
  PipelineClient,
  PipelineTarget,
  RunQuery,
  SubmissionBody,
  SubmitOptions,
  SubmitResult,
  UnknownSubmission,
} from './types';
import { createV2Client, type V2Client } from './v2Client';
import { createWorkspaceResolver, type WorkspaceResolver } from './workspace';
import { processSettings } from '../settings';
import {
  statusError,
  statusLocation,
  statusUrlOnHost,
  type PipelineStatusSetter,
  type PublishedPipelineStatus,
  type PipelineStatusResult,
} from './pipelineStatus';

export const USER_AGENT = 'aml-pipeline-triggers/0.1 (Azure Functions; Node.js)';

export interface PipelineClientOptions {
  /** App settings to read (src/settings.ts); default the process's (`processSettings()`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides on top of the settings read from `env` (tests use small delays and timeouts). */
  settings?: Partial<AmlSettings>;
  telemetry?: Telemetry;
  /** Use this credential instead of the one the settings call for. */
  credential?: TokenCredential;
  transport?: Transport;
  /** Random source for backoff jitter, in [0, 1). */
  random?: () => number;
  /** Waits between attempts; resolves early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface AmlPipelineClient extends PipelineClient, PipelineStatusSetter {
  /** As `PipelineClient.submit`; errors carry `retryAfterSeconds` when Azure ML's last answer asked for a wait. */
  submit(
    target: PipelineTarget,
    body: SubmissionBody,
    options?: SubmitOptions,
  ): Promise<Result<SubmitResult, AmlError>>;
  /** Looks a run up by its submission key (run-history query; see runLookup.ts). */
  findRun(
    target: PipelineTarget,
    query: RunQuery,
    options?: { signal?: AbortSignal },
  ): Promise<Result<FoundRun | undefined, AmlError>>;
  readonly settings: AmlSettings;
  /** ARM workspace look-ups made so far (each workspace is looked up once). */
  readonly workspaceLookups: number;
  /** Releases keep-alive sockets. */
  close(): void;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The run object and its `Id` from a 2xx answer, when readable. */
function readRun(text: string): { run: Record<string, unknown>; id: string } | undefined {
  try {
    const run: unknown = JSON.parse(text);
    if (typeof run !== 'object' || run === null || Array.isArray(run)) return undefined;
    const id = (run as Record<string, unknown>).Id;
    return typeof id === 'string' && id !== '' ? { run: run as Record<string, unknown>, id } : undefined;
  } catch {
    return undefined;
  }
}

/** The body as sent: the key added to Properties and Tags (the caller's own entries kept). */
function withKey(body: SubmissionBody, key: string | undefined): SubmissionBody {
  if (key === undefined) return body;
  return {
    ...body,
    Properties: { ...(body.Properties ?? {}), [SUBMISSION_KEY_NAME]: key },
    Tags: { ...(body.Tags ?? {}), [SUBMISSION_KEY_NAME]: key },
  };
}

export function createPipelineClient(options: PipelineClientOptions = {}): AmlPipelineClient {
  const read = readAmlSettings(options.env ?? processSettings());
  if (!read.ok) throw new AppFailure(read.error);
  const settings: AmlSettings = { ...read.value, ...(options.settings ?? {}) };
  const telemetry = options.telemetry ?? noTelemetry;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const transport = options.transport ?? createTransport({ extraCa: settings.extraCa });
  let credential: TokenCredential | undefined = options.credential;
  let tokens: TokenSource | undefined;
  let resolver: WorkspaceResolver | undefined;
  const getCredential = (): TokenCredential => (credential ??= createCredential(settings));
  const getTokens = (): TokenSource => (tokens ??= createTokenSource(getCredential()));
  const getResolver = (): WorkspaceResolver =>
    (resolver ??= createWorkspaceResolver({ credential: getCredential(), settings, transport }));
  const scope = `${settings.tokenAudience}/.default`;
  const credentialKind = options.credential
    ? 'the configured credential'
    : describeCredential(settings.credentialKind, settings.managedIdentityClientId);
  /** No token for `audience`: the error that names the credential and what to check. */
  const tokenError = (error: unknown, target: PipelineTarget, audience: string): AmlError =>
    credentialError(error, {
      target,
      audience,
      credentialKind,
      ...(settings.managedIdentityClientId ? { clientId: settings.managedIdentityClientId } : {}),
    });
  /** Headers of a JSON request to Azure ML. */
  const jsonHeaders = (token: string, requestId: string): Record<string, string> => ({
    authorization: `Bearer ${token}`,
    'content-type': 'application/json; charset=utf-8',
    accept: 'application/json',
    'user-agent': USER_AGENT,
    'x-ms-client-request-id': requestId,
  });

  let v2: V2Client | undefined;
  const getV2 = (): V2Client =>
    (v2 ??= createV2Client({
      settings,
      transport,
      token: (tokenScope, signal) => getTokens().getToken(tokenScope, signal),
      credentialError: tokenError,
      telemetry,
      userAgent: USER_AGENT,
      now,
      random,
      sleep,
    }));

  const lookup = createRunLookup({
    transport,
    token: (signal) => getTokens().getToken(scope, signal),
    async resolveHistoryHost(workspace, signal) {
      const host = await getResolver().resolve(workspace, signal);
      return host.ok ? ok(host.value.historyHost) : err({ ...host.error, outcome: 'unknown' as const });
    },
    attemptTimeoutMs: settings.attemptTimeoutMs,
    userAgent: USER_AGENT,
    telemetry,
    now,
  });

  async function submit(
    target: PipelineTarget,
    body: SubmissionBody,
    submitOptions: SubmitOptions = {},
  ): Promise<Result<SubmitResult, AmlError>> {
    if (target.v2) return getV2().submit(target, body, submitOptions);
    if (body.Inputs && Object.keys(body.Inputs).length > 0) {
      return err(
        beforeSending({
          code: 'aml.v1.inputs_unsupported',
          status: 400,
          field: 'Inputs',
          source: `target ${target.name}`,
          message: `Inputs (Azure ML v2 terms) cannot be sent to target ${target.name}, a v1 published pipeline: send ParameterAssignments and DataPathAssignments instead, or point the request at a pipeline_job / batch_endpoint target.`,
        }),
      );
    }
    const deadlineMs = submitOptions.deadlineMs ?? settings.deadlineMs;
    const key = submitOptions.key;
    // One signal for everything this submission does: the caller's, or the deadline passing.
    const deadline = startDeadline(deadlineMs, now, submitOptions.signal);
    const { signal, remaining } = deadline;
    const ctx: ErrorContext = {
      target,
      url: target.endpointUrl ?? '',
      audience: settings.tokenAudience,
      ...(settings.managedIdentityClientId ? { clientId: settings.managedIdentityClientId } : {}),
      attempts: 0,
    };
    // `retryAfter`: only when `last` is the answer just received (a Retry-After already waited out is stale).
    const stopped = (last?: AmlError, retryAfter?: number): AmlError =>
      submitOptions.signal?.aborted
        ? errorForFailure({ kind: 'aborted', connected: false }, ctx)
        : deadlineError(ctx, deadlineMs, last, retryAfter);

    if (key !== undefined && !isSubmissionKey(key)) {
      return err(
        beforeSending({
          code: 'aml.submission.invalid_key',
          status: 500,
          field: 'key',
          value: key,
          source: `target ${target.name}`,
          message: `The submission key ${JSON.stringify(key)} is not 1-64 characters of A-Z, a-z, 0-9, "_" or "-"; derive it with submissionKey().`,
        }),
      );
    }

    /**
     * After an attempt whose outcome is unknown: look the run up once by its key (after a short wait for
     * run history to catch up); never resend.
     */
    const reconcile = async (
      attemptError: AmlError,
      sentAt: number,
      attempt: number,
      url: string,
    ): Promise<Result<SubmitResult, AmlError>> => {
      const base = {
        experimentName: body.ExperimentName,
        sentAt: new Date(sentAt).toISOString(),
        ...(key !== undefined ? { key } : {}),
      };
      const unknown = (lookup: UnknownSubmission['lookup']): Result<SubmitResult, AmlError> => {
        const error = outcomeUnknownError(ctx, attemptError, { ...base, lookup }, settings.reconcileDelayMs);
        telemetry.event('PipelineSubmissionOutcomeUnknown', {
          target: target.name,
          experiment: body.ExperimentName,
          key,
          lookup: lookup.result,
          code: attemptError.code,
        });
        return err(error);
      };
      if (key === undefined) return unknown({ result: 'no_key' });
      // The deadline may have passed (it cut the attempt off); only the caller's own cancellation stops the look-up.
      const callerSignal = submitOptions.signal;
      if (callerSignal?.aborted) return unknown({ result: 'not_attempted' });
      await sleep(settings.reconcileDelayMs, callerSignal);
      if (callerSignal?.aborted) return unknown({ result: 'not_attempted' });
      const found = await lookup.findRun(
        target,
        { experimentName: body.ExperimentName, key, submittedAfter: new Date(sentAt) },
        callerSignal ? { signal: callerSignal } : {},
      );
      if (!found.ok) return unknown({ result: 'failed', code: found.error.code, message: found.error.message });
      if (!found.value) return unknown({ result: 'not_found' });
      telemetry.event(
        'PipelineSubmissionReconciled',
        {
          target: target.name,
          experiment: body.ExperimentName,
          key,
          runId: found.value.runId,
          matchedBy: found.value.matchedBy,
          code: attemptError.code,
        },
        { matches: found.value.matches },
      );
      return ok({
        runId: found.value.runId,
        run: found.value.run,
        attempts: attempt,
        endpointUrl: url,
        reconciled: true,
        key,
      });
    };

    try {
      // 1. Where to submit.
      const where = explicitOrNeedsHost(target);
      if (!where.ok) return err(beforeSending(where.error));
      let url: string;
      if ('url' in where.value) url = where.value.url;
      else {
        const host = await getResolver().resolve(where.value.workspace, signal);
        if (!host.ok) return err(signal.aborted ? stopped(beforeSending(host.error)) : beforeSending(host.error));
        url = buildSubmitUrl(host.value.host, where.value.workspace, where.value.pipeline);
      }
      ctx.url = url;
      const payload = JSON.stringify(withKey(body, key));
      const hostName = new URL(url).host;

      // 2. Attempts.
      let lastError: AmlError | undefined;
      for (let attempt = 1; ; attempt++) {
        let token: string;
        try {
          token = await getTokens().getToken(scope, signal);
        } catch (error) {
          if (signal.aborted) return err(stopped(lastError));
          return err(tokenError(error, target, settings.tokenAudience));
        }
        if (signal.aborted) return err(stopped(lastError));
        ctx.attempts = attempt;
        const requestId = randomUUID();
        const attemptStarted = now();
        const answer = await transport.send({
          method: 'POST',
          url,
          headers: {
            ...jsonHeaders(token, requestId),
            ...(submitOptions.traceParent ? { traceparent: submitOptions.traceParent } : {}),
          },
          body: payload,
          timeoutMs: Math.max(1, Math.min(settings.attemptTimeoutMs, remaining())),
          signal,
        });
        const durationMs = now() - attemptStarted;
        const success = answer.kind === 'response' && answer.status >= 200 && answer.status < 300;
        const readable = success ? readRun(answer.text) : undefined;
        const verdict = classifyAttempt(observe(answer, readable?.id));
        telemetry.dependency({
          name: 'POST Azure ML pipeline submit',
          target: hostName,
          data: url,
          durationMs,
          success: verdict.outcome === 'created',
          resultCode: answer.kind === 'response' ? answer.status : answer.kind,
          properties: {
            target: target.name,
            attempt,
            requestId,
            outcome: verdict.outcome,
            ...(key !== undefined ? { key } : {}),
          },
        });

        if (verdict.outcome === 'created') {
          return ok({
            runId: verdict.runId,
            run: readable?.run ?? { Id: verdict.runId },
            attempts: attempt,
            endpointUrl: url,
            ...(key !== undefined ? { key } : {}),
          });
        }

        const attemptError: AmlError =
          answer.kind === 'response'
            ? success
              ? badRunError(ctx, answer.text)
              : errorForStatus(
                  answer.status,
                  answer.text,
                  ctx,
                  answer.headers['retry-after'],
                  retryAfterSeconds(answer.headers['retry-after'], answer.headers.date, now()),
                )
            : errorForFailure(answer, ctx);
        if (verdict.outcome === 'unknown') return await reconcile(attemptError, attemptStarted, attempt, url);

        // Certainly not created.
        if (answer.kind === 'aborted') return err(stopped(lastError));
        lastError = attemptError;
        if (signal.aborted) return err(stopped(lastError, lastError.retryAfterSeconds));
        if (!verdict.retryable) return err(lastError);
        const decision = decideRetry({
          outcome: observe(answer, undefined),
          attempt,
          policy: settings.retry,
          nowMs: now(),
          remainingMs: remaining(),
          random,
        });
        if (!decision.retry) {
          if (decision.reason === 'deadline')
            return err(deadlineError(ctx, deadlineMs, lastError, lastError.retryAfterSeconds));
          return err(lastError);
        }
        await sleep(decision.delayMs, signal);
        if (signal.aborted) return err(stopped(lastError));
      }
    } finally {
      deadline.dispose();
    }
  }

  /** `PublishedPipeline.disable()` / `enable()`: one PUT of the status as a JSON string (pipelineStatus.ts). */
  async function setPublishedPipelineStatus(
    target: PipelineTarget,
    status: PublishedPipelineStatus,
  ): Promise<Result<PipelineStatusResult, AppError>> {
    const where = statusLocation(target);
    if (!where.ok) return where;
    const { pipelineId } = where.value;
    let url: string;
    if ('url' in where.value) url = where.value.url;
    else {
      const host = await getResolver().resolve(where.value.workspace);
      if (!host.ok) return err(host.error);
      url = statusUrlOnHost(host.value.host, where.value.workspace, pipelineId);
    }
    let token: string;
    try {
      token = await getTokens().getToken(scope);
    } catch (error) {
      return err(tokenError(error, target, settings.tokenAudience));
    }
    const started = now();
    const answer = await transport.send({
      method: 'PUT',
      url,
      headers: jsonHeaders(token, randomUUID()),
      body: JSON.stringify(status),
      timeoutMs: settings.attemptTimeoutMs,
    });
    const success = answer.kind === 'response' && answer.status >= 200 && answer.status < 300;
    telemetry.dependency({
      name: 'PUT Azure ML published pipeline status',
      target: new URL(url).host,
      data: url,
      durationMs: now() - started,
      success,
      resultCode: answer.kind === 'response' ? answer.status : answer.kind,
      properties: { target: target.name, pipelineId, status },
    });
    if (success) return ok({ url, status, pipelineId });
    const detail =
      answer.kind === 'response' ? answer.text.trim().slice(0, 300) || 'no message' : `no answer: ${answer.kind}`;
    return err(
      statusError(target, pipelineId, status, {
        ...(answer.kind === 'response' ? { status: answer.status } : {}),
        detail,
      }),
    );
  }

  return {
    settings,
    setPublishedPipelineStatus,
    get workspaceLookups() {
      return resolver?.lookups ?? 0;
    },
    submit,
    findRun: (target, query, findOptions) =>
      target.v2 ? getV2().findRun(target, query, findOptions) : lookup.findRun(target, query, findOptions),
    close() {
      transport.close();
    },
  };
}
