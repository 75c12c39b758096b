import type { HttpResponseInit } from '@azure/functions';
import type { AppError } from '../errors';

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

export const PROBLEM_TYPE_BASE = 'https://github.com/aml-pipeline-triggers/aml-pipeline-triggers/blob/main/docs/errors.md#';

export function toProblem(error: AppError, status = error.status ?? 400, instance?: string): ProblemDetails {
  const problem: ProblemDetails = {
    type: PROBLEM_TYPE_BASE + error.code.replace(/[^a-z0-9]+/gi, '-').toLowerCase(),
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

export function problemResponse(
  error: AppError,
  status = error.status ?? 400,
  instance?: string,
  headers: Record<string, string> = {},
): HttpResponseInit {
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
    jsonBody: toProblem(error, status, instance),
  };
}
