/**
 * Errors are values: every failure the app reports carries a stable code, a sentence the user can act
 * on, and the offending input (the field's path and its value). Adapters that must throw wrap one in
 * `AppFailure`; HTTP turns one into RFC 9457 problem+json (src/http/problem.ts). Every code is defined once,
 * with its status and what to do, in the error catalog (src/errorCatalog.ts).
 */
import { ERROR_CATALOG, type ErrorCode, type MessageFields, type TemplatedCode } from './errorCatalog';
export { showValue } from './showValue';
export interface AppError {
  /** Stable, dotted, machine-readable code from the catalog (src/errorCatalog.ts), e.g. `recurrence.interval.out_of_range`. */
  readonly code: ErrorCode;
  /** A sentence the user can act on: what is wrong and what to do. */
  readonly message: string;
  /** Path of the offending field, dotted / bracketed from the document root, e.g. `recurrence.hours[2]`. */
  readonly field?: string;
  /** The offending value, as given. */
  readonly value?: unknown;
  /** Where the input came from (a file name, a setting name), when not the request itself. */
  readonly source?: string;
  /** HTTP status to answer with when this error reaches an HTTP caller. */
  readonly status?: number;
  /** Whether trying again later may succeed (throttling, timeouts, 5xx). */
  readonly transient?: boolean;
  /** Further errors found in the same input (validation reports all of them). */
  readonly errors?: readonly AppError[];
}

export type Result<T, E = AppError> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

/** An exception that carries an AppError, for the few places that must throw (start-up, adapters). */
export class AppFailure extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = 'AppFailure';
  }
}

/**
 * The AppError a thrown value carries: an `AppFailure`'s own, else one with `fallback`'s code (and
 * transient flag) and the thrown message. One conversion for every catch that reports an AppError.
 */
export function errorFrom(e: unknown, fallback: { readonly code: ErrorCode; readonly transient?: boolean }): AppError {
  if (e instanceof AppFailure) return e.error;
  return {
    code: fallback.code,
    message: e instanceof Error ? e.message : String(e),
    ...(fallback.transient ? { transient: true } : {}),
  };
}

/** Joins a parent path and a key the way error `field`s are written: `a.b`, `a[2]`, `a["odd key"]`. */
export function fieldPath(parent: string | undefined, key: string | number): string {
  if (typeof key === 'number') return `${parent ?? ''}[${key}]`;
  const plain = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key);
  if (!parent) return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** The HTTP status to answer an error with: its own, else its code's in the catalog. */
export function statusOf(error: AppError): number {
  return error.status ?? ERROR_CATALOG[error.code].status;
}

/**
 * The error for a code whose message the catalog holds: its message from `fields`, its status and
 * transient flag from the catalog; `extra` adds field, value, source (or overrides what the catalog says).
 */
export function appError<C extends TemplatedCode>(
  code: C,
  fields: MessageFields<C>,
  extra: Omit<Partial<AppError>, 'code' | 'message'> = {},
): AppError {
  const entry = ERROR_CATALOG[code] as {
    status: number;
    transient?: boolean;
    message: (f: MessageFields<C>) => string;
  };
  return {
    code,
    message: entry.message(fields),
    status: entry.status,
    ...(entry.transient ? { transient: true } : {}),
    ...extra,
  };
}
