/**
 * App-setting references inside configuration values, written the way Functions binding expressions
 * are: `%SETTING_NAME%`. `"%AML_SUBSCRIPTION_ID%"` becomes that setting's value; references may sit
 * inside a longer string (`"runs-%ENVIRONMENT%"`); `%%` stands for a literal `%`. A `%` that does not
 * start a well-formed reference (e.g. `"50% sample"`) is kept as written.
 *
 * Settings are strings, so a value that is a reference is a string after resolution; the schema is
 * checked afterwards, on the resolved document.
 */
import type { AppError } from '../errors';
import { fieldPath } from '../errors';

/** A setting name: letters, digits, `_`, `.` and `-`, not starting with a digit. */
const REFERENCE = /%%|%([A-Za-z_][A-Za-z0-9_.-]*)%/g;

export interface ResolvedSettings {
  /** The document with every reference replaced. */
  data: unknown;
  /** One error per reference to a setting that is not set (or is empty). */
  errors: AppError[];
  /** JSON paths (as arrays) whose value came, wholly or partly, from a setting, with the setting names. */
  references: Array<{ path: Array<string | number>; settings: string[] }>;
}

export function resolveSettingRefs(
  data: unknown,
  env: Readonly<Record<string, string | undefined>>,
  source: string,
): ResolvedSettings {
  const errors: AppError[] = [];
  const references: ResolvedSettings['references'] = [];

  const visit = (value: unknown, path: Array<string | number>): unknown => {
    if (typeof value === 'string') return resolveString(value, path);
    if (Array.isArray(value)) return value.map((item, i) => visit(item, [...path, i]));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, [...path, k]);
      return out;
    }
    return value;
  };

  const resolveString = (text: string, path: Array<string | number>): string => {
    const used: string[] = [];
    const resolved = text.replace(REFERENCE, (whole, name: string | undefined) => {
      if (name === undefined) return '%';
      used.push(name);
      const setting = env[name];
      if (setting === undefined || setting === '') {
        const field = jsonPath(path);
        errors.push({
          code: 'config.setting.missing',
          source,
          field,
          value: text,
          message: `${field} refers to app setting ${name} (written ${whole}), which is not set: add it to the Function App's settings (local.settings.json "Values" locally) or write the value in the file.`,
        });
        return whole;
      }
      return setting;
    });
    if (used.length > 0) references.push({ path, settings: used });
    return resolved;
  };

  return { data: visit(data, []), errors, references };
}

/** `targets.nightly.parameters.epochs`, `targets["odd name"]`, `list[2]`. */
export function jsonPath(path: readonly (string | number)[]): string {
  let out: string | undefined;
  for (const segment of path) out = fieldPath(out, segment);
  return out ?? '(document root)';
}
