/**
 * The Azure ML pipeline client: submits a run of a configured target and reports the outcome as a value.
 *
 *   const client = createPipelineClient({ env: process.env });
 *   const result = await client.submit(target, { ExperimentName: 'nightly', ParameterAssignments: {...} });
 *
 * For each submission: the submit URL (explicit, or built from the workspace's service host, looked up
 * once through ARM and cached), an access token for AML_TOKEN_AUDIENCE from @azure/identity, then POSTs
 * with retries (retry.ts) inside the total deadline. Never throws for service, network or credential
 * failures: those are `aml.*` AppErrors (errors.ts). `createPipelineClient` throws `AppFailure` only for
 * invalid settings, so a broken deployment fails at start-up.
 */
import type { TokenCredential } from '@azure/identity';
import { randomUUID } from 'node:crypto';
import { AppFailure, err, ok, type AppError, type Result } from '../errors';
import { noTelemetry, type Telemetry } from '../telemetry';
import { createCredential, createTokenSource, describeCredential, type TokenSource } from './credential';
import { buildSubmitUrl, explicitOrNeedsHost } from './endpoint';
import { badRunError, credentialError, deadlineError, errorForFailure, errorForStatus, type ErrorContext } from './errors';
import { decideRetry, retryAfterSeconds, type AttemptOutcome } from './retry';
import { readAmlSettings, type AmlSettings } from './settings';
import { createTransport, type HttpOutcome, type Transport } from './transport';
import type { AmlError, PipelineClient, PipelineTarget, SubmissionBody, SubmitOptions, SubmitResult } from './types';
import { createWorkspaceResolver, type WorkspaceResolver } from './workspace';

export const USER_AGENT = 'aml-pipeline-triggers/0.1 (Azure Functions; Node.js)';

export interface PipelineClientOptions {
  /** App settings to read (settings.ts); default `process.env`. */
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

export interface AmlPipelineClient extends PipelineClient {
  /** As `PipelineClient.submit`; errors carry `retryAfterSeconds` when Azure ML's last answer asked for a wait. */
  submit(target: PipelineTarget, body: SubmissionBody, options?: SubmitOptions): Promise<Result<SubmitResult, AmlError>>;
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

function toOutcome(answer: HttpOutcome): AttemptOutcome | undefined {
  switch (answer.kind) {
    case 'response':
      return { kind: 'status', status: answer.status, retryAfter: answer.headers['retry-after'] ?? null };
    case 'timeout':
      return { kind: 'timeout' };
    case 'network':
      return { kind: 'network', code: answer.code };
    case 'aborted':
      return undefined;
  }
}

export function createPipelineClient(options: PipelineClientOptions = {}): AmlPipelineClient {
  const read = readAmlSettings(options.env ?? process.env);
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
  const getResolver = (): WorkspaceResolver => (resolver ??= createWorkspaceResolver({ credential: getCredential(), settings, transport }));
  const scope = `${settings.tokenAudience}/.default`;
  const credentialKind = options.credential ? 'the configured credential' : describeCredential(settings.credentialKind, settings.managedIdentityClientId);

  async function submit(target: PipelineTarget, body: SubmissionBody, submitOptions: SubmitOptions = {}): Promise<Result<SubmitResult, AmlError>> {
    const deadlineMs = submitOptions.deadlineMs ?? settings.deadlineMs;
    const started = now();
    const remaining = (): number => deadlineMs - (now() - started);
    // One signal for everything this submission does: the caller's, or the deadline passing.
    const deadline = new AbortController();
    const deadlineTimer = setTimeout(() => deadline.abort(), deadlineMs);
    const signal = submitOptions.signal ? AbortSignal.any([submitOptions.signal, deadline.signal]) : deadline.signal;
    const ctx: ErrorContext = {
      target,
      url: target.endpointUrl ?? '',
      audience: settings.tokenAudience,
      ...(settings.managedIdentityClientId ? { clientId: settings.managedIdentityClientId } : {}),
      attempts: 0,
    };
    // `retryAfter`: only when `last` is the answer just received (a Retry-After already waited out is stale).
    const stopped = (last?: AppError, retryAfter?: number): AmlError =>
      submitOptions.signal?.aborted
        ? errorForFailure({ kind: 'aborted' }, ctx)
        : deadlineError(ctx, deadlineMs, last, retryAfter);

    try {
      // 1. Where to submit.
      const where = explicitOrNeedsHost(target);
      if (!where.ok) return where;
      let url: string;
      if ('url' in where.value) url = where.value.url;
      else {
        const host = await getResolver().resolve(where.value.workspace, signal);
        if (!host.ok) return signal.aborted ? err(stopped(host.error)) : host;
        url = buildSubmitUrl(host.value.host, where.value.workspace, where.value.pipeline);
      }
      ctx.url = url;
      const payload = JSON.stringify(body);
      const hostName = new URL(url).host;

      // 2. Attempts.
      let lastError: AmlError | undefined;
      for (let attempt = 1; ; attempt++) {
        let token: string;
        try {
          token = await getTokens().getToken(scope, signal);
        } catch (error) {
          if (signal.aborted) return err(stopped(lastError));
          return err(credentialError(error, { target, audience: settings.tokenAudience, credentialKind, ...(settings.managedIdentityClientId ? { clientId: settings.managedIdentityClientId } : {}) }));
        }
        if (signal.aborted) return err(stopped(lastError));
        ctx.attempts = attempt;
        const requestId = randomUUID();
        const attemptStarted = now();
        const answer = await transport.send({
          method: 'POST',
          url,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json; charset=utf-8',
            accept: 'application/json',
            'user-agent': USER_AGENT,
            'x-ms-client-request-id': requestId,
            ...(submitOptions.traceParent ? { traceparent: submitOptions.traceParent } : {}),
          },
          body: payload,
          timeoutMs: Math.max(1, Math.min(settings.attemptTimeoutMs, remaining())),
          signal,
        });
        const durationMs = now() - attemptStarted;
        const success = answer.kind === 'response' && answer.status >= 200 && answer.status < 300;
        telemetry.dependency({
          name: 'POST Azure ML pipeline submit',
          target: hostName,
          data: url,
          durationMs,
          success,
          resultCode: answer.kind === 'response' ? answer.status : answer.kind,
          properties: { target: target.name, attempt, requestId },
        });

        if (answer.kind === 'response' && success) {
          let run: unknown;
          try {
            run = JSON.parse(answer.text);
          } catch {
            return err(badRunError(ctx, answer.text));
          }
          const id = typeof run === 'object' && run !== null ? (run as Record<string, unknown>).Id : undefined;
          if (typeof id !== 'string' || id === '') return err(badRunError(ctx, answer.text));
          return ok({ runId: id, run: run as Record<string, unknown>, attempts: attempt, endpointUrl: url });
        }

        const outcome = toOutcome(answer);
        if (!outcome || answer.kind === 'aborted') return err(stopped(lastError));
        lastError =
          answer.kind === 'response'
            ? errorForStatus(answer.status, answer.text, ctx, answer.headers['retry-after'], retryAfterSeconds(answer.headers['retry-after'], answer.headers.date, now()))
            : errorForFailure(answer, ctx);
        if (signal.aborted) return err(stopped(lastError, lastError.retryAfterSeconds));

        const decision = decideRetry({ outcome, attempt, policy: settings.retry, nowMs: now(), remainingMs: remaining(), random });
        if (!decision.retry) {
          if (decision.reason === 'deadline') return err(deadlineError(ctx, deadlineMs, lastError, lastError.retryAfterSeconds));
          return err(lastError);
        }
        await sleep(decision.delayMs, signal);
        if (signal.aborted) return err(stopped(lastError));
      }
    } finally {
      clearTimeout(deadlineTimer);
    }
  }

  return {
    settings,
    get workspaceLookups() {
      return resolver?.lookups ?? 0;
    },
    submit,
    close() {
      transport.close();
    },
  };
}
