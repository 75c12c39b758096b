/**
 * Loads schedule definitions from files. `loadScheduleDefinitions` is pure (it takes the files' text);
 * `readScheduleFiles` / `loadScheduleDefinitionsFromSettings` are the thin file-system side, reading the
 * `SCHEDULES_PATH` setting (a file or a directory; default `config/schedules`).
 *
 * A file holds one schedule object, an array of them, `{schedules: [...]}`, or the SDK v1 `Schedule:`
 * YAML (see v1Yaml.ts). JSON (`.json`) or YAML (`.yaml`, `.yml`; YAML 1.2, so `17:30` stays a string).
 * Names are unique across all files. Every problem in every file is reported at once.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { appError, err, fieldPath, ok, showValue, type AppError, type Result } from '../errors';
import { validateSchedule, type ScheduleDefinition, type ScheduleIssue } from './definition';
import { fromV1Schedule, isV1ScheduleDocument, isValidDerivedName, V1_DEFAULT_TIME_ZONE, V1_ROOT_KEY } from './v1Yaml';
import { DEFAULT_SCHEDULES_PATH, settingText, SETTINGS } from '../settings';

export const SCHEDULES_PATH_SETTING = SETTINGS.schedulesPath.name;
export { DEFAULT_SCHEDULES_PATH };
const EXTENSIONS = ['.json', '.yaml', '.yml'];

/**
 * Limits **(ours)**, checked before anything is parsed (a YAML document takes some 40 times its size in
 * memory while parsed): one file at most 1 MiB, as HTTP bodies (thousands of schedules); at most 1,000
 * files in a folder, 16 MiB in all.
 */
export const SCHEDULE_FILE_LIMITS = { fileBytes: 1024 * 1024, files: 1000, totalBytes: 16 * 1024 * 1024 } as const;

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
}

function tooLarge(file: string, bytes: number): AppError & ScheduleIssue {
  return {
    code: 'schedule.file.too_large',
    message: `${file} is ${mib(bytes)} (${bytes} bytes); a schedule file may hold at most ${mib(SCHEDULE_FILE_LIMITS.fileBytes)}. Split it into several files in one folder.`,
    field: 'file',
    value: file,
    source: file,
  };
}

export interface ScheduleFile {
  /** The file name as it should appear in messages (relative paths are fine). */
  readonly path: string;
  readonly text: string;
}

export interface LoadOptions {
  /** Creation instant for recurrences without start_time (see definition.ts `recurrenceFor`). */
  readonly now: Date;
  /** Configured target names: a `target` not among them is reported with every other problem. */
  readonly knownTargets?: ReadonlySet<string> | ReadonlyMap<string, unknown>;
}

export interface LoadedSchedules {
  /** In file order, then order within each file. */
  readonly definitions: readonly ScheduleDefinition[];
  readonly byName: ReadonlyMap<string, ScheduleDefinition>;
  /** Things worth telling the user that do not stop the schedules (e.g. polling_interval is unused). */
  readonly warnings: readonly ScheduleIssue[];
}

/** The error of a failed load: code `schedule.invalid`, every problem in `errors`. */
export interface ScheduleLoadError extends AppError {
  readonly errors: readonly ScheduleIssue[];
}

export function loadScheduleDefinitions(
  files: readonly ScheduleFile[],
  options: LoadOptions,
): Result<LoadedSchedules, ScheduleLoadError> {
  const issues: ScheduleIssue[] = [];
  const warnings: ScheduleIssue[] = [];
  const definitions: ScheduleDefinition[] = [];
  const seen = new Map<string, ScheduleDefinition>();

  for (const file of files) {
    const parsed = parseFile(file);
    if (!parsed.ok) {
      issues.push(...parsed.error);
      continue;
    }
    const { data, locate } = parsed.value;
    for (const entry of entries(data, file.path, locate, issues)) {
      const target = unknownTarget(entry, file.path, locate, options.knownTargets);
      const result = validateSchedule(entry.raw, {
        file: file.path,
        path: entry.path,
        now: options.now,
        locate: (rel) => locate([...entry.segments, ...entry.mapKeys(rel)]),
        ...(entry.v1 ? { defaultTimeZoneWithStart: V1_DEFAULT_TIME_ZONE } : {}),
      });
      if (!result.ok || target) {
        // In file order: the unknown target among the schedule's other problems, by line.
        const all = [...(result.ok ? [] : result.error.map(entry.relabel)), ...(target ? [target] : [])];
        issues.push(...all.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity)));
        continue;
      }
      const def = result.value.definition;
      warnings.push(...result.value.warnings.map(entry.relabel), ...entry.warnings(def));
      const previous = seen.get(def.name);
      if (previous) {
        const here = lineSuffix(def.source.line);
        issues.push({
          code: 'schedule.name.duplicate',
          message: `${file.path}${here}: schedule name ${showValue(def.name)} is already used in ${previous.source.file}${lineSuffix(previous.source.line)}${previous.source.path ? ` (${previous.source.path})` : ''}; schedule names must be unique across all schedule files.`,
          field: fieldPath(entry.path || undefined, 'name'),
          value: def.name,
          source: file.path,
          ...(def.source.line !== undefined ? { line: def.source.line } : {}),
        });
        continue;
      }
      seen.set(def.name, def);
      definitions.push(def);
    }
  }

  if (issues.length > 0) {
    return err({
      code: 'schedule.invalid',
      message: `${issues.length} problem${issues.length === 1 ? '' : 's'} in schedule definitions:\n${issues.map((i) => `  - ${i.message}`).join('\n')}`,
      source: [...new Set(issues.map((i) => i.source).filter((s): s is string => !!s))].join(', '),
      errors: issues,
    });
  }
  return ok({ definitions, byName: seen, warnings });
}

/** Reads every schedule file at `location` (a file, or a directory read non-recursively, sorted by name). */
export async function readScheduleFiles(
  location: string,
  options: { required?: boolean } = {},
): Promise<Result<ScheduleFile[], AppError>> {
  let stat;
  try {
    stat = await fs.stat(location);
  } catch {
    if (!options.required) return ok([]);
    return err({
      code: 'schedule.path.not_found',
      message: `${SCHEDULES_PATH_SETTING} points to ${showValue(location)}, which does not exist; point it to a schedule file or a directory of .json/.yaml/.yml files.`,
      field: SCHEDULES_PATH_SETTING,
      value: location,
      source: SCHEDULES_PATH_SETTING,
    });
  }
  const names = stat.isDirectory()
    ? (await fs.readdir(location))
        .filter((n) => EXTENSIONS.includes(path.extname(n).toLowerCase()))
        .sort()
        .map((n) => path.join(location, n))
    : [location];
  if (names.length > SCHEDULE_FILE_LIMITS.files) {
    return err({
      code: 'schedule.path.too_many_files',
      message: `${showValue(location)} holds ${names.length} schedule files; at most ${SCHEDULE_FILE_LIMITS.files} are read. Put several schedules in one file (a list, or {schedules: [...]}).`,
      field: SCHEDULES_PATH_SETTING,
      value: location,
      source: location,
    });
  }
  // Sizes first, so nothing is read (let alone parsed) when a file is over the limit.
  let total = 0;
  for (const name of names) {
    const size = (await fs.stat(name)).size;
    if (size > SCHEDULE_FILE_LIMITS.fileBytes) return err(tooLarge(name, size));
    total += size;
  }
  if (total > SCHEDULE_FILE_LIMITS.totalBytes) {
    return err({
      code: 'schedule.path.too_large',
      message: `The schedule files in ${showValue(location)} hold ${mib(total)}; at most ${mib(SCHEDULE_FILE_LIMITS.totalBytes)} in all are read. Remove unused files or shorten them.`,
      field: SCHEDULES_PATH_SETTING,
      value: location,
      source: location,
    });
  }
  const files: ScheduleFile[] = [];
  for (const name of names) files.push({ path: name, text: await fs.readFile(name, 'utf8') });
  return ok(files);
}

/**
 * Loads the schedules named by `SCHEDULES_PATH` (relative to `cwd`). The default location may be absent
 * (no schedules); a location set explicitly must exist.
 */
export async function loadScheduleDefinitionsFromSettings(
  env: Readonly<Record<string, string | undefined>>,
  options: LoadOptions & { cwd?: string },
): Promise<Result<LoadedSchedules, AppError>> {
  const setting = settingText(env, SETTINGS.schedulesPath);
  const location = path.resolve(options.cwd ?? process.cwd(), setting || DEFAULT_SCHEDULES_PATH);
  const files = await readScheduleFiles(location, { required: !!setting });
  if (!files.ok) return files;
  const relative = files.value.map((f) => ({
    ...f,
    path: path.relative(options.cwd ?? process.cwd(), f.path) || f.path,
  }));
  return loadScheduleDefinitions(relative, options);
}

// ---------------------------------------------------------------------------------------------------

type Locate = (segments: readonly (string | number)[]) => number | undefined;

interface Entry {
  raw: unknown;
  /** Field path of the schedule in the file: '', `[i]`, `schedules[i]`, `Schedule`. */
  path: string;
  segments: (string | number)[];
  v1: boolean;
  /** Maps our field names to the keys written in the file (v1 renames). */
  mapKeys: (rel: readonly (string | number)[]) => (string | number)[];
  relabel: (issue: ScheduleIssue) => ScheduleIssue;
  warnings: (def: ScheduleDefinition) => ScheduleIssue[];
}

function plainEntry(raw: unknown, pathText: string, segments: (string | number)[]): Entry {
  return {
    raw,
    path: pathText,
    segments,
    v1: false,
    mapKeys: (rel) => [...rel],
    relabel: (i) => i,
    warnings: () => [],
  };
}

function entries(data: unknown, file: string, locate: Locate, issues: ScheduleIssue[]): Entry[] {
  if (Array.isArray(data)) return data.map((raw, i) => plainEntry(raw, `[${i}]`, [i]));
  if (isV1ScheduleDocument(data)) return v1Entry(data.Schedule, file, locate, issues);
  if (typeof data === 'object' && data !== null && 'schedules' in data) {
    const doc = data as Record<string, unknown>;
    for (const key of Object.keys(doc)) {
      if (key !== 'schedules' && key !== '$schema') {
        issues.push({
          code: 'schedule.field.unknown',
          message: `${file}${lineSuffix(locate([key]))}: \`${key}\` is not allowed beside \`schedules\`; put every schedule inside the \`schedules\` list.`,
          field: fieldPath(undefined, key),
          value: doc[key],
          source: file,
        });
      }
    }
    if (!Array.isArray(doc.schedules)) {
      issues.push({
        code: 'schedule.file.shape',
        message: `${file}${lineSuffix(locate(['schedules']))}: \`schedules\` must be a list of schedules, not ${showValue(doc.schedules)}.`,
        field: 'schedules',
        value: doc.schedules,
        source: file,
      });
      return [];
    }
    return doc.schedules.map((raw, i) => plainEntry(raw, `schedules[${i}]`, ['schedules', i]));
  }
  if (typeof data === 'object' && data !== null) return [plainEntry(data, '', [])];
  if (data === null || data === undefined) return []; // an empty file holds no schedules
  issues.push({
    code: 'schedule.file.shape',
    message: `${file}: must hold a schedule, a list of schedules, {schedules: [...]} or a v1 \`Schedule:\` mapping, not ${showValue(data)}.`,
    value: data,
    source: file,
  });
  return [];
}

function v1Entry(body: unknown, file: string, locate: Locate, issues: ScheduleIssue[]): Entry[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    issues.push({
      code: 'schedule.file.shape',
      message: `${file}${lineSuffix(locate([V1_ROOT_KEY]))}: \`Schedule\` must be a mapping of schedule fields (description, recurrence, ...), not ${showValue(body)}.`,
      field: V1_ROOT_KEY,
      value: body,
      source: file,
    });
    return [];
  }
  const imported = fromV1Schedule(body as Record<string, unknown>, file);
  const name = imported.raw.name;
  if (imported.nameFromFile && typeof name === 'string' && !isValidDerivedName(name)) {
    issues.push({
      code: 'schedule.name.invalid',
      message: `${file}: a v1 \`Schedule:\` file takes its schedule name from the file name, and ${showValue(name)} is not a valid name (letters, digits, "_", "." and "-", starting with a letter or digit, at most 64 characters). Rename the file or add \`name:\` under \`Schedule:\`.`,
      field: fieldPath(V1_ROOT_KEY, 'name'),
      value: name,
      source: file,
    });
    return [];
  }
  const mapKeys = (rel: readonly (string | number)[]): (string | number)[] =>
    rel.length > 0 && typeof rel[0] === 'string' ? [imported.writtenKey(rel[0]), ...rel.slice(1)] : [...rel];
  const relabel = (issue: ScheduleIssue): ScheduleIssue => {
    if (!issue.field) return issue;
    const prefix = `${V1_ROOT_KEY}.`;
    if (!issue.field.startsWith(prefix)) return issue;
    const rest = issue.field.slice(prefix.length);
    const m = /^([A-Za-z_$][A-Za-z0-9_$-]*)(.*)$/.exec(rest);
    if (!m?.[1]) return issue;
    const written = imported.writtenKey(m[1]);
    if (written === m[1]) return issue;
    const field = `${prefix}${written}${m[2] ?? ''}`;
    return { ...issue, field, message: issue.message.split(`\`${issue.field}\``).join(`\`${field}\``) };
  };
  const warnings = (def: ScheduleDefinition): ScheduleIssue[] => {
    const out: ScheduleIssue[] = [];
    for (const key of imported.ignoredKeys) {
      const line = locate([V1_ROOT_KEY, key]);
      out.push({
        code: 'schedule.v1.client_option_ignored',
        message: `${file}${lineSuffix(line)}: \`${V1_ROOT_KEY}.${key}\` of schedule "${def.name}" only told the SDK's Python client how long to wait while creating the schedule; it is ignored here (nothing is provisioned). You can remove it.`,
        field: `${V1_ROOT_KEY}.${key}`,
        value: (body as Record<string, unknown>)[key],
        source: file,
        ...(line !== undefined ? { line } : {}),
      });
    }
    if (imported.zoneDefaulted) {
      const line = locate([V1_ROOT_KEY, 'recurrence', 'start_time']);
      out.push({
        code: 'schedule.v1.time_zone_defaulted',
        message: `${file}${lineSuffix(line)}: schedule "${def.name}" has recurrence.start_time without a time zone; SDK v1 used "${V1_DEFAULT_TIME_ZONE}" (London time) then, so the import does too. Write \`time_zone\` to make it explicit.`,
        field: `${V1_ROOT_KEY}.recurrence.time_zone`,
        value: V1_DEFAULT_TIME_ZONE,
        source: file,
        ...(line !== undefined ? { line } : {}),
      });
    }
    return out;
  };
  return [{ raw: imported.raw, path: V1_ROOT_KEY, segments: [V1_ROOT_KEY], v1: true, mapKeys, relabel, warnings }];
}

/** The `target` of a schedule entry when it is not configured (with a "did you mean"), else undefined. */
function unknownTarget(
  entry: Entry,
  file: string,
  locate: Locate,
  known: LoadOptions['knownTargets'],
): ScheduleIssue | undefined {
  const raw = entry.raw;
  if (!known || typeof raw !== 'object' || raw === null) return undefined;
  const target = (raw as Record<string, unknown>).target;
  if (typeof target !== 'string' || target === '' || known.has(target)) return undefined;
  const line = locate([...entry.segments, 'target']);
  const field = fieldPath(entry.path || undefined, 'target');
  return appError(
    'schedule.target.unknown',
    { at: `${file}${lineSuffix(line)}`, field, target, configured: [...known.keys()] },
    { field, value: target, source: file, ...(line !== undefined ? { line } : {}) },
  );
}

function lineSuffix(line: number | undefined): string {
  return line === undefined ? '' : `:${line}`;
}

interface ParsedFile {
  data: unknown;
  locate: Locate;
}

/** Parses JSON or YAML text (JSON is also held to strict JSON), with a locator for 1-based lines. */
function parseFile(file: ScheduleFile): Result<ParsedFile, ScheduleIssue[]> {
  // Text that arrived without readScheduleFiles (an HTTP body, the registration's synchronous read).
  const bytes = Buffer.byteLength(file.text, 'utf8');
  if (bytes > SCHEDULE_FILE_LIMITS.fileBytes) return err([tooLarge(file.path, bytes)]);
  const ext = path.extname(file.path).toLowerCase();
  if (!EXTENSIONS.includes(ext)) {
    return err([
      {
        code: 'schedule.file.extension',
        message: `${file.path}: schedule files must end in .json, .yaml or .yml.`,
        value: file.path,
        source: file.path,
      },
    ]);
  }
  const lineCounter = new LineCounter();
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const doc = parseDocument(file.text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  if (ext === '.json') {
    try {
      JSON.parse(file.text);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const at = /position (\d+)/.exec(message);
      const line = at?.[1] !== undefined ? lineAt(Number(at[1])) : undefined;
      return err([
        {
          code: 'schedule.file.syntax',
          message: `${file.path}${lineSuffix(line)}: not valid JSON: ${message}.`,
          source: file.path,
          ...(line !== undefined ? { line } : {}),
        },
      ]);
    }
  }
  if (doc.errors.length > 0) {
    return err(
      doc.errors.map((e) => {
        const line = e.pos[0] !== undefined ? lineAt(e.pos[0]) : undefined;
        const duplicate = e.code === 'DUPLICATE_KEY';
        return {
          code: duplicate ? 'schedule.file.duplicate_key' : 'schedule.file.syntax',
          message: `${file.path}${lineSuffix(line)}: ${duplicate ? 'a key appears twice in the same mapping' : `not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${e.message.split('\n')[0]}`}.`,
          source: file.path,
          ...(line !== undefined ? { line } : {}),
        };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return err([
      { code: 'schedule.file.syntax', message: `${file.path}: ${(e as Error).message}.`, source: file.path },
    ]);
  }
  const locate: Locate = (segments) => {
    let node: unknown = doc.contents;
    let found: Node | undefined = isNode(node) ? node : undefined;
    for (const segment of segments) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        found = isNode(pair.key) ? pair.key : found;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: unknown = node.items[segment];
        if (!isNode(item)) break;
        found = item;
        node = item;
      } else break;
    }
    return found?.range ? lineAt(found.range[0]) : undefined;
  };
  return ok({ data, locate });
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}
