import type { HttpResponseInit } from '@azure/functions';
import { statusOf, type AppError } from '../errors';

/** RFC 9457 problem details, with the app's extension members. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  field?: string;
  value?: unknown;
  errors?: Array<{ code: string; detail: string; field?: string; value?: unknown }>;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const PROBLEM_TYPE_BASE =
  'https://github.com/aml-pipeline-triggers/aml-pipeline-triggers/blob/main/docs/errors.md#';

/** The anchor of an error code in docs/errors.md: `schedule.target.unknown` → `schedule-target-unknown`. */
export function errorAnchor(code: string): string {
  return code.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
}

export function toProblem(error: AppError, status = statusOf(error), instance?: string): ProblemDetails {
  const problem: ProblemDetails = {
    type: PROBLEM_TYPE_BASE + errorAnchor(error.code),
    title: TITLES[status] ?? 'Error',
    status,
    detail: error.message,
    code: error.code,
  };
  if (instance !== undefined) problem.instance = instance;
  if (error.field !== undefined) problem.field = error.field;
  if (error.value !== undefined) problem.value = error.value;
  if (error.errors && error.errors.length > 0) {
    problem.errors = error.errors.map((e) => ({
      code: e.code,
      detail: e.message,
      ...(e.field !== undefined ? { field: e.field } : {}),
      ...(e.value !== undefined ? { value: e.value } : {}),
    }));
  }
  return problem;
}

/**
 * The wait an error carries (`retryAfterSeconds`, set e.g. by the Azure ML client from Azure ML's own
 * `Retry-After`) as `Retry-After` delta-seconds: rounded up, at least 1 (a `0` would invite an immediate
 * retry into the same throttling). Undefined when the error carries none: no wait is ever invented.
 */
export function retryAfterHeaderValue(error: AppError): string | undefined {
  const value = 'retryAfterSeconds' in error ? error.retryAfterSeconds : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return String(Math.max(1, Math.ceil(value)));
}

/**
 * The problem+json response for an error. When the error carries a wait (`retryAfterSeconds`, whatever
 * its code or status) the response gets a `Retry-After` header and the detail says how long to wait,
 * so callers that honour Retry-After (Logic Apps, Data Factory) come back when the upstream asked,
 * unless the caller of this function set its own `Retry-After` in `headers`, which then wins.
 */
export function problemResponse(
  error: AppError,
  status = statusOf(error),
  instance?: string,
  headers: Record<string, string> = {},
  /** Extension members added to the problem (RFC 9457 §3.2), e.g. the submission key of an unknown outcome. */
  extensions: Record<string, unknown> = {},
): HttpResponseInit {
  const problem: ProblemDetails = { ...toProblem(error, status, instance), ...extensions };
  const own = Object.keys(headers).some((name) => name.toLowerCase() === 'retry-after');
  const retryAfter = own ? undefined : retryAfterHeaderValue(error);
  if (retryAfter !== undefined) problem.detail = `${problem.detail} Retry after ${retryAfter} s (Retry-After header).`;
  return {
    status,
    headers: {
      'Content-Type': 'application/problem+json',
      ...(retryAfter !== undefined ? { 'Retry-After': retryAfter } : {}),
      ...headers,
    },
    jsonBody: problem,
  };
}
