/**
 * The Submit form's values and the run request they make (pure). Rows start from the target's
 * defaults; only what the user changed or added is sent, so the target's own values (including those
 * that come from app settings, shown as `%SETTING%`) are filled in by the app, never copied from the page.
 */
import { fieldPath } from '../errors';
import type { TargetView } from '../http/pipelinesHandlers';

export type ParamType = 'text' | 'number' | 'boolean';

export interface ParamRow {
  readonly name: string;
  readonly value: string;
  readonly type: ParamType;
  /** A row of the target's defaults (its name cannot be edited). */
  readonly fixed: boolean;
}

export interface DataPathRow {
  readonly name: string;
  readonly datastore: string;
  readonly path: string;
  readonly fixed: boolean;
}

export interface SubmitFormValues {
  readonly experimentName: string;
  readonly description: string;
  readonly params: readonly ParamRow[];
  readonly dataPaths: readonly DataPathRow[];
}

export interface FieldMessage {
  readonly field: string;
  readonly detail: string;
}

export function typeOf(value: unknown): ParamType {
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'text';
}

/** A setting reference as the targets API shows it (`%NAME%`), or undefined. */
export function settingName(value: unknown): string | undefined {
  return typeof value === 'string' ? /^%([^%]+)%$/.exec(value)?.[1] : undefined;
}

/** The form as first shown: the target's defaults, one empty row of each kind to add another. */
export function defaultValues(target: TargetView): SubmitFormValues {
  return {
    experimentName: target.experimentName,
    description: '',
    params: [
      ...Object.entries(target.parameters).map(([name, v]) => ({
        name,
        value: String(v),
        type: typeOf(v),
        fixed: true,
      })),
      { name: '', value: '', type: 'text' as const, fixed: false },
    ],
    dataPaths: [
      ...Object.entries(target.dataPaths).map(([name, v]) => ({
        name,
        datastore: v.DataStoreName,
        path: v.RelativePath,
        fixed: true,
      })),
      { name: '', datastore: '', path: '', fixed: false },
    ],
  };
}

const TYPES: readonly ParamType[] = ['text', 'number', 'boolean'];

/** The posted form (application/x-www-form-urlencoded), rows in page order; fixed rows are those of the target. */
export function valuesFromForm(form: URLSearchParams, target: TargetView): SubmitFormValues {
  const pn = form.getAll('pn');
  const pv = form.getAll('pv');
  const pt = form.getAll('pt');
  const dn = form.getAll('dn');
  const ds = form.getAll('ds');
  const dp = form.getAll('dp');
  const params: ParamRow[] = pn.map((name, i) => {
    const t = pt[i] as ParamType;
    return {
      name: name.trim(),
      value: pv[i] ?? '',
      type: TYPES.includes(t) ? t : 'text',
      fixed: Object.hasOwn(target.parameters, name),
    };
  });
  const dataPaths: DataPathRow[] = dn.map((name, i) => ({
    name: name.trim(),
    datastore: ds[i] ?? '',
    path: dp[i] ?? '',
    fixed: Object.hasOwn(target.dataPaths, name),
  }));
  return {
    experimentName: form.get('experiment') ?? target.experimentName,
    description: form.get('description') ?? '',
    // Keep one empty row to add another.
    params: params.some((p) => !p.fixed && p.name === '')
      ? params
      : [...params, { name: '', value: '', type: 'text', fixed: false }],
    dataPaths: dataPaths.some((d) => !d.fixed && d.name === '')
      ? dataPaths
      : [...dataPaths, { name: '', datastore: '', path: '', fixed: false }],
  };
}

export const paramField = (name: string): string => fieldPath('ParameterAssignments', name);
export const dataPathField = (name: string, part?: 'DataStoreName' | 'RelativePath'): string => {
  const base = fieldPath('DataPathAssignments', name);
  return part ? fieldPath(base, part) : base;
};

/**
 * The run request body: what differs from the target's defaults, typed as chosen. Values that cannot
 * have the chosen type (a number that is not one) are messages by field, and nothing is sent.
 */
export function buildRunRequest(
  values: SubmitFormValues,
  target: TargetView,
): { body: Record<string, unknown>; errors: FieldMessage[] } {
  const errors: FieldMessage[] = [];
  const body: Record<string, unknown> = {};
  if (values.experimentName !== target.experimentName) body.ExperimentName = values.experimentName;
  if (values.description.trim() !== '') body.Description = values.description;
  const params: Record<string, unknown> = {};
  for (const row of values.params) {
    if (row.name === '') continue;
    const hasDefault = Object.hasOwn(target.parameters, row.name);
    const def = target.parameters[row.name];
    if (hasDefault && row.value === String(def) && row.type === typeOf(def)) continue;
    const field = paramField(row.name);
    if (row.type === 'number') {
      const n = Number(row.value);
      if (row.value.trim() === '' || !Number.isFinite(n))
        errors.push({
          field,
          detail: `${field} is set to be a number, but ${JSON.stringify(row.value)} is not one; enter a number such as 10 or 0.5, or choose the type text.`,
        });
      else params[row.name] = n;
    } else if (row.type === 'boolean') {
      const t = row.value.trim().toLowerCase();
      if (t === 'true' || t === 'false') params[row.name] = t === 'true';
      else
        errors.push({
          field,
          detail: `${field} is set to be true or false, but ${JSON.stringify(row.value)} is neither; enter true or false, or choose the type text.`,
        });
    } else params[row.name] = row.value;
  }
  if (Object.keys(params).length > 0) body.ParameterAssignments = params;
  const paths: Record<string, unknown> = {};
  for (const row of values.dataPaths) {
    if (row.name === '') continue;
    const def = target.dataPaths[row.name];
    if (def && def.DataStoreName === row.datastore && def.RelativePath === row.path) continue;
    paths[row.name] = { DataStoreName: row.datastore, RelativePath: row.path };
  }
  if (Object.keys(paths).length > 0) body.DataPathAssignments = paths;
  return { body, errors };
}
