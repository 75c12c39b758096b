/**
 * `aml-triggers next (--recurrence '<json>' | --file <schedules> --name <schedule>) [--after <ISO instant>]
 * [--count N]`: prints the next N occurrences strictly after --after, one per line, ISO 8601 UTC. Offline:
 * `--file` reads schedule files exactly as the app does (including SDK v1 `Schedule:` files and their
 * time-zone default), so the preview is what the app will run. Invalid input: exit 2, one line on stderr
 * starting `aml-triggers next:` and naming the field and the value, nothing on stdout. Notes that do not
 * stop the preview go to stderr prefixed `note:` / `warning:`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { showValue } from '../errors';
import { formatInstant, occurrencesAfter, parseRecurrence, type Recurrence } from '../recurrence';
import { loadScheduleDefinitions, readScheduleFiles } from '../schedules/loadDefinitions';
import { parseInstant, parseOptions } from './args';
import type { CliIo } from './main';

export const summary =
  'Print the next occurrences of a recurrence (SDK ScheduleRecurrence JSON) or of a schedule in a schedule file.';

/** Largest --count **(ours)**: enough for any preview, small enough to stay instant. */
export const MAX_COUNT = 10_000;
export const DEFAULT_COUNT = 5;

const PREFIX = 'aml-triggers next';

const HELP = [
  'Usage: aml-triggers next --recurrence <json | @file.json> [--after <ISO instant>] [--count N]',
  '       aml-triggers next --file <schedule file | folder> --name <schedule> [--after <ISO instant>] [--count N]',
  '',
  'Prints the next N (default 5) occurrences strictly after --after (default now), one per line,',
  'as ISO 8601 UTC instants. The JSON uses the SDK names: frequency, interval, start_time, time_zone,',
  'hours, minutes, week_days, time_of_day. Without start_time the schedule starts now (the app counts',
  'from when it first stores the schedule). A start_time without a zone is wall-clock time in time_zone,',
  'which defaults to UTC; in an SDK v1 `Schedule:` file it defaults to GMT Standard Time, as the SDK did.',
  '--file reads schedule files as the app does (no Azure, no storage needed), so the preview is what runs.',
  '',
  'Example: aml-triggers next --recurrence \'{"frequency":"Week","interval":1,"week_days":["Monday"],"time_of_day":"9:30","time_zone":"W. Europe Standard Time"}\'',
  'Example: aml-triggers next --file config/schedules.sample.yaml --name nightly-retrain --count 3',
];

/** `--count -3`: node's parser takes `-3` for an option; join it to its option so the value is checked. */
function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    if (['--count', '-n', '--after'].includes(arg) && value !== undefined && /^-\d/.test(value)) {
      out.push(`${arg.startsWith('--') ? arg : '--count'}=${value}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const fail = (line: string): number => {
    io.stderr(`${PREFIX}: ${line.replace(/\s*[\r\n]+\s*/g, ' ')}`); // always exactly one line
    return 2;
  };
  const parsed = parseOptions(joinNegativeValues(argv), {
    recurrence: { type: 'string', short: 'r' },
    file: { type: 'string', short: 'f' },
    name: { type: 'string' },
    after: { type: 'string' },
    count: { type: 'string', short: 'n' },
    help: { type: 'boolean', short: 'h' },
  });
  if (!parsed.ok) return fail(`${parsed.error}; run \`aml-triggers next --help\`.`);
  const { values } = parsed.value;
  if (values.help === true) {
    for (const line of HELP) io.stdout(line);
    return 0;
  }

  const now = io.now();
  let after = now;
  if (values.after !== undefined) {
    const instant = parseInstant(String(values.after));
    if (!instant) {
      return fail(
        `--after is ${showValue(values.after)}; give an ISO 8601 instant with Z or an offset, e.g. 2026-01-01T00:00:00Z.`,
      );
    }
    after = instant;
  }
  let count = DEFAULT_COUNT;
  if (values.count !== undefined) {
    const raw = String(values.count);
    count = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
      return fail(`--count is ${showValue(raw)}; give a whole number from 1 to ${MAX_COUNT}.`);
    }
  }

  const text = values.recurrence;
  const file = values.file;
  if (typeof text === 'string' && typeof file === 'string')
    return fail('give either --recurrence or --file with --name, not both.');
  let recurrence: Recurrence;
  if (typeof file === 'string' || values.name !== undefined) {
    const fromFile = await scheduleRecurrence(io, file, values.name, now);
    if (typeof fromFile === 'string') return fail(fromFile);
    recurrence = fromFile;
  } else {
    const fromJson = recurrenceFromJson(io, text, now);
    if (typeof fromJson === 'string') return fail(fromJson);
    recurrence = fromJson;
  }
  for (const occurrence of occurrencesAfter(recurrence, after, count)) io.stdout(formatInstant(occurrence));
  return 0;
}

/** The recurrence given as JSON (or @file.json); a problem comes back as the message. */
function recurrenceFromJson(io: CliIo, text: string | boolean | undefined, now: Date): Recurrence | string {
  if (typeof text !== 'string' || text.trim() === '') {
    return '--recurrence is missing; give the recurrence JSON, e.g. --recurrence \'{"frequency":"Day","interval":1}\', or @file.json, or a schedule with --file <file> --name <schedule>.';
  }
  let source = text;
  if (text.startsWith('@')) {
    const file = text.slice(1);
    try {
      source = readFileSync(path.resolve(io.cwd, file), 'utf8');
    } catch (e) {
      const reason = e instanceof Error && 'code' in e ? String((e as NodeJS.ErrnoException).code) : 'unreadable';
      return `--recurrence: cannot read file ${JSON.stringify(file)} (${reason}); check the path after @.`;
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return `--recurrence is not valid JSON (${reason}): ${showValue(source.trim(), 80)}.`;
  }
  const recurrence = parseRecurrence(json, { createdAt: now, path: 'recurrence' });
  if (!recurrence.ok) {
    const problems = recurrence.error.errors ?? [recurrence.error];
    return problems.map((p) => p.message).join(' ');
  }
  if (
    typeof json === 'object' &&
    json !== null &&
    'start_time' in json &&
    !('time_zone' in json) &&
    !/(Z|[+-]\d{2}:?\d{2})$/i.test(String((json as { start_time: unknown }).start_time))
  ) {
    io.stderr(
      "note: start_time has no zone and time_zone is not set: it is read as UTC, as in the app's schedule files (an SDK v1 `Schedule:` file would use GMT Standard Time).",
    );
  }
  return recurrence.value;
}

/** The recurrence of schedule `name` in the schedule file(s) at `file`, read as the app reads them. */
async function scheduleRecurrence(
  io: CliIo,
  file: string | boolean | undefined,
  name: string | boolean | undefined,
  now: Date,
): Promise<Recurrence | string> {
  if (typeof file !== 'string' || file.trim() === '')
    return '--file is missing; give the schedule file (or folder) that defines --name, e.g. --file config/schedules --name nightly-retrain.';
  if (typeof name !== 'string' || name.trim() === '')
    return `--name is missing; give the name of a schedule in ${JSON.stringify(file)}.`;
  const read = await readScheduleFiles(path.resolve(io.cwd, file), { required: true });
  if (!read.ok) return `--file ${JSON.stringify(file)}: ${read.error.message}`;
  const files = path.isAbsolute(file)
    ? read.value
    : read.value.map((f) => ({ ...f, path: path.relative(io.cwd, f.path) }));
  const loaded = loadScheduleDefinitions(files, { now });
  if (!loaded.ok) return loaded.error.errors.map((e) => e.message).join(' ');
  for (const w of loaded.value.warnings)
    if (w.source !== undefined && loaded.value.byName.get(name)?.source.file === w.source)
      io.stderr(`warning: ${w.message}`);
  const def = loaded.value.byName.get(name);
  if (!def) {
    const names = [...loaded.value.byName.keys()];
    return `no schedule named ${showValue(name)} in ${JSON.stringify(file)}${names.length ? `; it defines ${names.join(', ')}` : '; it defines no schedules'}.`;
  }
  if (def.kind !== 'time')
    return `schedule ${showValue(name)} is reactive (it runs when blobs arrive in datastore ${def.datastore}); only time-based schedules have occurrences.`;
  if (def.anchoredAtCreation)
    io.stderr(
      `note: schedule "${name}" has no start_time; the app counts it from when it first stores the schedule, so this preview counts from now.`,
    );
  return def.recurrence;
}
