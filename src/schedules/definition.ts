/**
 * Schedule definitions: the validated, normalized form of one schedule written in a schedules file
 * (field names of the Azure ML SDK v1 `Schedule` API, see ../../shared spec schedules.md and
 * docs/schedules.md), plus the rules that need more than one field (the JSON Schema in
 * schedule.schema.json checks structure and types; `validateSchedule` does the rest).
 *
 * Pure: no I/O; `now` is only used as the creation instant of a recurrence without `start_time`.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import type { ParameterValue, PipelineRef, PipelineTarget, V2Input, WorkspaceRef } from '../aml/types';
import { toSubmission, type SubmissionRequest } from '../aml/submission';
import { fileInputProblems, inputFromFile, v2Inputs, type FileInput } from '../aml/v2Body';
import { appError, fieldPath, showValue, type AppError, type Result, err, ok } from '../errors';
import { parseRecurrence, type Recurrence } from '../recurrence';
import { canonicalHash } from '../util/canonicalJson';
import { schemaProblems, type SchemaProblem } from '../schemaErrors';
import scheduleSchema from './schedule.schema.json';
import { isRecurrenceCode, scheduleRecurrenceCode, type ErrorCode } from '../errorCatalog';
import { validate as compiledScheduleValidator } from './schedule.validate';

export type ScheduleStatus = 'Active' | 'Disabled';
export type MissedRunsPolicy = 'skip' | 'latest' | 'all';

export const DEFAULT_MISSED_RUNS_LIMIT = 100;
export const MAX_MISSED_RUNS_LIMIT = 1000;
export const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Which pipeline a schedule submits to: a configured target by name, or ids written in the schedule. */
export type SchedulePipeline =
  | { readonly kind: 'target'; readonly target: string }
  | {
      readonly kind: 'inline';
      readonly pipeline: Extract<PipelineRef, { kind: 'published' } | { kind: 'endpoint' }>;
      /** Absent: the app's default workspace settings apply (see resolveScheduleTarget). */
      readonly workspace?: WorkspaceRef;
    };

/** Where a definition was written: the file, the path of the schedule inside it, its line. */
export interface ScheduleSource {
  readonly file: string;
  /** Path of the schedule object in the file: '' (the whole file), `[2]` or `schedules[2]`. */
  readonly path: string;
  /** 1-based line of the schedule object, when known. */
  readonly line?: number;
}

/** Where a schedule is defined, as messages and listings show it: `file:line`, or the file alone. */
export function sourceLocation(source: Pick<ScheduleSource, 'file' | 'line'>): string {
  return `${source.file}${source.line !== undefined ? `:${source.line}` : ''}`;
}

interface ScheduleCommon {
  readonly name: string;
  readonly description?: string;
  readonly pipeline: SchedulePipeline;
  /** Required for inline pipelines; for a target, absent means the target's experiment. */
  readonly experimentName?: string;
  readonly pipelineParameters: Readonly<Record<string, ParameterValue>>;
  /**
   * Azure ML v2 targets only: inputs in v2 terms (the file's `inputs`), laid over the target's inputs
   * and the parameters mapped onto them; a reactive schedule's blob is laid over these (v2Body.ts).
   */
  readonly inputs?: Readonly<Record<string, V2Input>>;
  readonly continueOnStepFailure?: boolean;
  readonly status: ScheduleStatus;
  readonly source: ScheduleSource;
  /** Hash of the normalized definition: equal hashes mean nothing the app acts on changed. */
  readonly hash: string;
}

export interface TimeScheduleDefinition extends ScheduleCommon {
  readonly kind: 'time';
  /** Parsed with `createdAt` = the `now` given to the loader; see `recurrenceFor` for a stable anchor. */
  readonly recurrence: Recurrence;
  /** The recurrence as written, with the schedule-level `time_zone` (or the v1 default) merged in. */
  readonly recurrenceInput: Readonly<Record<string, unknown>>;
  /** True when `recurrenceInput` has no `start_time`: occurrences then count from the creation instant. */
  readonly anchoredAtCreation: boolean;
  readonly missedRuns: MissedRunsPolicy;
  /** Bound on occurrences caught up with `missedRuns: 'all'`. */
  readonly missedRunsLimit: number;
  /** Hash of what decides *when* the schedule runs (recurrence, zone): a change re-plans `nextDue`. */
  readonly timingHash: string;
}

export interface ReactiveScheduleDefinition extends ScheduleCommon {
  readonly kind: 'reactive';
  readonly datastore: string;
  /** Normalized folder inside the container: no leading/trailing '/'; absent = the container's top level. */
  readonly pathOnDatastore?: string;
  readonly dataPathParameterName?: string;
  /** Explicit container (ours); otherwise resolved from the datastore. */
  readonly container?: string;
  /** Accepted and ignored (no polling); a warning says so. */
  readonly pollingInterval?: number;
  readonly timingHash: string;
}

export type ScheduleDefinition = TimeScheduleDefinition | ReactiveScheduleDefinition;

/** An AppError with the line of the offending field, when the file format gives one. */
export interface ScheduleIssue extends AppError {
  readonly line?: number;
}

export interface ValidateContext {
  /** The file name, copied into every error's `source`. */
  readonly file: string;
  /** Path of this schedule inside the file ('' / `[i]` / `schedules[i]`). */
  readonly path: string;
  /** Creation instant for recurrences without start_time. */
  readonly now: Date;
  /** Line of a field: `locate(['recurrence','interval'])` relative to this schedule. */
  readonly locate?: (relative: readonly (string | number)[]) => number | undefined;
  /** Time zone to write when `start_time` is given without any zone (v1 import: `GMT Standard Time`). */
  readonly defaultTimeZoneWithStart?: string;
}

export interface ValidatedSchedule {
  readonly definition: ScheduleDefinition;
  readonly warnings: readonly ScheduleIssue[];
}

type Raw = Record<string, unknown>;

/** `$defs/schedule` of schedule.schema.json, compiled at build time by scripts/schemas.mjs (ajv standalone, verbose errors). */
const validateStructure = compiledScheduleValidator as ValidateFunction;

/** The JSON Schema that ships with the app (same object as schedule.schema.json). */
export const SCHEDULE_SCHEMA: unknown = scheduleSchema;

/**
 * Validates one schedule object (already parsed from JSON/YAML) and returns its normalized definition,
 * or every problem found. Each error has code `schedule.*`, `source` = file, `field` = path from the file's
 * root (e.g. `schedules[1].recurrence.hours[0]`), the offending `value`, and `line` when known.
 */
export function validateSchedule(
  raw: unknown,
  ctx: ValidateContext,
): Result<ValidatedSchedule, readonly ScheduleIssue[]> {
  const issues: ScheduleIssue[] = [];
  const issue = (code: ErrorCode, rel: readonly (string | number)[], value: unknown, message: string): void => {
    issues.push(makeIssue(ctx, code, rel, value, message));
  };

  if (!isRecord(raw)) {
    issue(
      'schedule.not_an_object',
      [],
      raw,
      `must be a mapping of schedule fields (name, recurrence, ...), not ${showValue(raw)}.`,
    );
    return err(issues);
  }

  if (!validateStructure(raw)) {
    issues.push(...schemaIssues(validateStructure.errors ?? [], ctx));
  }
  const structurallyBad = (key: string): boolean =>
    issues.some(
      (i) =>
        i.field === fieldPath(ctx.path || undefined, key) ||
        (i.field ?? '').startsWith(`${fieldPath(ctx.path || undefined, key)}.`) ||
        (i.field ?? '').startsWith(`${fieldPath(ctx.path || undefined, key)}[`),
    );

  const has = (key: string): boolean => raw[key] !== undefined;
  const str = (key: string): string | undefined => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);

  // Pipeline: a target, or exactly one of pipeline_id / pipeline_endpoint_id.
  const pipelineKeys = ['target', 'pipeline_id', 'pipeline_endpoint_id'].filter(has);
  if (pipelineKeys.length === 0) {
    issue(
      'schedule.pipeline.missing',
      [],
      undefined,
      'names no pipeline: set `target` (a configured pipeline) or `pipeline_id` / `pipeline_endpoint_id` (with `workspace` unless the app has a default workspace).',
    );
  } else if (pipelineKeys.length > 1) {
    const second = pipelineKeys[1]!;
    issue(
      'schedule.pipeline.conflict',
      [second],
      raw[second],
      `sets both \`${pipelineKeys[0]}\` and \`${second}\`; a schedule targets exactly one pipeline (a published pipeline or a pipeline endpoint, as in the SDK).`,
    );
  }
  if (has('pipeline_version') && !has('pipeline_endpoint_id')) {
    issue(
      'schedule.pipeline_version.requires_endpoint',
      ['pipeline_version'],
      raw.pipeline_version,
      'is only meaningful with `pipeline_endpoint_id`; remove it or target the endpoint.',
    );
  }
  if (has('target') && has('workspace')) {
    issue(
      'schedule.workspace.with_target',
      ['workspace'],
      raw.workspace,
      'cannot be combined with `target`: the configured target already names its workspace. Remove `workspace` or use `pipeline_id` / `pipeline_endpoint_id`.',
    );
  }
  const inline = !has('target') && (has('pipeline_id') || has('pipeline_endpoint_id'));
  if (inline && !has('experiment_name')) {
    issue(
      'schedule.experiment_name.required',
      ['experiment_name'],
      undefined,
      'is required when the schedule names `pipeline_id` / `pipeline_endpoint_id` directly (runs are filed under an experiment); set `experiment_name`.',
    );
  }

  // Kind: time (recurrence) XOR reactive (datastore).
  const isTime = has('recurrence');
  const isReactive = has('datastore');
  if (isTime && isReactive) {
    issue(
      'schedule.trigger.conflict',
      ['datastore'],
      raw.datastore,
      'is set together with `recurrence`; a schedule is either time-based (`recurrence`) or reactive (`datastore`), not both (SDK rule).',
    );
  } else if (!isTime && !isReactive) {
    issue(
      'schedule.trigger.missing',
      [],
      undefined,
      'has neither `recurrence` (time-based) nor `datastore` (runs when blobs arrive); set exactly one.',
    );
  }
  if (!isReactive) {
    for (const key of ['path_on_datastore', 'data_path_parameter_name', 'container', 'polling_interval']) {
      if (has(key))
        issue(
          'schedule.reactive_only',
          [key],
          raw[key],
          `is only allowed on reactive schedules (with \`datastore\`); remove it${isTime ? ' from this time-based schedule' : ''}.`,
        );
    }
  }
  if (isReactive && !isTime) {
    for (const key of ['missed_runs', 'missed_runs_limit', 'time_zone']) {
      if (has(key))
        issue(
          'schedule.time_only',
          [key],
          raw[key],
          'only applies to time-based schedules (with `recurrence`); remove it from this reactive schedule.',
        );
    }
  }

  const missedRuns = (str('missed_runs') ?? 'skip') as MissedRunsPolicy;
  if (has('missed_runs_limit') && missedRuns !== 'all' && !structurallyBad('missed_runs')) {
    issue(
      'schedule.missed_runs_limit.requires_all',
      ['missed_runs_limit'],
      raw.missed_runs_limit,
      `bounds catch-up runs and only applies with \`missed_runs: all\` (this schedule has ${missedRuns}); remove it or set missed_runs to all.`,
    );
  }

  // Reactive details.
  let pathOnDatastore: string | undefined;
  if (typeof raw.path_on_datastore === 'string') {
    const normalized = normalizeDatastorePath(raw.path_on_datastore);
    if (normalized.ok) pathOnDatastore = normalized.value;
    else issue('schedule.path_on_datastore.invalid', ['path_on_datastore'], raw.path_on_datastore, normalized.error);
  }
  const parameters = isRecord(raw.pipeline_parameters)
    ? (raw.pipeline_parameters as Record<string, ParameterValue>)
    : {};
  const dataPathName = str('data_path_parameter_name');
  if (dataPathName !== undefined && Object.prototype.hasOwnProperty.call(parameters, dataPathName)) {
    issue(
      'schedule.data_path_parameter_name.conflict',
      ['data_path_parameter_name'],
      dataPathName,
      `names a parameter that \`pipeline_parameters\` also sets; the arriving blob's path fills "${dataPathName}", so remove it from pipeline_parameters.`,
    );
  }

  // v2 inputs: the shape is the targets file's (schema); here what it cannot say, and that a v1 pipeline
  // named by id takes none (a v1 target is refused when the schedule is resolved against it).
  const rawInputs =
    isRecord(raw.inputs) && !structurallyBad('inputs') ? (raw.inputs as Record<string, FileInput>) : undefined;
  if (rawInputs && inline && Object.keys(rawInputs).length > 0) {
    issue(
      'schedule.inputs.v1_pipeline',
      ['inputs'],
      raw.inputs,
      `is for Azure ML v2 targets (pipeline_job, batch_endpoint), but this schedule names a v1 ${has('pipeline_id') ? 'published pipeline (`pipeline_id`)' : 'pipeline endpoint (`pipeline_endpoint_id`)'}, which takes no inputs: pass the values in \`pipeline_parameters\`, or set \`target\` to a v2 target.`,
    );
  }
  for (const [input, i] of Object.entries(rawInputs ?? {})) {
    for (const p of fileInputProblems(i, { filled: true }))
      issue('schedule.inputs.invalid', ['inputs', input, ...(p.key ? [p.key] : [])], p.key ? i[p.key] : i, p.message);
    if (Object.prototype.hasOwnProperty.call(parameters, input))
      issue(
        'schedule.inputs.invalid',
        ['inputs', input],
        i,
        `is also set in \`pipeline_parameters\`; give "${input}" once (in inputs, with its v2 type).`,
      );
    if (input === dataPathName)
      issue(
        'schedule.inputs.invalid',
        ['inputs', input],
        i,
        `is the input the arriving blob fills (\`data_path_parameter_name\`); remove it from inputs (declare its type or mode in the target's inputs).`,
      );
  }

  // Recurrence (validated by the recurrence engine, unless the schema already found it malformed).
  let recurrence: Recurrence | undefined;
  let recurrenceInput: Raw | undefined;
  if (
    isTime &&
    !isReactive &&
    isRecord(raw.recurrence) &&
    !structurallyBad('recurrence') &&
    !structurallyBad('time_zone')
  ) {
    recurrenceInput = { ...raw.recurrence };
    const outerZone = str('time_zone');
    const innerZone = typeof recurrenceInput.time_zone === 'string' ? recurrenceInput.time_zone : undefined;
    let zoneOk = true;
    if (outerZone !== undefined && innerZone !== undefined && outerZone.trim() !== innerZone.trim()) {
      zoneOk = false;
      issue(
        'schedule.time_zone.conflict',
        ['time_zone'],
        outerZone,
        `differs from recurrence.time_zone ${showValue(innerZone)}; set the zone in one place.`,
      );
    }
    if (outerZone !== undefined) recurrenceInput.time_zone = outerZone;
    if (
      recurrenceInput.time_zone === undefined &&
      recurrenceInput.start_time !== undefined &&
      ctx.defaultTimeZoneWithStart
    ) {
      recurrenceInput.time_zone = ctx.defaultTimeZoneWithStart;
    }
    if (zoneOk) {
      const recurrencePath = fieldPath(ctx.path || undefined, 'recurrence');
      const parsed = parseRecurrence(recurrenceInput, { createdAt: ctx.now, path: recurrencePath });
      if (parsed.ok) recurrence = parsed.value;
      else
        for (const e of flatten(parsed.error))
          issues.push(recurrenceIssue(e, ctx, recurrencePath, outerZone !== undefined));
    }
  }

  if (issues.length > 0) return err(issues);

  // Build the normalized definition.
  const warnings: ScheduleIssue[] = [];
  const name = raw.name as string;
  const status = (str('status') ?? 'Active') as ScheduleStatus;
  const pipeline: SchedulePipeline = has('target')
    ? { kind: 'target', target: raw.target as string }
    : {
        kind: 'inline',
        pipeline: has('pipeline_id')
          ? { kind: 'published', pipelineId: raw.pipeline_id as string }
          : {
              kind: 'endpoint',
              pipelineEndpointId: raw.pipeline_endpoint_id as string,
              ...(has('pipeline_version') ? { version: raw.pipeline_version as string } : {}),
            },
        ...(isRecord(raw.workspace)
          ? {
              workspace: {
                subscriptionId: raw.workspace.subscription_id as string,
                resourceGroup: raw.workspace.resource_group as string,
                workspaceName: raw.workspace.workspace_name as string,
              },
            }
          : {}),
      };
  const common = {
    name,
    ...(str('description') !== undefined ? { description: str('description') } : {}),
    pipeline,
    ...(str('experiment_name') !== undefined ? { experimentName: str('experiment_name') } : {}),
    pipelineParameters: { ...parameters },
    ...(rawInputs && Object.keys(rawInputs).length > 0
      ? { inputs: Object.fromEntries(Object.entries(rawInputs).map(([k, i]) => [k, inputFromFile(i)])) }
      : {}),
    ...(typeof raw.continue_on_step_failure === 'boolean'
      ? { continueOnStepFailure: raw.continue_on_step_failure }
      : {}),
    status,
    source: { file: ctx.file, path: ctx.path, ...lineOf(ctx, []) },
  };
  // Normalized document the hash is computed from: defaults applied, zone merged, path normalized.
  const { $schema: _ignored, time_zone: _zone, ...rest } = raw;
  const normalized: Raw = { ...rest, status };

  if (isTime) {
    const limit =
      missedRuns === 'all'
        ? ((raw.missed_runs_limit as number | undefined) ?? DEFAULT_MISSED_RUNS_LIMIT)
        : DEFAULT_MISSED_RUNS_LIMIT;
    Object.assign(normalized, {
      recurrence: recurrenceInput,
      missed_runs: missedRuns,
      ...(missedRuns === 'all' ? { missed_runs_limit: limit } : {}),
    });
    const definition: TimeScheduleDefinition = {
      ...common,
      kind: 'time',
      recurrence: recurrence!,
      recurrenceInput: recurrenceInput!,
      anchoredAtCreation: recurrenceInput!.start_time === undefined,
      missedRuns,
      missedRunsLimit: limit,
      timingHash: contentHash({ kind: 'time', recurrence: recurrenceInput }),
      hash: contentHash(normalized),
    };
    return ok({ definition, warnings });
  }

  if (pathOnDatastore !== undefined) normalized.path_on_datastore = pathOnDatastore;
  else delete normalized.path_on_datastore;
  delete normalized.polling_interval;
  if (has('polling_interval')) {
    warnings.push(
      makeIssue(
        ctx,
        'schedule.polling_interval.unused',
        ['polling_interval'],
        raw.polling_interval,
        'is accepted for SDK v1 compatibility but unused: blob arrivals are delivered as events, nothing polls. You can remove it.',
      ),
    );
  }
  const definition: ReactiveScheduleDefinition = {
    ...common,
    kind: 'reactive',
    datastore: raw.datastore as string,
    ...(pathOnDatastore !== undefined ? { pathOnDatastore } : {}),
    ...(dataPathName !== undefined ? { dataPathParameterName: dataPathName } : {}),
    ...(str('container') !== undefined ? { container: str('container') } : {}),
    ...(typeof raw.polling_interval === 'number' ? { pollingInterval: raw.polling_interval } : {}),
    timingHash: contentHash({
      kind: 'reactive',
      datastore: raw.datastore,
      container: raw.container,
      path: pathOnDatastore,
    }),
    hash: contentHash(normalized),
  };
  return ok({ definition, warnings });
}

/**
 * `path_on_datastore` normalized: surrounding '/' removed (so "/raw/" is "raw"); backslashes, empty
 * segments ("a//b") and "." / ".." segments are errors. An empty result means the container's top level.
 */
export function normalizeDatastorePath(input: string): Result<string | undefined, string> {
  if (input.includes('\\'))
    return err('must use "/" between folders, not "\\" (a path inside the container, like "incoming/daily").');
  const trimmed = input.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return ok(undefined);
  const segments = trimmed.split('/');
  if (segments.some((s) => s === ''))
    return err('has an empty folder name ("//"); write the folder path like "incoming/daily".');
  if (segments.some((s) => s === '.' || s === '..'))
    return err(
      'cannot contain "." or ".." segments; write the folder path from the container root, like "incoming/daily".',
    );
  return ok(trimmed);
}

/** Stable content hash of a JSON value (object keys sorted), `sha256:<hex>`. */
export function contentHash(value: unknown): string {
  return `sha256:${canonicalHash(value)}`;
}

/**
 * The recurrence of a time schedule with a stable anchor: a recurrence without `start_time` counts from
 * the schedule's creation, which the state store records (`ScheduleState.createdAt`); parsing it again
 * with that instant keeps occurrences in the same phase across restarts.
 */
export function recurrenceFor(def: TimeScheduleDefinition, createdAt: Date): Recurrence {
  if (!def.anchoredAtCreation) return def.recurrence;
  const parsed = parseRecurrence(def.recurrenceInput, { createdAt });
  return parsed.ok ? parsed.value : def.recurrence;
}

/**
 * What a schedule adds to every submission of its (resolved) target besides the path's own tags and
 * blob: its v2 `inputs`, laid over the target's (see toSubmission). One place for the timer, run-now,
 * the reactive handler and the check above.
 */
export function scheduleRequest(def: ScheduleDefinition): Pick<SubmissionRequest, 'inputs'> {
  return def.inputs !== undefined ? { inputs: def.inputs } : {};
}

export interface WorkspaceDefaults {
  /** App-level default workspace for inline pipelines without `workspace`. */
  readonly workspace?: WorkspaceRef;
}

/**
 * The pipeline target a schedule submits to: the configured target (with the schedule's parameters,
 * experiment and continue_on_step_failure laid over it), or one built from the inline ids.
 */
export function resolveScheduleTarget(
  def: ScheduleDefinition,
  targets: ReadonlyMap<string, PipelineTarget> | Readonly<Record<string, PipelineTarget>>,
  defaults: WorkspaceDefaults = {},
): Result<PipelineTarget, AppError> {
  const base = { file: def.source.file, path: def.source.path };
  if (def.pipeline.kind === 'target') {
    const name = def.pipeline.target;
    const target =
      targets instanceof Map ? targets.get(name) : (targets as Readonly<Record<string, PipelineTarget>>)[name];
    if (!target) {
      const known = targets instanceof Map ? [...targets.keys()] : Object.keys(targets);
      const field = fieldPath(base.path || undefined, 'target');
      const at = sourceLocation(def.source);
      return err(
        appError(
          'schedule.target.unknown',
          { at, field, target: name, configured: known, schedule: def.name },
          { field, value: name, source: base.file },
        ),
      );
    }
    const resolved: PipelineTarget = {
      ...target,
      ...(def.description !== undefined ? { description: def.description } : {}),
      experimentName: def.experimentName ?? target.experimentName,
      parameterAssignments: { ...target.parameterAssignments, ...def.pipelineParameters },
      dataPathAssignments: { ...target.dataPathAssignments },
      ...(def.continueOnStepFailure !== undefined ? { continueOnStepFailure: def.continueOnStepFailure } : {}),
    };
    if (!resolved.v2 && def.inputs !== undefined) {
      const field = fieldPath(base.path || undefined, 'inputs');
      const at = sourceLocation(def.source);
      const names = Object.keys(def.inputs)
        .map((n) => JSON.stringify(n))
        .join(', ');
      const kind =
        target.pipeline?.kind === 'published' || !target.pipeline ? 'published pipeline' : 'pipeline endpoint';
      return err({
        code: 'schedule.inputs.v1_pipeline',
        message: `${at}: schedule "${def.name}" gives \`${field}\` (${names}), but its target ${showValue(name)} is an Azure ML v1 ${kind}, which takes no inputs: pass the values in \`pipeline_parameters\` (DataPaths in the target's data_paths), or point the schedule at a v2 target (pipeline_job, batch_endpoint; docs/migration-v2.md).`,
        field,
        value: def.inputs,
        source: base.file,
        ...(def.source.line !== undefined ? { line: def.source.line } : {}),
      });
    }
    if (resolved.v2) {
      // What the schedule passes must map onto the v2 target's inputs: checked now, not at the first run.
      const blob =
        def.kind === 'reactive' && def.dataPathParameterName !== undefined
          ? { parameter: def.dataPathParameterName, datastore: def.datastore, path: 'blob' }
          : undefined;
      const mapped = v2Inputs(
        resolved,
        toSubmission(resolved, { runSource: 'SDK', ...scheduleRequest(def), ...(blob ? { blob } : {}) }),
      );
      if (!mapped.ok) {
        // An input the schedule gives is named as the schedule file writes it (`inputs.<name>`).
        const own = /^Inputs\.(.+)$/.exec(mapped.error.field ?? '')?.[1];
        const mine = own !== undefined && def.inputs?.[own] !== undefined ? own : undefined;
        const field =
          mine !== undefined
            ? fieldPath(fieldPath(base.path || undefined, 'inputs'), mine)
            : fieldPath(base.path || undefined, 'target');
        const text =
          mine !== undefined ? mapped.error.message.replace(`Inputs.${mine}`, `\`${field}\``) : mapped.error.message;
        return err({
          code: 'schedule.target.inputs',
          message: `Schedule "${def.name}" (${def.source.file}) cannot start target ${showValue(name)}: ${text}`,
          field,
          value: mine !== undefined ? def.inputs?.[mine] : name,
          source: base.file,
        });
      }
    }
    return ok(resolved);
  }
  const workspace = def.pipeline.workspace ?? defaults.workspace;
  if (!workspace) {
    return err({
      code: 'schedule.workspace.missing',
      message: `Schedule "${def.name}" (${def.source.file}) names a pipeline by id but no workspace: add \`workspace\` {subscription_id, resource_group, workspace_name} or configure the app's default workspace.`,
      field: fieldPath(base.path || undefined, 'workspace'),
      source: base.file,
    });
  }
  return ok({
    name: `schedule:${def.name}`,
    ...(def.description !== undefined ? { description: def.description } : {}),
    workspace,
    pipeline: def.pipeline.pipeline,
    experimentName: def.experimentName ?? def.name,
    parameterAssignments: { ...def.pipelineParameters },
    dataPathAssignments: {},
    ...(def.continueOnStepFailure !== undefined ? { continueOnStepFailure: def.continueOnStepFailure } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(base: string, rel: readonly (string | number)[]): string {
  let path: string | undefined = base || undefined;
  for (const segment of rel) path = fieldPath(path, segment);
  return path ?? '';
}

function lineOf(ctx: ValidateContext, rel: readonly (string | number)[]): { line?: number } {
  const line = ctx.locate?.(rel);
  return line === undefined ? {} : { line };
}

function where(ctx: ValidateContext, line: number | undefined): string {
  return line === undefined ? ctx.file : `${ctx.file}:${line}`;
}

function makeIssue(
  ctx: ValidateContext,
  code: ErrorCode,
  rel: readonly (string | number)[],
  value: unknown,
  message: string,
): ScheduleIssue {
  const field = join(ctx.path, rel);
  const { line } = lineOf(ctx, rel);
  const subject = field ? `\`${field}\`` : 'The schedule';
  const shown = value === undefined ? '' : ` (${showValue(value)})`;
  return {
    code,
    message: `${where(ctx, line)}: ${subject}${shown} ${message}`,
    ...(field ? { field } : {}),
    ...(value !== undefined ? { value } : {}),
    source: ctx.file,
    ...(line !== undefined ? { line } : {}),
  };
}

/** A schedule file's code for each kind of schema problem (a few fields have their own). */
function scheduleCode(p: SchemaProblem): ErrorCode {
  const last = p.segments.at(-1);
  const top = p.segments.length === 1;
  switch (p.kind) {
    case 'required':
      return top && last === 'name' ? 'schedule.name.missing' : 'schedule.field.required';
    case 'unknown_field':
      return 'schedule.field.unknown';
    case 'type':
      return 'schedule.field.type';
    case 'enum':
      return last === 'status'
        ? 'schedule.status.invalid'
        : last === 'missed_runs'
          ? 'schedule.missed_runs.invalid'
          : 'schedule.field.enum';
    case 'pattern':
      return top && last === 'name'
        ? 'schedule.name.invalid'
        : top && last === 'container'
          ? 'schedule.container.invalid'
          : 'schedule.field.pattern';
    case 'range':
      return 'schedule.field.out_of_range';
    case 'empty':
      return 'schedule.field.empty';
    case 'too_long':
      return 'schedule.field.too_long';
    default:
      return 'schedule.field.invalid';
  }
}

/** What the schema's bare pattern would say, for the fields whose pattern a user cannot be expected to read. */
const PATTERN_PHRASE: Partial<Record<ErrorCode, string>> = {
  'schedule.name.invalid':
    'must start with a letter or digit and use only letters, digits, "_", "." and "-" (at most 64 characters)',
  'schedule.container.invalid':
    'is not a valid blob container name (3-63 lowercase letters, digits and single hyphens)',
};

const SCHEDULE_WORDING = {
  quote: (name: string) => `\`${name}\``,
  notAField: (parent: readonly (string | number)[]) =>
    parent.length === 0 ? 'a schedule field' : `a field of \`${String(parent.at(-1))}\``,
  fieldsNote: ' (docs/schedules.md)',
};

function schemaIssues(errors: readonly ErrorObject[], ctx: ValidateContext): ScheduleIssue[] {
  return schemaProblems(errors, SCHEDULE_WORDING).map((p) => {
    const code = scheduleCode(p);
    const phrase =
      code === 'schedule.name.missing'
        ? `${p.phrase}: every schedule needs a unique name`
        : (PATTERN_PHRASE[code] ?? p.phrase);
    return makeIssue(ctx, code, p.segments, p.value, `${phrase}.`);
  });
}

function flatten(error: AppError): AppError[] {
  if (error.errors && error.errors.length > 0) return error.errors.flatMap(flatten);
  return [error];
}

/** Re-labels a recurrence engine error as a schedule error of this file (keeping its detail code). */
function recurrenceIssue(
  e: AppError,
  ctx: ValidateContext,
  recurrencePath: string,
  zoneFromSchedule: boolean,
): ScheduleIssue {
  let field = e.field ?? recurrencePath;
  if (!field.startsWith(recurrencePath)) field = fieldPath(recurrencePath, field);
  const zoneField = fieldPath(recurrencePath, 'time_zone');
  let text = e.message;
  if (zoneFromSchedule && field === zoneField) {
    field = join(ctx.path, ['time_zone']);
    text = text.split(zoneField).join(field);
  }
  const rel = relativeSegments(ctx.path, field);
  const line = rel ? ctx.locate?.(rel) : undefined;
  const code = isRecurrenceCode(e.code) ? scheduleRecurrenceCode(e.code) : e.code;
  return {
    code,
    message: `${where(ctx, line)}: ${text}`,
    field,
    ...(e.value !== undefined ? { value: e.value } : {}),
    source: ctx.file,
    ...(line !== undefined ? { line } : {}),
  };
}

/** `schedules[1].recurrence.hours[0]` relative to `schedules[1]` → ['recurrence','hours',0]. */
function relativeSegments(base: string, field: string): (string | number)[] | undefined {
  if (base && !field.startsWith(base)) return undefined;
  const rest = field.slice(base.length);
  const segments: (string | number)[] = [];
  const re = /\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[3] !== undefined) segments.push(JSON.parse(m[3]) as string);
    if (re.lastIndex >= rest.length) break;
  }
  return segments;
}
