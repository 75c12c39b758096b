/**
 * The targets file: the named Azure ML pipelines this app may submit to, and nothing else: v1 published
 * pipelines / pipeline endpoints, and v2 `pipeline_job` (a registered pipeline component) and
 * `batch_endpoint` targets, which take `inputs` (v2 terms) as well as `parameters` (sent as literals).
 *
 * Where it is: app setting `AML_TARGETS_FILE` (absolute, or relative to the app root, the folder with
 * host.json); when unset, the first of `config/pipelines.yaml`, `config/pipelines.yml`,
 * `config/pipelines.json` that exists. No file and no setting means no targets (every submission is
 * refused with 404 and the listing is empty); a setting that names a missing file is an error.
 *
 * How it is read: JSON or YAML (by extension) → `%SETTING%` references resolved from app settings →
 * targets without a workspace (and without `endpoint_url`) get the default workspace from
 * `AML_SUBSCRIPTION_ID` / `AML_RESOURCE_GROUP` / `AML_WORKSPACE_NAME` → checked against
 * targets.schema.json (JSON Schema 2020-12, ships with the app) → `PipelineTarget`s. Every problem is
 * reported at once, each naming the file, the line:column, the JSON path and what to do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import type { AppError, Result } from '../errors';
import { err, ok, showValue } from '../errors';
import type {
  DataPathAssignment,
  ParameterValue,
  PipelineRef,
  PipelineTarget,
  V2Target,
  WorkspaceRef,
} from '../aml/types';
import { fileInputProblems, inputFromFile, type FileInput } from '../aml/v2Body';
import { formatOf, parseConfigText, where, type ConfigDocument, type ConfigFormat } from './loadFile';
import { jsonPath, resolveSettingRefs } from './settingsRefs';
import schema from './targets.schema.json';
import { validate as compiledTargetsValidator } from './targets.validate';
import { suggest } from '../didYouMean';
import { processSettings, settingText, SETTINGS as APP_SETTINGS } from '../settings';
import { schemaProblems, type SchemaProblemKind } from '../schemaErrors';
import type { ErrorCode } from '../errorCatalog';

export { suggest };

export type Env = Readonly<Record<string, string | undefined>>;

/** Setting names read here (defined in src/settings.ts, documented in docs/settings.md). */
export const SETTINGS = {
  targetsFile: APP_SETTINGS.targetsFile.name,
  subscriptionId: APP_SETTINGS.subscriptionId.name,
  resourceGroup: APP_SETTINGS.resourceGroup.name,
  workspaceName: APP_SETTINGS.workspaceName.name,
} as const;

export const DEFAULT_TARGETS_FILES = [
  'config/pipelines.yaml',
  'config/pipelines.yml',
  'config/pipelines.json',
] as const;

export const TARGET_NAME_PATTERN = new RegExp(schema.properties.targets.propertyNames.pattern);

/**
 * Azure ML experiment names: 1-255 letters, digits, `_`, `-`, starting with a letter or digit (the
 * azureml-core Experiment name check as recalled; **verify**). One definition, in the schema.
 */
export const EXPERIMENT_NAME_PATTERN = new RegExp(schema.$defs.target.properties.experiment_name.pattern);

export interface TargetCatalog {
  /** The file the targets came from, as shown in messages; undefined when there is no file. */
  readonly source: string | undefined;
  /** Targets by name, in file order. */
  readonly targets: ReadonlyMap<string, PipelineTarget>;
  /** Set when something is worth a warning in the log (e.g. no targets file at all). */
  readonly notice?: string;
  /**
   * Values that came from app settings, by JSON path (`targets.nightly.parameters.key`), as written in
   * the file (`%SETTING%`): listings show these instead of the resolved value, which may be a secret.
   */
  readonly settingExpressions: ReadonlyMap<string, string>;
}

export interface LoadTargetsOptions {
  /** App settings; the process's (`processSettings()`) by default. */
  env?: Env;
  /** Folder that relative paths are resolved against; the folder holding host.json by default. */
  appRoot?: string;
}

/** Reads, resolves and validates the targets file. Pure apart from reading the file system. */
export function loadTargets(options: LoadTargetsOptions = {}): Result<TargetCatalog, AppError> {
  const env = options.env ?? processSettings();
  const appRoot = options.appRoot ?? findAppRoot();
  const configured = settingText(env, APP_SETTINGS.targetsFile);
  let file: string | undefined;
  if (configured) {
    file = isAbsolute(configured) ? configured : join(appRoot, configured);
    if (!existsSync(file)) {
      return err({
        code: 'config.file.missing',
        source: configured,
        message: `App setting ${SETTINGS.targetsFile} names ${configured} (${file}), which does not exist. Deploy the file with the app or correct the setting.`,
      });
    }
  } else {
    file = DEFAULT_TARGETS_FILES.map((f) => join(appRoot, f)).find((f) => existsSync(f));
    if (!file) {
      return ok({
        source: undefined,
        targets: new Map(),
        settingExpressions: new Map(),
        notice: `No targets file: none of ${DEFAULT_TARGETS_FILES.join(', ')} exists under ${appRoot} and app setting ${SETTINGS.targetsFile} is not set, so no pipeline can be triggered.`,
      });
    }
  }
  const format = formatOf(file);
  const shown = configured ?? file;
  if (!format) {
    return err({
      code: 'config.file.format',
      source: shown,
      message: `${shown}: a targets file must end in .yaml, .yml or .json.`,
    });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return err({
      code: 'config.file.unreadable',
      source: shown,
      message: `${shown} cannot be read: ${e instanceof Error ? e.message : String(e)}. Make it a readable file deployed with the app${configured === undefined ? '' : `, or correct app setting ${SETTINGS.targetsFile}`}.`,
    });
  }
  return parseTargets(text, shown, format, env);
}

/** Parses and validates the text of a targets file (no I/O). `source` is used in messages only. */
export function parseTargets(
  text: string,
  source: string,
  format: ConfigFormat,
  env: Env,
): Result<TargetCatalog, AppError> {
  const parsed = parseConfigText(text, source, format);
  if (!parsed.ok) return parsed;
  const doc = parsed.value;

  const resolved = resolveSettingRefs(doc.data, env, source);
  const provenance = new Map<string, string[]>(resolved.references.map((r) => [jsonPath(r.path), r.settings]));
  const errors: AppError[] = resolved.errors.map((e) => withPosition(e, doc, splitPath(e.field)));

  const data = applyDefaultWorkspace(resolved.data, env, provenance);
  const validate = validator();
  if (!validate(data)) {
    // A value whose setting is missing is reported once, as the missing setting.
    const unresolved = new Set(resolved.errors.map((e) => e.field));
    for (const e of translate(validate.errors ?? [], doc, provenance)) if (!unresolved.has(e.field)) errors.push(e);
  }
  if (errors.length === 0) {
    for (const e of checkWorkspaces(data as TargetsFile, env, doc)) errors.push(e);
    for (const e of checkKinds(data as TargetsFile, doc)) errors.push(e);
  }
  if (errors.length > 0) return err(summarize(source, sortByPosition(errors)));

  const targets = new Map<string, PipelineTarget>();
  for (const [name, raw] of Object.entries((data as TargetsFile).targets))
    targets.set(name, toPipelineTarget(name, raw));
  const settingExpressions = new Map<string, string>();
  for (const r of resolved.references) {
    const original = valueAt(doc.data, r.path);
    if (typeof original === 'string') settingExpressions.set(jsonPath(r.path), original);
  }
  // Values the file did not give but app settings filled in (the default workspace) show as references too.
  for (const [path, names] of provenance)
    if (!settingExpressions.has(path)) settingExpressions.set(path, names.map((n) => `%${n}%`).join(''));
  return ok({ source, targets, settingExpressions });
}

// ---------------------------------------------------------------------------------------------------
// The file's shape after validation (snake_case like the SDK).

interface TargetsFile {
  targets: Record<string, RawTarget>;
}
interface RawWorkspace {
  subscription_id: string;
  resource_group: string;
  workspace_name: string;
}
interface RawTarget {
  description?: string;
  workspace?: RawWorkspace;
  endpoint_url?: string;
  pipeline_id?: string;
  pipeline_endpoint_id?: string;
  pipeline_endpoint_name?: string;
  pipeline_version?: string | number;
  experiment_name: string;
  parameters?: Record<string, ParameterValue>;
  data_paths?: Record<string, { datastore: string; path: string }>;
  continue_on_step_failure?: boolean;
  tags?: Record<string, string>;
  pipeline_job?: {
    component_name: string;
    component_version?: string | number;
    display_name?: string;
    settings?: { continue_on_step_failure?: boolean; default_compute?: string; default_datastore?: string };
  };
  batch_endpoint?: { endpoint_name: string; deployment?: string };
  inputs?: Record<string, FileInput>;
}
function toV2(raw: RawTarget): V2Target | undefined {
  if (raw.batch_endpoint)
    return {
      kind: 'batch_endpoint',
      endpointName: raw.batch_endpoint.endpoint_name,
      ...(raw.batch_endpoint.deployment !== undefined ? { deployment: raw.batch_endpoint.deployment } : {}),
    };
  const job = raw.pipeline_job;
  if (!job) return undefined;
  const s = job.settings ?? {};
  const cont = s.continue_on_step_failure ?? raw.continue_on_step_failure;
  const settings = {
    ...(cont !== undefined ? { continueOnStepFailure: cont } : {}),
    ...(s.default_compute !== undefined ? { defaultCompute: s.default_compute } : {}),
    ...(s.default_datastore !== undefined ? { defaultDatastore: s.default_datastore } : {}),
  };
  return {
    kind: 'pipeline_job',
    componentName: job.component_name,
    componentVersion: job.component_version === undefined ? 'latest' : String(job.component_version),
    ...(job.display_name !== undefined ? { displayName: job.display_name } : {}),
    ...(Object.keys(settings).length > 0 ? { settings } : {}),
  };
}

/**
 * What the schema cannot say well: which fields belong to v1 targets only and which to v2 targets only,
 * and that a literal input has no path and a uri input no value. One error per field, naming what to use.
 */
function checkKinds(data: TargetsFile, doc: ConfigDocument): AppError[] {
  const out: AppError[] = [];
  const fail = (
    path: Array<string | number>,
    code: 'config.target.v1_only' | 'config.target.v2_only' | 'config.target.input',
    message: string,
  ): void => {
    const field = jsonPath(path);
    out.push(withPosition({ code, source: doc.source, field, message: `${field} ${message}` }, doc, path));
  };
  for (const [name, t] of Object.entries(data.targets)) {
    const v2 = t.pipeline_job ? 'pipeline_job' : t.batch_endpoint ? 'batch_endpoint' : undefined;
    if (!v2) {
      if (t.inputs !== undefined)
        fail(
          ['targets', name, 'inputs'],
          'config.target.v2_only',
          'is for Azure ML v2 targets (pipeline_job, batch_endpoint); a v1 pipeline takes parameters and data_paths.',
        );
      continue;
    }
    if (t.data_paths !== undefined)
      fail(
        ['targets', name, 'data_paths'],
        'config.target.v1_only',
        `is for v1 pipelines; a ${v2} target takes its data as inputs: {<name>: {type: uri_folder, path: azureml://datastores/<datastore>/paths/<path>}}.`,
      );
    if (v2 === 'batch_endpoint' && t.continue_on_step_failure !== undefined)
      fail(
        ['targets', name, 'continue_on_step_failure'],
        'config.target.v1_only',
        'cannot be passed to a batch endpoint invocation (the deployment decides); remove it.',
      );
    for (const [input, i] of Object.entries(t.inputs ?? {})) {
      for (const p of fileInputProblems(i))
        fail(['targets', name, 'inputs', input, ...(p.key ? [p.key] : [])], 'config.target.input', p.message);
      if (v2 === 'batch_endpoint' && i.type === 'mltable')
        fail(
          ['targets', name, 'inputs', input, 'type'],
          'config.target.input',
          'is mltable, which batch endpoints do not take ("Data assets of type table (MLTable) aren\'t currently supported"); declare the table\'s folder or file as uri_folder / uri_file, or use a pipeline_job target.',
        );
      if (t.parameters && Object.hasOwn(t.parameters, input))
        fail(
          ['targets', name, 'parameters', input],
          'config.target.input',
          `names input ${JSON.stringify(input)} that inputs also sets; give it once.`,
        );
    }
  }
  return out;
}

function toPipelineTarget(name: string, raw: RawTarget): PipelineTarget {
  const target: PipelineTarget = {
    name,
    experimentName: raw.experiment_name,
    parameterAssignments: { ...(raw.parameters ?? {}) },
    dataPathAssignments: {},
  };
  if (raw.description !== undefined) target.description = raw.description;
  if (raw.workspace) target.workspace = toWorkspace(raw.workspace);
  if (raw.endpoint_url !== undefined) target.endpointUrl = raw.endpoint_url;
  const version = raw.pipeline_version === undefined ? undefined : String(raw.pipeline_version);
  let pipeline: PipelineRef | undefined;
  if (raw.pipeline_id !== undefined) pipeline = { kind: 'published', pipelineId: raw.pipeline_id };
  else if (raw.pipeline_endpoint_id !== undefined)
    pipeline = {
      kind: 'endpoint',
      pipelineEndpointId: raw.pipeline_endpoint_id,
      ...(version !== undefined ? { version } : {}),
    };
  else if (raw.pipeline_endpoint_name !== undefined)
    pipeline = {
      kind: 'endpointByName',
      pipelineEndpointName: raw.pipeline_endpoint_name,
      ...(version !== undefined ? { version } : {}),
    };
  if (pipeline) target.pipeline = pipeline;
  for (const [param, dp] of Object.entries(raw.data_paths ?? {})) {
    const assignment: DataPathAssignment = { DataStoreName: dp.datastore, RelativePath: dp.path };
    target.dataPathAssignments[param] = assignment;
  }
  if (raw.continue_on_step_failure !== undefined) target.continueOnStepFailure = raw.continue_on_step_failure;
  if (raw.tags !== undefined) target.tags = { ...raw.tags };
  const v2 = toV2(raw);
  if (v2) {
    target.v2 = v2;
    target.inputs = Object.fromEntries(Object.entries(raw.inputs ?? {}).map(([k, i]) => [k, inputFromFile(i)]));
  }
  return target;
}

function toWorkspace(raw: RawWorkspace): WorkspaceRef {
  return { subscriptionId: raw.subscription_id, resourceGroup: raw.resource_group, workspaceName: raw.workspace_name };
}

// ---------------------------------------------------------------------------------------------------
// Default workspace from app settings.

function defaultWorkspace(env: Env): { value?: RawWorkspace; missing: string[] } {
  const sub = settingText(env, APP_SETTINGS.subscriptionId);
  const rg = settingText(env, APP_SETTINGS.resourceGroup);
  const ws = settingText(env, APP_SETTINGS.workspaceName);
  const missing = (
    [
      sub ? undefined : SETTINGS.subscriptionId,
      rg ? undefined : SETTINGS.resourceGroup,
      ws ? undefined : SETTINGS.workspaceName,
    ] as Array<string | undefined>
  ).filter((s): s is string => s !== undefined);
  if (sub && rg && ws) return { value: { subscription_id: sub, resource_group: rg, workspace_name: ws }, missing };
  return { missing };
}

function applyDefaultWorkspace(data: unknown, env: Env, provenance: Map<string, string[]>): unknown {
  const fallback = defaultWorkspace(env).value;
  if (!fallback || !isObject(data) || !isObject(data.targets)) return data;
  const targets: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(data.targets)) {
    if (isObject(t) && t.workspace === undefined && t.endpoint_url === undefined) {
      targets[name] = { ...t, workspace: { ...fallback } };
      const base = jsonPath(['targets', name, 'workspace']);
      provenance.set(`${base}.subscription_id`, [SETTINGS.subscriptionId]);
      provenance.set(`${base}.resource_group`, [SETTINGS.resourceGroup]);
      provenance.set(`${base}.workspace_name`, [SETTINGS.workspaceName]);
    } else targets[name] = t;
  }
  return { ...data, targets };
}

function checkWorkspaces(data: TargetsFile, env: Env, doc: ConfigDocument): AppError[] {
  const out: AppError[] = [];
  for (const [name, t] of Object.entries(data.targets)) {
    if (t.workspace || t.endpoint_url !== undefined) continue;
    const path = ['targets', name];
    const field = jsonPath(path);
    const { missing } = defaultWorkspace(env);
    out.push(
      withPosition(
        {
          code: 'config.target.workspace_missing',
          source: doc.source,
          field,
          message: `${field} does not say which workspace its pipeline is in: add workspace: {subscription_id, resource_group, workspace_name} to it, give endpoint_url instead, or set the default workspace app settings (missing: ${missing.join(', ')}).`,
        },
        doc,
        path,
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Schema validation and its errors.

/** targets.schema.json, compiled at build time by scripts/schemas.mjs (ajv standalone: no compiler loaded at start-up). */
function validator(): ValidateFunction {
  return compiledTargetsValidator as ValidateFunction;
}

/** The targets file's code for each kind of schema problem. */
const CONFIG_CODE: Record<SchemaProblemKind, ErrorCode> = {
  unknown_field: 'config.field.unknown',
  required: 'config.field.required',
  type: 'config.field.type',
  enum: 'config.field.invalid',
  pattern: 'config.field.format',
  range: 'config.field.invalid',
  empty: 'config.field.invalid',
  too_long: 'config.field.invalid',
  name: 'config.target.name',
  one_of: 'config.target.pipeline_ref',
  other: 'config.field.invalid',
};

function translate(errors: ErrorObject[], doc: ConfigDocument, provenance: Map<string, string[]>): AppError[] {
  return schemaProblems(errors, { notAField: () => 'a known field' }).map((p) => {
    let phrase = p.phrase;
    if (p.kind === 'one_of') {
      const target = (p.data ?? {}) as Record<string, unknown>;
      const given = [
        'endpoint_url',
        'pipeline_id',
        'pipeline_endpoint_id',
        'pipeline_endpoint_name',
        'pipeline_version',
        'pipeline_job',
        'batch_endpoint',
      ].filter((k) => target[k] !== undefined);
      phrase = `${phrase}; found ${given.length ? given.join(', ') : 'none of them'}`;
    }
    const field = jsonPath(p.segments);
    const settings = provenance.get(field);
    const valueText = p.aboutObject
      ? ''
      : settings
        ? ` (value from app setting ${settings.join(', ')})`
        : ` (value ${showValue(p.value)})`;
    return withPosition(
      {
        code: CONFIG_CODE[p.kind],
        source: doc.source,
        field,
        ...(settings || p.aboutObject || p.value === undefined ? {} : { value: p.value }),
        message: `${field} ${phrase}${valueText}.`,
      },
      doc,
      [...p.segments],
    );
  });
}

function withPosition(error: AppError, doc: ConfigDocument, path: Array<string | number>): AppError {
  const position = doc.locate(path);
  return { ...error, message: `${where(doc.source, position)}: ${error.message}` };
}

function summarize(source: string, errors: AppError[]): AppError {
  const first = errors[0] as AppError;
  const list = errors.length === 1 ? first.message : errors.map((e, i) => `(${i + 1}) ${e.message}`).join(' ');
  return {
    code: errors.length === 1 ? first.code : 'config.invalid',
    source,
    ...(first.field !== undefined ? { field: first.field } : {}),
    message: `Invalid targets file ${source}: ${errors.length === 1 ? '' : `${errors.length} problems: `}${list}`,
    errors,
  };
}

/** Errors in file order (messages start with `file:line:column`). */
function sortByPosition(errors: AppError[]): AppError[] {
  const key = (e: AppError): [number, number] => {
    const m = /:(\d+):(\d+): /.exec(e.message);
    return m ? [Number(m[1]), Number(m[2])] : [0, 0];
  };
  return errors
    .map((e, i) => ({ e, i, k: key(e) }))
    .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.i - b.i)
    .map((x) => x.e);
}

function splitPath(field: string | undefined): Array<string | number> {
  if (!field) return [];
  const out: Array<string | number> = [];
  const re = /([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (let m = re.exec(field); m; m = re.exec(field)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

function valueAt(data: unknown, path: ReadonlyArray<string | number>): unknown {
  let node = data;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The app root: the nearest folder above `from` (this module) holding host.json, else `fallback` (the cwd). */
export function findAppRoot(from: string = __dirname, fallback: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'host.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return fallback;
    dir = up;
  }
}
