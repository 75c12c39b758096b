/**
 * `aml-triggers schedules <list|get|enable|disable|apply|delete|history|reindex>`: the schedule operations
 * (src/schedules/operations.ts) against the app's schedule store, from a shell or a pipeline, and
 * `reindex`, the repair of the timer's due index (`ScheduleStates.rebuildDueIndex`).
 *
 * Settings are the app's: `AzureWebJobsStorage` (a connection string, `UseDevelopmentStorage=true` for
 * Azurite) or `AzureWebJobsStorage__blobServiceUri` (identity: your `az login`, a managed identity, ...),
 * `SCHEDULE_STATE_CONTAINER`, `SCHEDULES_PATH`, `AML_TARGETS_FILE`. They come from the environment and,
 * when the current directory holds one, from `local.settings.json` `Values` (the environment wins), so
 * running the command in the app folder sees what `func start` sees. The app's own schedule files are
 * read from `SCHEDULES_PATH` relative to the app folder (the nearest folder up with host.json): run the
 * command there to see file-defined schedules' definitions (the deployed app reads its deployed copy).
 *
 * Output: tables by default, `--json` the same documents as the HTTP routes. Exit codes: 0 done;
 * 2 usage or validation (unknown schedule, invalid file, conflict), with one line per problem on
 * stderr naming the field and value; 1 operational failure (storage unreachable or refusing: the line
 * says which setting and endpoint). Nothing is printed on stdout when a command fails.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { AppFailure, type AppError, type Result } from '../errors';
import type { Env } from '../storage/blobService';
import { readScheduleFiles, type ScheduleFile } from '../schedules/loadDefinitions';
import type { ScheduleStateStore } from '../schedules/stateStore';
import {
  checkCount,
  checkName,
  DEFAULT_HISTORY_COUNT,
  DEFAULT_LAST_RUNS,
  DEFAULT_NEXT_COUNT,
  MAX_HISTORY_COUNT,
  MAX_NEXT_COUNT,
  ScheduleOperations,
  type ApplyProgress,
  type ListFilter,
} from '../schedules/operations';
import {
  formatApply,
  formatDelete,
  formatDetail,
  formatEnable,
  formatHistory,
  formatJson,
  formatList,
} from '../schedules/format';
import { EXIT_USAGE, parseOptions, usage as usageLine, type OptionSpec } from './args';
import { count, progressPrinter, type ProgressLine } from './progress';
import * as runNow from './runNow';
import type { CliIo } from './main';
import { LOCAL_SETTINGS_FILE } from './settings';
import { errorOf, openRuntime } from './appRuntime';
import { connectionSettings, STORAGE_CONNECTION } from '../settings';

export const summary =
  'List, inspect, enable, disable, apply and delete schedules; show their run history; rebuild the due index.';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;

const HELP = [
  'Usage: aml-triggers schedules <command> [options]',
  '',
  'Commands:',
  '  list [--active-only] [--pipeline-id ID] [--pipeline-endpoint-id ID] [--target NAME] [--json]',
  '                                      every schedule: status, next run, last run, pipeline, summary',
  '  get <name> [--next N] [--runs N] [--json]',
  `                                      one schedule with its next N (default ${DEFAULT_NEXT_COUNT}) occurrences and last runs`,
  '  enable <name> [--json]              start firing again from the next occurrence (no replay)',
  '  disable <name> [--json]             stop firing now',
  '  apply <file|dir>... [--dry-run] [--json]',
  '                                      create or update schedules from definition files (JSON/YAML, v1 Schedule:)',
  '  delete <name> [--json]              remove an applied schedule with its state and history',
  `  history <name> [--limit N] [--json] run history, newest first (default ${DEFAULT_HISTORY_COUNT})`,
  '  run <name> [--param NAME=VALUE]... [--data-path NAME=DATASTORE/PATH]... [--request-id ID] [--json]',
  '                                      submit one run of a time schedule now (history: manual, by you);',
  '                                      the same --request-id never submits twice',
  "  reindex [--app-stopped] [--json]    rebuild the timer's due index from the schedule states; use after",
  '                                      restoring a backup of the state container or editing its blobs by hand;',
  '                                      --app-stopped also removes stray markers under 5 minutes old',
  '',
  'Storage: AzureWebJobsStorage (connection string) or AzureWebJobsStorage__blobServiceUri (identity),',
  `from the environment or ./${LOCAL_SETTINGS_FILE} Values (the environment wins). Schedules defined in the`,
  "app's files are read from SCHEDULES_PATH (default config/schedules) in the app folder.",
  'Exit codes: 0 ok, 2 invalid input / unknown schedule / conflict, 1 storage or other failure.',
];

interface Context {
  readonly ops: ScheduleOperations;
  readonly store: ScheduleStateStore;
  /** Where the store is, for failure messages (no secrets). */
  readonly where: string;
}

type Sub = (args: readonly string[], io: CliIo, open: () => Result<Context, AppError>) => Promise<number>;

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    if (sub === undefined) {
      io.stderr(
        `aml-triggers schedules: missing command; one of ${Object.keys(SUBCOMMANDS).join(', ')} (see \`aml-triggers schedules --help\`).`,
      );
      return EXIT_USAGE;
    }
    for (const line of HELP) io.stdout(line);
    return EXIT_OK;
  }
  const command = Object.prototype.hasOwnProperty.call(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (!command) {
    io.stderr(
      `aml-triggers schedules: unknown command ${JSON.stringify(sub)}; known commands: ${Object.keys(SUBCOMMANDS).join(', ')}.`,
    );
    return EXIT_USAGE;
  }
  let context: Result<Context, AppError> | undefined;
  const open = (): Result<Context, AppError> => (context ??= openContext(io));
  const prefix = `aml-triggers schedules ${sub}`;
  try {
    return await command(
      rest,
      {
        ...io,
        stderr: (line) => io.stderr(line.startsWith('  ') || line.startsWith('warning:') ? line : `${prefix}: ${line}`),
      },
      open,
    );
  } catch (e) {
    const error: AppError =
      e instanceof AppFailure ? e.error : { code: 'internal', message: e instanceof Error ? e.message : String(e) };
    const where = context?.ok ? context.value.where : undefined;
    printError(io, prefix, error, where);
    return exitCodeOf(error);
  }
}

/** 1 for failures worth retrying or outside the user's input (storage, internal), else 2. */
export function exitCodeOf(error: AppError): number {
  if (
    error.transient ||
    error.code.startsWith('storage.') ||
    error.code === 'internal' ||
    (error.status !== undefined && error.status >= 500)
  )
    return EXIT_FAILURE;
  return EXIT_USAGE;
}

function printError(io: CliIo, prefix: string, error: AppError, where?: string): void {
  const lines = error.message.split('\n');
  if (error.code.startsWith('storage.') && where) {
    const what =
      error.code === 'storage.access_denied'
        ? 'the schedule store refused the request'
        : error.transient
          ? 'cannot reach the schedule store'
          : 'the schedule store failed';
    io.stderr(`${prefix}: ${what} (${where}): ${lines.join(' ')}`);
    return;
  }
  io.stderr(`${prefix}: ${lines[0]}`);
  for (const line of lines.slice(1)) io.stderr(line);
}

/** Reports a result error and returns the exit code. */
function fail(io: CliIo, error: AppError): number {
  for (const line of error.message.split('\n')) io.stderr(line);
  return exitCodeOf(error);
}

function usage(io: CliIo, line: string): number {
  return usageLine(io, { helpCommand: 'aml-triggers schedules --help' }, line);
}

// ---------------------------------------------------------------------------------------------------
// Settings and the operations object

/** "setting AzureWebJobsStorage, endpoint http://127.0.0.1:10000/devstoreaccount1/aml-triggers" (no keys, no SAS). */
function describeStore(env: Env, store: ScheduleStateStore): string {
  const connection = connectionSettings(env, STORAGE_CONNECTION);
  const setting = connection.connectionString
    ? connection.prefix
    : (connection.blobServiceUri?.setting ?? connection.prefix);
  let endpoint = store.blobs.container.url;
  try {
    const u = new URL(endpoint);
    endpoint = `${u.origin}${u.pathname}`;
  } catch {
    // keep as is
  }
  return `storage from setting ${setting}, container ${endpoint}`;
}

/** The schedule operations on the app's runtime (src/cli/appRuntime.ts): its store, registry and targets. */
function openContext(io: CliIo): Result<Context, AppError> {
  const opened = openRuntime(io);
  if (!opened.ok) return opened;
  const rt = opened.value;
  let store: ScheduleStateStore;
  try {
    store = rt.scheduleStore;
  } catch (e) {
    return { ok: false, error: errorOf(e) };
  }
  const ops = new ScheduleOperations({
    registry: rt.schedules,
    store,
    requireMatchingFiles: true,
    env: rt.env,
    targets: () => rt.targets.targets,
  });
  return { ok: true, value: { ops, store, where: describeStore(rt.env, store) } };
}

function openedContext(io: CliIo, open: () => Result<Context, AppError>): Context | number {
  const context = open();
  if (!context.ok) {
    for (const line of context.error.message.split('\n')) io.stderr(line);
    // Missing or unusable storage settings: the command cannot reach the store (operational, exit 1).
    return context.error.code.startsWith('storage.') || context.error.code.startsWith('schedule.state_container')
      ? EXIT_FAILURE
      : exitCodeOf(context.error);
  }
  return context.value;
}

function opened(io: CliIo, open: () => Result<Context, AppError>): ScheduleOperations | number {
  const context = openedContext(io, open);
  return typeof context === 'number' ? context : context.ops;
}

// ---------------------------------------------------------------------------------------------------
// Subcommands

const JSON_OPTION: OptionSpec = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };

type Parsed =
  | { readonly code: number }
  | { readonly values: Record<string, string | boolean | undefined>; readonly positionals: string[] };

function parse(
  io: CliIo,
  args: readonly string[],
  options: OptionSpec,
  positionals: { min: number; max: number; what: string },
): Parsed {
  const parsed = parseOptions(args, { ...JSON_OPTION, ...options }, true);
  if (!parsed.ok) return { code: usage(io, parsed.error) };
  const { values, positionals: pos } = parsed.value;
  if (values.help === true) {
    for (const line of HELP) io.stdout(line);
    return { code: EXIT_OK };
  }
  if (pos.length < positionals.min) return { code: usage(io, `missing ${positionals.what}`) };
  if (pos.length > positionals.max)
    return { code: usage(io, `unexpected argument ${JSON.stringify(pos[positionals.max])}`) };
  return { values, positionals: pos };
}

function nameArg(io: CliIo, name: string): number | undefined {
  const bad = checkName(name);
  if (!bad) return undefined;
  io.stderr(bad.message);
  return EXIT_USAGE;
}

/** Parses a subcommand that takes exactly one schedule name, and checks the name. */
function parseNamed(
  io: CliIo,
  args: readonly string[],
  sub: string,
  options: OptionSpec,
):
  { readonly code: number } | { readonly name: string; readonly values: Record<string, string | boolean | undefined> } {
  const p = parse(io, args, options, { min: 1, max: 1, what: `schedule name (aml-triggers schedules ${sub} <name>)` });
  if ('code' in p) return p;
  const name = p.positionals[0]!;
  const badName = nameArg(io, name);
  if (badName !== undefined) return { code: badName };
  return { name, values: p.values };
}

function print(io: CliIo, lines: readonly string[]): number {
  for (const line of lines) io.stdout(line);
  return EXIT_OK;
}

const list: Sub = async (args, io, open) => {
  const p = parse(
    io,
    args,
    {
      'active-only': { type: 'boolean' },
      'pipeline-id': { type: 'string' },
      'pipeline-endpoint-id': { type: 'string' },
      target: { type: 'string' },
    },
    { min: 0, max: 0, what: '' },
  );
  if ('code' in p) return p.code;
  const v = p.values;
  for (const key of ['pipeline-id', 'pipeline-endpoint-id', 'target'] as const) {
    if (v[key] !== undefined && String(v[key]).trim() === '')
      return usage(io, `--${key} is empty; give the ${key.replace(/-/g, ' ')} to filter by`);
  }
  const filter: ListFilter = {
    ...(v['active-only'] === true ? { activeOnly: true } : {}),
    ...(typeof v['pipeline-id'] === 'string' ? { pipelineId: v['pipeline-id'].trim() } : {}),
    ...(typeof v['pipeline-endpoint-id'] === 'string' ? { pipelineEndpointId: v['pipeline-endpoint-id'].trim() } : {}),
    ...(typeof v.target === 'string' ? { target: v.target.trim() } : {}),
  };
  const ops = opened(io, open);
  if (typeof ops === 'number') return ops;
  const schedules = await ops.list(filter);
  return print(io, v.json === true ? formatJson({ schedules }) : formatList(schedules, Object.keys(filter).length > 0));
};

const get: Sub = async (args, io, open) => {
  const p = parseNamed(io, args, 'get', { next: { type: 'string', short: 'n' }, runs: { type: 'string' } });
  if ('code' in p) return p.code;
  const { name } = p;
  const next = checkCount(p.values.next as string | undefined, '--next', DEFAULT_NEXT_COUNT, MAX_NEXT_COUNT);
  if (!next.ok) return fail(io, next.error);
  const runs = checkCount(p.values.runs as string | undefined, '--runs', DEFAULT_LAST_RUNS, MAX_HISTORY_COUNT);
  if (!runs.ok) return fail(io, runs.error);
  const ops = opened(io, open);
  if (typeof ops === 'number') return ops;
  const detail = await ops.get(name, { now: io.now(), next: next.value, runs: runs.value });
  if (!detail.ok) return fail(io, detail.error);
  return print(io, p.values.json === true ? formatJson(detail.value) : formatDetail(detail.value));
};

function setEnabled(enabled: boolean): Sub {
  const sub = enabled ? 'enable' : 'disable';
  return async (args, io, open) => {
    const p = parseNamed(io, args, sub, {});
    if ('code' in p) return p.code;
    const { name } = p;
    const ops = opened(io, open);
    if (typeof ops === 'number') return ops;
    const result = await ops.setEnabled(name, enabled, io.now());
    if (!result.ok) return fail(io, result.error);
    return print(io, p.values.json === true ? formatJson(result.value) : formatEnable(result.value, enabled));
  };
}

const apply: Sub = async (args, io, open) => {
  const p = parse(
    io,
    args,
    { 'dry-run': { type: 'boolean' } },
    { min: 1, max: Number.MAX_SAFE_INTEGER, what: 'definition file(s) (aml-triggers schedules apply <file|dir>...)' },
  );
  if ('code' in p) return p.code;
  const files: ScheduleFile[] = [];
  for (const location of p.positionals) {
    const read = await readLocation(location, io.cwd);
    if (!read.ok) return fail(io, read.error);
    files.push(...read.value);
  }
  const ops = opened(io, open);
  if (typeof ops === 'number') return ops;
  const dryRun = p.values['dry-run'] === true;
  const progress = progressPrinter(io.stderr);
  let position = '';
  const onProgress = (p: ApplyProgress): void => {
    position = `${p.stage === 'definitions' ? 'stored' : p.stage} ${count(p.done)}/${count(p.total)}`;
    progress(APPLY_PROGRESS[p.stage], p.done, p.total);
  };
  // Ctrl+C: the apply goes on (a second one stops at once); say that stopping is safe and how to finish.
  const onAbort = (): void =>
    io.stderr(
      `stopping is safe${position ? ` (${position})` : ''}: press Ctrl+C again to stop now, then run the same apply again to finish (it changes only what is not in place yet); this one goes on until every schedule is in place.`,
    );
  io.signal?.addEventListener('abort', onAbort, { once: true });
  const report = await ops
    .apply(files, { now: io.now(), dryRun, progress: onProgress })
    .finally(() => io.signal?.removeEventListener('abort', onAbort));
  if (!report.ok) {
    const problems = report.error.errors && report.error.errors.length > 0 ? report.error.errors : [report.error];
    for (const problem of problems) io.stderr(problem.message.split('\n').join(' '));
    // A partly applied set: after each schedule's reason, how many and what to do.
    if (report.error.code === 'schedule.apply.incomplete') io.stderr(report.error.message);
    return exitCodeOf(report.error);
  }
  for (const w of report.value.warnings) io.stderr(`warning: ${w.message}`);
  return print(io, p.values.json === true ? formatJson(report.value) : formatApply(report.value));
};

/** Progress of a long apply, per stage (src/cli/progress.ts decides when a line is printed). */
const APPLY_PROGRESS: Readonly<Record<ApplyProgress['stage'], ProgressLine>> = {
  definitions: (done, total) => `stored ${count(done)}/${count(total)} definitions`,
  synced: (done, total) => `applied ${count(done)}/${count(total)} schedules (state and next run)`,
  checked: (done, total) => `checked ${count(done)}/${count(total)} schedules already in place`,
};

/** Reads the schedule files at `location` (relative to `cwd`); messages name them as the user wrote them. */
async function readLocation(location: string, cwd: string): Promise<Result<ScheduleFile[], AppError>> {
  const absolute = path.resolve(cwd, location);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    return {
      ok: false,
      error: {
        code: 'cli.file.unreadable',
        field: 'file',
        value: location,
        message: `cannot read ${JSON.stringify(location)} (${code}); give a schedule file (.json, .yaml, .yml) or a folder of them.`,
      },
    };
  }
  const read = await readScheduleFiles(absolute, { required: true });
  if (!read.ok) return read;
  const files = {
    ok: true as const,
    value: path.isAbsolute(location) ? read.value : read.value.map((f) => ({ ...f, path: path.relative(cwd, f.path) })),
  };
  if (isDirectory && files.value.length === 0) {
    return {
      ok: false,
      error: {
        code: 'cli.file.empty_folder',
        field: 'file',
        value: location,
        message: `folder ${JSON.stringify(location)} holds no .json, .yaml or .yml files.`,
      },
    };
  }
  return files;
}

const remove: Sub = async (args, io, open) => {
  const p = parseNamed(io, args, 'delete', {});
  if ('code' in p) return p.code;
  const { name } = p;
  const ops = opened(io, open);
  if (typeof ops === 'number') return ops;
  const result = await ops.delete(name, io.now());
  if (!result.ok) return fail(io, result.error);
  return print(io, p.values.json === true ? formatJson(result.value) : formatDelete(result.value));
};

const history: Sub = async (args, io, open) => {
  const p = parseNamed(io, args, 'history', { limit: { type: 'string', short: 'n' } });
  if ('code' in p) return p.code;
  const { name } = p;
  const limit = checkCount(p.values.limit as string | undefined, '--limit', DEFAULT_HISTORY_COUNT, MAX_HISTORY_COUNT);
  if (!limit.ok) return fail(io, limit.error);
  const ops = opened(io, open);
  if (typeof ops === 'number') return ops;
  const result = await ops.history(name, { limit: limit.value });
  if (!result.ok) return fail(io, result.error);
  if (p.values.json === true) return print(io, formatJson(result.value));
  if (result.value.stateError)
    io.stderr(`The run history of schedule ${name} cannot be read: ${result.value.stateError.message}`);
  return print(
    io,
    result.value.entries.length
      ? formatHistory(result.value.entries)
      : [
          result.value.stateError
            ? `No readable runs (${result.value.stateError.blob}).`
            : `Schedule ${name} has no runs yet.`,
        ],
  );
};

/** When to run `reindex`, printed with its result so whoever ran it learns (or recalls) what it is for. */
export const REINDEX_EXPLANATION =
  'The due index (due/ markers) tells the timer which schedules to look at; the timer keeps it in step itself, so reindex is only needed after restoring a backup of the state container or deleting or copying its blobs by hand.';

/**
 * Rewrites the timer's due index from the schedule states (`ScheduleStates.rebuildDueIndex`):
 * every enabled time schedule gets its marker back, markers no state names are removed. O(schedules):
 * a repair, not something to run on a timer. Storage failures throw and are printed by `run` with
 * the store's setting and endpoint (exit 1), like every other subcommand.
 */
const reindex: Sub = async (args, io, open) => {
  const p = parse(io, args, { 'app-stopped': { type: 'boolean' } }, { min: 0, max: 0, what: '' });
  if ('code' in p) return p.code;
  const context = openedContext(io, open);
  if (typeof context === 'number') return context;
  // While the app runs, a marker no state names yet may belong to a save in flight: keep young ones.
  const result = await context.store.states.rebuildDueIndex(
    io.now(),
    p.values['app-stopped'] === true ? { orphanGraceMs: 0 } : {},
  );
  if (p.values.json === true) return print(io, formatJson(result));
  const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const clean = result.markersWritten === 0 && result.orphansRemoved === 0 && result.orphansKept === 0;
  return print(io, [
    `Due index rebuilt: ${plural(result.markersWritten, 'marker')} written, ${plural(result.orphansRemoved, 'orphaned marker')} removed` +
      (clean ? ' (it was already in step with the schedule states).' : '.'),
    ...result.errors.map(
      (e) => `Schedule ${e.name} was left as it is: its state cannot be read (${e.error.code}: ${e.error.message})`,
    ),
    ...(result.orphansKept > 0
      ? [
          `${plural(result.orphansKept, 'marker')} that no schedule names ${result.orphansKept === 1 ? 'was' : 'were'} kept: under 5 minutes old, possibly a save in progress (the timer removes them later; with the app stopped, run reindex --app-stopped).`,
        ]
      : []),
    REINDEX_EXPLANATION,
  ]);
};

const SUBCOMMANDS: Readonly<Record<string, Sub>> = {
  list,
  get,
  enable: setEnabled(true),
  disable: setEnabled(false),
  apply,
  delete: remove,
  history,
  run: (args, io) => runNow.run(args, io),
  reindex,
};
