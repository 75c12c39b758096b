/**
 * The one translator from JSON Schema (ajv) errors to what a user reads: the field's path, the offending
 * value and a predicate in plain words ("is required", "must be a list, not a string", "is not a field
 * of `recurrence` (did you mean `interval`?)"), never ajv's own wording ("must be array"). The targets
 * file (src/config/targets.ts) and schedule files (src/schedules/definition.ts) both use it; each maps
 * a problem's `kind` to its own error code and says where in its file the field is.
 */
import type { ErrorObject } from 'ajv';
import { suggest } from './didYouMean';
import { showValue } from './showValue';

/** JSON Schema types in the words the docs and messages use: `["string", "number"]` → "a string or a number". */
export function describeTypes(type: string | readonly string[]): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    integer: 'an integer',
    boolean: 'true or false',
    object: 'a mapping',
    array: 'a list',
    null: 'null',
  };
  const list = (typeof type === 'string' ? [type] : type).map((t) => names[t] ?? t);
  return list.length <= 1 ? (list[0] ?? 'valid') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** A JSON value's type in the same words: "a list", "a mapping", "an integer". */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

export type SchemaProblemKind =
  | 'unknown_field'
  | 'required'
  | 'type'
  | 'enum'
  | 'pattern'
  | 'range'
  | 'empty'
  | 'too_long'
  | 'name'
  | 'one_of'
  | 'other';

export interface SchemaProblem {
  readonly kind: SchemaProblemKind;
  /** The ajv keyword the problem came from. */
  readonly keyword: string;
  /** Path of the field from the validated root; for a missing, unknown or badly named key, that key's path. */
  readonly segments: readonly (string | number)[];
  /** The offending value (undefined for a missing field). */
  readonly value: unknown;
  /** True when the problem is about an object's keys (required, unknown field, key name, oneOf), not a value. */
  readonly aboutObject: boolean;
  /** What is wrong, as a predicate of the field: "is required", "must be a list, not a string". */
  readonly phrase: string;
  /** The validated object, for a oneOf problem (the caller says which alternatives it found). */
  readonly data?: unknown;
}

/** How one kind of document names its fields in messages. */
export interface SchemaWording {
  /** How a field name is quoted in a "did you mean": `name` or \`name\`. */
  readonly quote?: (name: string) => string;
  /** What an unknown key is not, from its parent's path: "a known field", "a field of `recurrence`". */
  readonly notAField?: (parent: readonly (string | number)[]) => string;
  /** Said after the list of allowed fields, e.g. " (docs/schedules.md)". */
  readonly fieldsNote?: string;
}

interface SchemaNode {
  'x-message'?: string;
  properties?: Record<string, unknown>;
  type?: string | string[];
  propertyNames?: SchemaNode;
}

/**
 * The problems of a failed validation, in ajv's order, one per field and kind. Errors inside
 * oneOf/not/propertyNames branches are left out: they only say why a branch failed, and the
 * enclosing keyword's own error says it better. A schema's `x-message` replaces the predicate of any
 * error about a value (not of a missing, unknown or mistyped field).
 */
export function schemaProblems(errors: readonly ErrorObject[], wording: SchemaWording = {}): SchemaProblem[] {
  const quote = wording.quote ?? ((name: string) => name);
  const notAField = wording.notAField ?? (() => 'a known field');
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (/\/(oneOf|not|propertyNames)\//.test(e.schemaPath)) continue;
    const problem = translate(e, quote, notAField, wording.fieldsNote ?? '');
    const key = `${JSON.stringify(problem.segments)}|${problem.kind}`;
    if (seen.has(key)) continue; // e.g. pattern and format failing on the same URL
    seen.add(key);
    out.push(problem);
  }
  return out;
}

function translate(
  e: ErrorObject,
  quote: (name: string) => string,
  notAField: (parent: readonly (string | number)[]) => string,
  fieldsNote: string,
): SchemaProblem {
  const at = pointerToSegments(e.instancePath);
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  const base = { keyword: e.keyword, segments: at, value: e.data as unknown, aboutObject: false };
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {}).filter((k) => k !== '$schema');
      const hint = suggest(extra, allowed);
      const data = e.data as Record<string, unknown> | undefined;
      return {
        ...base,
        kind: 'unknown_field',
        segments: [...at, extra],
        value: data?.[extra],
        aboutObject: true,
        phrase: `is not ${notAField(at)}${hint ? ` (did you mean ${quote(hint)}?)` : ''}; the fields are ${allowed.join(', ')}${fieldsNote}`,
      };
    }
    case 'required':
      return {
        ...base,
        kind: 'required',
        segments: [...at, String(params.missingProperty)],
        value: undefined,
        aboutObject: true,
        phrase: 'is required',
      };
    case 'type':
      return {
        ...base,
        kind: 'type',
        phrase: `must be ${describeTypes(parent.type ?? String(params.type).split(','))}, not ${jsonType(e.data)}`,
      };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => String(v));
      const hint = typeof e.data === 'string' ? suggest(e.data, allowed) : undefined;
      return {
        ...base,
        kind: 'enum',
        phrase: parent['x-message'] ?? `must be one of ${allowed.join(', ')}${hint ? ` (did you mean ${hint}?)` : ''}`,
      };
    }
    case 'pattern':
      return { ...base, kind: 'pattern', phrase: parent['x-message'] ?? `does not match ${String(params.pattern)}` };
    // A format is a pattern too: one problem per field when both fail (an https URL pattern and format uri).
    case 'format':
      return { ...base, kind: 'pattern', phrase: parent['x-message'] ?? `is not a valid ${String(params.format)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        ...base,
        kind: 'range',
        phrase:
          parent['x-message'] ??
          `must be ${e.keyword.endsWith('inimum') ? 'at least' : 'at most'} ${String(params.limit)}`,
      };
    case 'minLength':
    case 'minItems':
      return Number(params.limit) <= 1
        ? { ...base, kind: 'empty', phrase: parent['x-message'] ?? 'must not be empty' }
        : {
            ...base,
            kind: 'range',
            phrase:
              parent['x-message'] ??
              `must have at least ${String(params.limit)} ${e.keyword === 'minLength' ? 'characters' : 'items'}`,
          };
    case 'maxLength':
    case 'maxItems':
      return {
        ...base,
        kind: 'too_long',
        phrase:
          parent['x-message'] ??
          `must be at most ${String(params.limit)} ${e.keyword === 'maxLength' ? 'characters' : 'items'}`,
      };
    case 'propertyNames': {
      const key = String(params.propertyName);
      return {
        ...base,
        kind: 'name',
        segments: [...at, key],
        value: key,
        aboutObject: true,
        phrase: `has an invalid name ${showValue(key)}: ${parent.propertyNames?.['x-message'] ?? 'invalid name'}`,
      };
    }
    case 'oneOf':
      return {
        ...base,
        kind: 'one_of',
        aboutObject: true,
        data: e.data,
        phrase: parent['x-message'] ?? e.message ?? 'is invalid',
      };
    default:
      return { ...base, kind: 'other', phrase: parent['x-message'] ?? e.message ?? 'is invalid' };
  }
}

/** A JSON Pointer as path segments (list indexes as numbers). */
export function pointerToSegments(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
