/**
 * The body of `POST /api/pipelines/{target}/runs`, checked field by field (pure: no I/O).
 *
 * Callers send the same JSON a published pipeline's REST endpoint takes (PascalCase, see
 * shared/spec/aml-rest.md), every field optional: the target's configured values fill in what is
 * missing and the request's values win key by key. Anything the service would not understand is refused
 * here, with every problem reported at once and each naming its field path, so nothing half-valid is
 * ever submitted.
 */
import type { AppError, Result } from '../errors';
import { appError, err, fieldPath, ok, showValue } from '../errors';
import {
  V2_DATA_TYPES,
  type DataPathAssignment,
  type ParameterValue,
  type PipelineTarget,
  type SubmissionBody,
  type V2DataType,
  type V2Input,
} from '../aml/types';
import { V2_INPUT_TYPES_TEXT } from '../aml/v2Body';
import { EXPERIMENT_NAME_PATTERN, suggest } from '../config/targets';
import { SUBMISSION_KEY_NAME } from '../aml/constants';
import { toSubmission } from '../aml/submission';

/**
 * Entry names a map field may not use: `__proto__` would replace the object's prototype instead of
 * becoming an entry (the value would silently vanish), `constructor` / `prototype` shadow its machinery.
 */
export const RESERVED_ENTRY_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The fields the published-pipeline endpoint reads (aml-rest.md "Request"). */
export const KNOWN_FIELDS = [
  'ExperimentName',
  'ParameterAssignments',
  'DataPathAssignments',
  'RunSource',
  'Description',
  'Tags',
  'DataSetDefinitionValueAssignments',
  'ContinueRunOnStepFailure',
  // Azure ML v2 targets only (docs/migration-v2.md): inputs in v2 terms, {type, path | value, mode}.
  'Inputs',
] as const;

/** Spellings this route once took (or that users carry over), with the field that replaced them. */
const RENAMED_FIELDS: Readonly<Record<string, string>> = { ContinueOnStepFailure: 'ContinueRunOnStepFailure' };

export type RunRequest = Partial<SubmissionBody>;

/** Accepted media types: JSON, or none at all (curl -d without -H, some webhooks). */
export function checkContentType(header: string | null): AppError | undefined {
  if (header === null || header.trim() === '') return undefined;
  const [type = '', ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  const json = type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (json && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return undefined;
  return appError(
    'request.content_type.unsupported',
    { header, send: 'the body as application/json' },
    { field: 'Content-Type', value: header },
  );
}

/**
 * Parses and checks the request text. An empty body means "run the target with its defaults".
 * Errors have status 400; when there are several, the first is the top-level one and all are in `errors`.
 */
export function parseRunRequest(text: string): Result<RunRequest, AppError> {
  if (text.trim() === '') return ok({});
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return err(malformed(text, e));
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return err({
      code: 'request.body.not_object',
      status: 400,
      field: 'body',
      value: data,
      message: `The request body must be a JSON object such as {"ParameterAssignments": {...}}, not ${describe(data)}.`,
    });
  }

  const errors: AppError[] = [];
  const body = data as Record<string, unknown>;
  const out: RunRequest = {};
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case 'ExperimentName':
        if (checkString(value, key, errors, { nonEmpty: true })) {
          if (EXPERIMENT_NAME_PATTERN.test(value)) out.ExperimentName = value;
          else
            errors.push(
              invalid(
                key,
                value,
                'must be an experiment name: 1-255 letters, digits, "_" or "-", starting with a letter or digit',
              ),
            );
        }
        break;
      case 'RunSource':
        if (checkString(value, key, errors, { nonEmpty: true })) out.RunSource = value;
        break;
      case 'Description':
        if (checkString(value, key, errors)) out.Description = value;
        break;
      case 'ContinueRunOnStepFailure':
        if (typeof value === 'boolean') out.ContinueRunOnStepFailure = value;
        else errors.push(wrongType(key, value, 'true or false'));
        break;
      case 'ParameterAssignments': {
        const map = checkObject(value, key, errors);
        if (!map) break;
        const params: Record<string, ParameterValue> = {};
        for (const [name, v] of Object.entries(map)) {
          if (reservedName(key, name, errors)) continue;
          const field = fieldPath(key, name);
          if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))
            params[name] = v;
          else errors.push(wrongType(field, v, 'a string, number or boolean'));
        }
        out.ParameterAssignments = params;
        break;
      }
      case 'Tags': {
        const map = checkObject(value, key, errors);
        if (!map) break;
        const tags: Record<string, string> = {};
        for (const [name, v] of Object.entries(map)) {
          if (reservedName(key, name, errors)) continue;
          if (name === SUBMISSION_KEY_NAME) {
            errors.push({
              code: 'request.field.reserved_name',
              status: 400,
              field: fieldPath(key, name),
              value: v,
              message: `${fieldPath(key, name)} is set by the app (the run's submission key, from your Idempotency-Key or x-ms-client-request-id header): remove it from Tags and send the header instead.`,
            });
            continue;
          }
          if (checkString(v, fieldPath(key, name), errors)) tags[name] = v;
        }
        out.Tags = tags;
        break;
      }
      case 'Inputs': {
        const map = checkObject(value, key, errors);
        if (!map) break;
        const inputs: Record<string, V2Input> = {};
        for (const [name, v] of Object.entries(map)) {
          if (reservedName(key, name, errors)) continue;
          const field = fieldPath(key, name);
          const i = checkObject(
            v,
            field,
            errors,
            '{"type": "uri_file" | "uri_folder" | "mltable", "path": "..."} or {"type": "literal", "value": ...}',
          );
          if (!i) continue;
          const before = errors.length;
          const literal = i.type === 'literal';
          unknownKeys(i, field, literal ? ['type', 'value'] : ['type', 'path', 'mode'], errors);
          requireKeys(i, field, ['type', literal ? 'value' : 'path'], errors);
          if (i.type !== undefined && !literal && !(V2_DATA_TYPES as readonly string[]).includes(String(i.type)))
            errors.push({
              code: 'request.field.invalid',
              status: 400,
              field: fieldPath(field, 'type'),
              value: i.type,
              message: `${fieldPath(field, 'type')} must be ${V2_INPUT_TYPES_TEXT}, not ${showValue(i.type)}.`,
            });
          if (literal && i.value !== undefined && !['string', 'number', 'boolean'].includes(typeof i.value))
            errors.push(wrongType(fieldPath(field, 'value'), i.value, 'a string, number or boolean'));
          if (!literal && i.path !== undefined)
            checkString(i.path, fieldPath(field, 'path'), errors, { nonEmpty: true });
          if (!literal && i.mode !== undefined)
            checkString(i.mode, fieldPath(field, 'mode'), errors, { nonEmpty: true });
          if (errors.length !== before) continue;
          inputs[name] = literal
            ? { type: 'literal', value: String(i.value) }
            : {
                type: i.type as V2DataType,
                uri: i.path as string,
                ...(typeof i.mode === 'string' ? { mode: i.mode } : {}),
              };
        }
        out.Inputs = inputs;
        break;
      }
      case 'DataPathAssignments': {
        const map = checkObject(value, key, errors);
        if (!map) break;
        const paths: Record<string, DataPathAssignment> = {};
        for (const [name, v] of Object.entries(map)) {
          if (reservedName(key, name, errors)) continue;
          const field = fieldPath(key, name);
          const dp = checkObject(v, field, errors, '{"DataStoreName": "...", "RelativePath": "..."}');
          if (!dp) continue;
          const before = errors.length;
          unknownKeys(dp, field, ['DataStoreName', 'RelativePath'], errors);
          requireKeys(dp, field, ['DataStoreName', 'RelativePath'], errors);
          const store = dp.DataStoreName;
          const rel = dp.RelativePath;
          const storeOk =
            store === undefined || checkString(store, fieldPath(field, 'DataStoreName'), errors, { nonEmpty: true });
          const relOk = rel === undefined || checkString(rel, fieldPath(field, 'RelativePath'), errors);
          if (errors.length === before && storeOk && relOk)
            paths[name] = { DataStoreName: store as string, RelativePath: rel as string };
        }
        out.DataPathAssignments = paths;
        break;
      }
      case 'DataSetDefinitionValueAssignments': {
        const map = checkObject(value, key, errors);
        if (!map) break;
        const sets: NonNullable<SubmissionBody['DataSetDefinitionValueAssignments']> = {};
        for (const [name, v] of Object.entries(map)) {
          if (reservedName(key, name, errors)) continue;
          const field = fieldPath(key, name);
          const shape = '{"SavedDataSetReference": {"Id": "<dataset id>"}}';
          const outer = checkObject(v, field, errors, shape);
          if (!outer) continue;
          const before = errors.length;
          unknownKeys(outer, field, ['SavedDataSetReference'], errors);
          requireKeys(outer, field, ['SavedDataSetReference'], errors);
          const refField = fieldPath(field, 'SavedDataSetReference');
          const ref =
            outer.SavedDataSetReference === undefined
              ? undefined
              : checkObject(outer.SavedDataSetReference, refField, errors, '{"Id": "<dataset id>"}');
          if (!ref) continue;
          unknownKeys(ref, refField, ['Id'], errors);
          requireKeys(ref, refField, ['Id'], errors);
          const id = ref.Id;
          if (
            id !== undefined &&
            checkString(id, fieldPath(refField, 'Id'), errors, { nonEmpty: true }) &&
            errors.length === before
          )
            sets[name] = { SavedDataSetReference: { Id: id } };
        }
        out.DataSetDefinitionValueAssignments = sets;
        break;
      }
      default: {
        const hint = RENAMED_FIELDS[key] ?? suggest(key, KNOWN_FIELDS);
        errors.push({
          code: 'request.field.unknown',
          status: 400,
          field: fieldPath(undefined, key),
          message: `${fieldPath(undefined, key)} is not a field of a pipeline submission${hint ? ` (did you mean ${hint}?)` : ''}; the fields are ${KNOWN_FIELDS.join(', ')}.`,
        });
      }
    }
  }
  if (errors.length > 0) return err(summarize(errors));
  return ok(out);
}

export interface SubmissionDefaults {
  /** `RunSource` when the request does not set one. */
  runSource: string;
}

/**
 * The body sent to Azure ML: the request's fields handed to `toSubmission` (src/aml/submission.ts), which
 * merges them over the target's values by the same rules as the timer and reactive paths. The target's
 * `description` describes the target, not a run, and is not sent.
 */
export function buildSubmission(
  target: PipelineTarget,
  request: RunRequest,
  defaults: SubmissionDefaults,
): SubmissionBody {
  return toSubmission(target, {
    runSource: request.RunSource ?? defaults.runSource,
    ...(request.ExperimentName !== undefined ? { experimentName: request.ExperimentName } : {}),
    ...(request.Description !== undefined ? { description: request.Description } : {}),
    ...(request.ParameterAssignments ? { parameters: request.ParameterAssignments } : {}),
    ...(request.DataPathAssignments ? { dataPaths: request.DataPathAssignments } : {}),
    ...(request.Tags ? { tags: request.Tags } : {}),
    ...(request.ContinueRunOnStepFailure !== undefined
      ? { continueOnStepFailure: request.ContinueRunOnStepFailure }
      : {}),
    ...(request.DataSetDefinitionValueAssignments ? { dataSets: request.DataSetDefinitionValueAssignments } : {}),
    ...(request.Inputs ? { inputs: request.Inputs } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------

function malformed(text: string, e: unknown): AppError {
  const raw = e instanceof Error ? e.message : String(e);
  const at = /position (\d+)/.exec(raw);
  const offset = at?.[1] !== undefined ? Number(at[1]) : undefined;
  let where = '';
  if (offset !== undefined) {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    where = ` at line ${line}, column ${column} (character ${offset + 1})`;
  }
  // Strip Node's own position suffixes so the sentence reads once.
  const reason = raw.replace(/\s*in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
  return {
    code: 'request.json.malformed',
    status: 400,
    field: 'body',
    message: `The request body is not valid JSON${where}: ${reason}. Send a JSON object such as {"ParameterAssignments": {"name": "value"}}.`,
  };
}

function summarize(errors: AppError[]): AppError {
  const first = errors[0] as AppError;
  if (errors.length === 1) return { ...first, errors };
  return {
    code: 'request.invalid',
    status: 400,
    ...(first.field !== undefined ? { field: first.field } : {}),
    message: `The request body has ${errors.length} problems: ${errors.map((e, i) => `(${i + 1}) ${e.message}`).join(' ')}`,
    errors,
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string (${showValue(value)})`;
  return `a ${typeof value} (${showValue(value)})`;
}

function wrongType(field: string, value: unknown, expected: string): AppError {
  return {
    code: 'request.field.type',
    status: 400,
    field,
    value,
    message: `${field} must be ${expected}, not ${describe(value)}.`,
  };
}

function invalid(field: string, value: unknown, problem: string): AppError {
  return {
    code: 'request.field.invalid',
    status: 400,
    field,
    value,
    message: `${field} ${problem} (got ${showValue(value)}).`,
  };
}

/** Refuses an entry name a map may not use (RESERVED_ENTRY_NAMES); true when refused. */
function reservedName(parent: string, name: string, errors: AppError[]): boolean {
  if (!RESERVED_ENTRY_NAMES.has(name)) return false;
  const field = fieldPath(parent, name);
  errors.push({
    code: 'request.field.reserved_name',
    status: 400,
    field,
    value: name,
    message: `${parent} may not have an entry named ${JSON.stringify(name)} (${field}): that name is reserved in JavaScript objects and would be dropped, not sent. Rename the parameter or tag.`,
  });
  return true;
}

function checkString(
  value: unknown,
  field: string,
  errors: AppError[],
  opts: { nonEmpty?: boolean } = {},
): value is string {
  if (typeof value !== 'string') {
    errors.push(wrongType(field, value, opts.nonEmpty ? 'a non-empty string' : 'a string'));
    return false;
  }
  if (opts.nonEmpty && value.trim() === '') {
    errors.push(invalid(field, value, 'must not be empty'));
    return false;
  }
  return true;
}

function checkObject(
  value: unknown,
  field: string,
  errors: AppError[],
  shape = 'an object',
): Record<string, unknown> | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  errors.push(wrongType(field, value, shape === 'an object' ? 'an object' : `an object ${shape}`));
  return undefined;
}

function unknownKeys(
  obj: Record<string, unknown>,
  parent: string,
  allowed: readonly string[],
  errors: AppError[],
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const field = fieldPath(parent, key);
    const hint = suggest(key, allowed);
    errors.push({
      code: 'request.field.unknown',
      status: 400,
      field,
      message: `${field} is not a known field${hint ? ` (did you mean ${hint}?)` : ''}; allowed: ${allowed.join(', ')}.`,
    });
  }
}

function requireKeys(
  obj: Record<string, unknown>,
  parent: string,
  required: readonly string[],
  errors: AppError[],
): void {
  for (const key of required) {
    if (obj[key] !== undefined) continue;
    const field = fieldPath(parent, key);
    errors.push({ code: 'request.field.required', status: 400, field, message: `${field} is required.` });
  }
}
