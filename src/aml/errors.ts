/**
 * Turns what went wrong talking to Azure ML into an `AppError` (code `aml.*`): what happened, naming the
 * target, workspace and pipeline, and what to do. `status` is what the app should answer ITS caller with:
 * the caller's fault (400) only when Azure ML refused the submitted body; 502 when Azure ML refused the
 * app itself (identity, rights, a pipeline id in configuration); 503/504 for transient trouble.
 * Transient errors also carry `retryAfterSeconds` when Azure ML's final answer had a `Retry-After`
 * (see `AmlError` in types.ts); the HTTP functions turn it into their own `Retry-After` header.
 * Every error says what the submission left behind (`outcome`, outcome.ts); an attempt whose outcome
 * is unknown ends the submission with `outcomeUnknownError`, which is never transient: a run may
 * exist, so nothing may send it again before it has been looked up.
 */
import type { AppError } from '../errors';
import { DEFAULT_AUDIENCE, ERROR_MESSAGE_PATHS, SUBMISSION_KEY_NAME, SUBMIT_ROLE } from './constants';
import { describePipeline, describeWorkspace } from './endpoint';
import { classifyAttempt } from './outcome';
import type { HttpFailure } from './transport';
import type { AmlError, PipelineTarget, UnknownSubmission } from './types';

export interface ErrorContext {
  target: PipelineTarget;
  /** The URL the submission went to. */
  url: string;
  /** Token audience used. */
  audience?: string;
  /** Managed identity client id in use, when user-assigned. */
  clientId?: string;
  attempts: number;
}

/** Reads the service's message from an error body (see constants.ts ERROR_MESSAGE_PATHS), else a trimmed text. */
export function serviceMessage(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    const json: unknown = JSON.parse(trimmed);
    for (const path of ERROR_MESSAGE_PATHS) {
      let value: unknown = json;
      for (const key of path)
        value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
      if (typeof value === 'string' && value.trim() !== '') return value.trim();
    }
    return undefined;
  } catch {
    return trimmed.length > 300 ? `${trimmed.slice(0, 299)}…` : trimmed;
  }
}

function identityPhrase(ctx: ErrorContext): string {
  return ctx.clientId ? `the app's identity (user-assigned, client id ${ctx.clientId})` : "the app's identity";
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function said(text: string | undefined): string {
  return text ? ` Azure ML said: "${text}"` : '';
}

function attemptsPhrase(n: number): string {
  return n === 1 ? '1 attempt' : `${n} attempts`;
}

/** `{ retryAfterSeconds }` when known, else nothing: spread into an error. */
function retryHint(retryAfterSeconds: number | undefined): { retryAfterSeconds?: number } {
  return retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0
    ? { retryAfterSeconds }
    : {};
}

/**
 * The error for a final HTTP answer that is not a success. `retryAfter` is the answer's `Retry-After` as
 * sent (quoted in the message); `retryAfterSeconds` the wait it asks for (retry.ts `retryAfterSeconds`),
 * kept on the error when the failure is transient so the app's callers learn when to come back.
 */
export function errorForStatus(
  status: number,
  bodyText: string,
  ctx: ErrorContext,
  retryAfter?: string,
  retryAfterSeconds?: number,
): AmlError {
  const where = `${describePipeline(ctx.target)} in workspace ${describeWorkspace(ctx.target)}`;
  const msg = serviceMessage(bodyText);
  const verdict = classifyAttempt({ kind: 'status', status });
  const base = {
    value: ctx.url,
    source: `target ${ctx.target.name}`,
    outcome: verdict.outcome === 'not_created' ? ('not_created' as const) : ('unknown' as const),
  };
  // Only worth passing on when trying again later may succeed; Azure ML does not send it otherwise anyway.
  const hint = retryHint(retryAfterSeconds);
  switch (true) {
    case status === 400 || status === 422:
      return {
        ...base,
        code: 'aml.bad_request',
        status: 400,
        transient: false,
        message: `Azure ML refused the submission to ${where} as invalid (HTTP ${status}).${said(msg)} Check the parameter names and values against the pipeline's parameters and the data path assignments (datastore name and relative path).`,
      };
    case status === 401:
      return {
        ...base,
        code: 'aml.unauthorized',
        status: 502,
        transient: false,
        message: `Azure ML did not accept the app's access token for ${where} (HTTP 401).${said(msg)} The token is requested for audience ${ctx.audience ?? DEFAULT_AUDIENCE} (setting AML_TOKEN_AUDIENCE); check that it is the Azure Resource Manager audience and that ${identityPhrase(ctx)} belongs to the workspace's tenant.`,
      };
    case status === 403:
      return {
        ...base,
        code: 'aml.forbidden',
        status: 502,
        transient: false,
        message: `${capitalize(identityPhrase(ctx))} lacks the right to submit ${where} (HTTP 403).${said(msg)} Assign it the ${SUBMIT_ROLE} role (or a custom role with the pipeline run actions) on workspace ${describeWorkspace(ctx.target)}.`,
      };
    case status === 404:
      return {
        ...base,
        code: 'aml.pipeline_not_found',
        status: 502,
        transient: false,
        message: `Azure ML has no active ${where} (HTTP 404).${said(msg)} Check the target's pipeline id (or endpoint name and version) and the workspace, and that the pipeline is enabled: a disabled published pipeline refuses submissions.`,
      };
    case status === 429:
      return {
        ...base,
        ...hint,
        code: 'aml.throttled',
        status: 503,
        transient: true,
        message: `Azure ML throttled submissions to ${where} (HTTP 429) after ${attemptsPhrase(ctx.attempts)}${retryAfter ? `; it asked to wait ${retryAfter}${/^\d+$/.test(retryAfter) ? ' s' : ''}` : ''}.${said(msg)} Try again later or submit less often.`,
      };
    case status === 408:
      return {
        ...base,
        ...hint,
        code: 'aml.unavailable',
        status: 503,
        transient: true,
        message: `Azure ML timed out reading the submission to ${where} (HTTP 408) after ${attemptsPhrase(ctx.attempts)}.${said(msg)} This is usually temporary: try again later; if it persists, check the Azure ML service health for the workspace's region.`,
      };
    case status >= 500:
      // The request may have been acted on (a gateway may have forwarded it): never transient.
      return {
        ...base,
        code: 'aml.server_error',
        status: 502,
        transient: false,
        message: `Azure ML (or a gateway in front of it) answered HTTP ${status} to the submission to ${where}.${said(msg)} Whether a run was started is unknown.`,
      };
    default:
      return {
        ...base,
        code: verdict.outcome === 'not_created' ? 'aml.refused' : 'aml.unexpected_status',
        status: 502,
        transient: false,
        message: `Azure ML answered HTTP ${status} to the submission to ${where}.${said(msg)} Check the target's endpoint URL.`,
      };
  }
}

/** The error for an attempt that got no answer at all. */
export function errorForFailure(failure: HttpFailure, ctx: ErrorContext): AmlError {
  const where = `${describePipeline(ctx.target)} in workspace ${describeWorkspace(ctx.target)}`;
  const unknown = failure.connected;
  const base = {
    value: ctx.url,
    source: `target ${ctx.target.name}`,
    outcome: unknown ? ('unknown' as const) : ('not_created' as const),
  };
  switch (failure.kind) {
    case 'timeout':
      return {
        ...base,
        code: 'aml.timeout',
        status: 504,
        transient: !unknown,
        message: unknown
          ? `Azure ML did not answer the submission to ${where} within ${failure.afterMs} ms (${attemptsPhrase(ctx.attempts)}); the request had been sent, so the run may or may not have been created.`
          : `Could not connect to Azure ML at ${new URL(ctx.url).host} for ${where} within ${failure.afterMs} ms (${attemptsPhrase(ctx.attempts)}); nothing was sent. Check the endpoint host and network rules.`,
      };
    case 'network':
      return {
        ...base,
        code: 'aml.network',
        status: unknown ? 502 : 503,
        transient: !unknown,
        message: unknown
          ? `The connection to Azure ML at ${new URL(ctx.url).host} broke after the submission to ${where} was sent (${failure.code}: ${failure.message}; ${attemptsPhrase(ctx.attempts)}), so the run may or may not have been created.`
          : `Could not reach Azure ML at ${new URL(ctx.url).host} for ${where} (${failure.code}: ${failure.message}; ${attemptsPhrase(ctx.attempts)}); nothing was sent. Check the endpoint host, DNS and network rules (private endpoints need the app in the workspace's virtual network).`,
      };
    case 'aborted':
      return {
        ...base,
        code: 'aml.cancelled',
        status: 503,
        transient: !unknown,
        message: `The submission to ${where} was cancelled before Azure ML answered (${attemptsPhrase(ctx.attempts)})${unknown ? '; the request had been sent, so the run may or may not have been created' : ''}.`,
      };
  }
}

/**
 * The error when the total deadline ends the retries. `retryAfterSeconds`: pass the last answer's wait
 * when that answer is what ended the retries (its Retry-After did not fit in what was left of the
 * deadline), not one already waited out.
 */
export function deadlineError(
  ctx: ErrorContext,
  deadlineMs: number,
  last: AppError | undefined,
  retryAfterSeconds?: number,
): AmlError {
  return {
    ...retryHint(retryAfterSeconds),
    outcome: 'not_created',
    value: ctx.url,
    source: `target ${ctx.target.name}`,
    code: 'aml.deadline_exceeded',
    status: 504,
    transient: true,
    message: `Gave up submitting ${describePipeline(ctx.target)} in workspace ${describeWorkspace(ctx.target)}: the ${deadlineMs} ms deadline was reached after ${attemptsPhrase(ctx.attempts)}.${last ? ` Last problem: ${last.message}` : ''}`,
    ...(last ? { errors: [last] } : {}),
  };
}

/** The error when a success answer has no run id: a run may exist. */
export function badRunError(ctx: ErrorContext, text: string): AmlError {
  return {
    outcome: 'unknown',
    value: ctx.url,
    source: `target ${ctx.target.name}`,
    code: 'aml.bad_response',
    status: 502,
    transient: false,
    message: `Azure ML accepted the submission to ${describePipeline(ctx.target)} but its answer has no run "Id" (${text.length > 200 ? `${text.slice(0, 199)}…` : text || 'empty body'}). Check that the target's endpoint URL is a pipeline submit URL.`,
  };
}

/** The error when no access token could be obtained. */
export function credentialError(
  cause: unknown,
  ctx: { target: PipelineTarget; audience: string; clientId?: string; credentialKind: string },
): AmlError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const name = cause instanceof Error ? cause.name : '';
  const unavailable = name === 'CredentialUnavailableError';
  return {
    outcome: 'not_created',
    source: `target ${ctx.target.name}`,
    code: 'aml.credential',
    status: 502,
    transient: !unavailable,
    message: unavailable
      ? `No usable credential to get an access token for ${ctx.audience} (${ctx.credentialKind}): ${detail.split('\n')[0] ?? detail} In Azure, enable the Function App's managed identity${ctx.clientId ? ` (client id ${ctx.clientId})` : ''}; locally, sign in with "az login".`
      : `Could not get an access token for ${ctx.audience} (${ctx.credentialKind}${ctx.clientId ? `, client id ${ctx.clientId}` : ''}): ${detail.split('\n')[0] ?? detail} Check that the identity exists and, for a user-assigned identity, that AML_MANAGED_IDENTITY_CLIENT_ID is its client id.`,
  };
}

/** An error found before anything was sent (configuration, workspace look-up): certainly no run. */
export function beforeSending(error: AppError): AmlError {
  return { ...error, outcome: 'not_created' };
}

function lookupPhrase(submission: UnknownSubmission, delayMs: number): string {
  const lookup = submission.lookup;
  switch (lookup.result) {
    case 'no_key':
      return 'No submission key was given, so the run could not be looked up.';
    case 'not_attempted':
      return 'The submission was cancelled, so the run was not looked up.';
    case 'not_found':
      return `After ${delayMs} ms, no run with property ${SUBMISSION_KEY_NAME}=${submission.key ?? ''} was found in experiment ${submission.experimentName} (it may still appear: run history can lag behind).`;
    case 'failed':
      return `Looking the run up by property ${SUBMISSION_KEY_NAME}=${submission.key ?? ''} failed (${lookup.code}: ${lookup.message}).`;
  }
}

/**
 * The error for a submission whose attempt may have started a run that could not be found: what
 * happened, the key and experiment to look in, and what to do instead of resending.
 */
export function outcomeUnknownError(
  ctx: ErrorContext,
  attempt: AppError,
  submission: UnknownSubmission,
  reconcileDelayMs: number,
): AmlError {
  const find = submission.key
    ? `look in experiment ${submission.experimentName} of workspace ${describeWorkspace(ctx.target)} for a run with property ${SUBMISSION_KEY_NAME}=${submission.key} (Azure ML studio, or the run-history query)`
    : `look in experiment ${submission.experimentName} of workspace ${describeWorkspace(ctx.target)} for a run submitted around ${submission.sentAt}`;
  return {
    code: 'aml.submission.outcome_unknown',
    status: 502,
    transient: false,
    outcome: 'unknown',
    submission,
    value: ctx.url,
    source: `target ${ctx.target.name}`,
    message: `Azure ML may or may not have started a run of target ${ctx.target.name} (experiment ${submission.experimentName}, request sent at ${submission.sentAt}): ${attempt.message} ${lookupPhrase(submission, reconcileDelayMs)} Do not resend it blindly: ${find}, and submit again only if there is none.`,
    errors: [attempt],
  };
}

/** The error when a run could not be looked up by its submission key (what went wrong and what to check). */
export function lookupError(
  target: PipelineTarget,
  kind: 'invalid_key' | 'no_workspace' | 'credential' | 'timeout' | 'network' | 'aborted' | 'status' | 'bad_answer',
  detail: string,
  url?: string,
  status?: number,
): AmlError {
  const rights =
    status === 401 || status === 403
      ? ` The app's identity needs read access to the workspace's runs (the ${SUBMIT_ROLE} role includes it).`
      : '';
  return {
    code: kind === 'status' && (status === 401 || status === 403) ? 'aml.lookup.forbidden' : 'aml.lookup.failed',
    status: 502,
    transient:
      kind === 'timeout' || kind === 'network' || (kind === 'status' && (status === 429 || (status ?? 0) >= 500)),
    outcome: 'unknown',
    source: `target ${target.name}`,
    ...(url ? { value: url } : {}),
    message: `Could not look up runs of target ${target.name} in Azure ML run history${url ? ` at ${new URL(url).host}` : ''}: ${detail}.${rights}`,
  };
}
