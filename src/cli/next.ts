/**
 * `aml-triggers next --recurrence '<json>' [--after <ISO instant>] [--count N]`: prints the next N
 * occurrences strictly after --after, one per line, ISO 8601 UTC. Invalid input: exit 2, one line on
 * stderr naming the field and the value, nothing on stdout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { showValue } from '../errors';
import { formatInstant, occurrencesAfter, parseRecurrence } from '../recurrence';
import { parseInstant, parseOptions } from './args';
import type { CliIo } from './main';

export const summary = 'Print the next occurrences of a recurrence (SDK ScheduleRecurrence JSON).';

/** Largest --count **(ours)**: enough for any preview, small enough to stay instant. */
export const MAX_COUNT = 10_000;
export const DEFAULT_COUNT = 5;

const HELP = [
  'Usage: aml-triggers next --recurrence <json | @file.json> [--after <ISO instant>] [--count N]',
  '',
  'Prints the next N (default 5) occurrences strictly after --after (default now), one per line,',
  'as ISO 8601 UTC instants. The JSON uses the SDK names: frequency, interval, start_time, time_zone,',
  'hours, minutes, week_days, time_of_day. Without start_time the schedule starts now.',
  '',
  'Example: aml-triggers next --recurrence \'{"frequency":"Week","interval":1,"week_days":["Monday"],"time_of_day":"9:30","time_zone":"W. Europe Standard Time"}\'',
];

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const fail = (line: string): number => {
    io.stderr(line.replace(/\s*[\r\n]+\s*/g, ' ')); // always exactly one line
    return 2;
  };
  const parsed = parseOptions(argv, {
    recurrence: { type: 'string', short: 'r' },
    after: { type: 'string' },
    count: { type: 'string', short: 'n' },
    help: { type: 'boolean', short: 'h' },
  });
  if (!parsed.ok) return fail(`aml-triggers next: ${parsed.error}; run \`aml-triggers next --help\`.`);
  const { values } = parsed.value;
  if (values.help === true) {
    for (const line of HELP) io.stdout(line);
    return 0;
  }

  const now = io.now();
  const text = values.recurrence;
  if (typeof text !== 'string' || text.trim() === '') {
    return fail('--recurrence is missing; give the recurrence JSON, e.g. --recurrence \'{"frequency":"Day","interval":1}\', or @file.json.');
  }
  let source = text;
  if (text.startsWith('@')) {
    const file = text.slice(1);
    try {
      source = readFileSync(path.resolve(io.cwd, file), 'utf8');
    } catch (e) {
      const reason = e instanceof Error && 'code' in e ? String((e as NodeJS.ErrnoException).code) : 'unreadable';
      return fail(`--recurrence: cannot read file ${JSON.stringify(file)} (${reason}); check the path after @.`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return fail(`--recurrence is not valid JSON (${reason}): ${showValue(source.trim(), 80)}.`);
  }

  let after = now;
  if (values.after !== undefined) {
    const instant = parseInstant(String(values.after));
    if (!instant) {
      return fail(`--after is ${showValue(values.after)}; give an ISO 8601 instant with Z or an offset, e.g. 2026-01-01T00:00:00Z.`);
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

  const recurrence = parseRecurrence(json, { createdAt: now, path: 'recurrence' });
  if (!recurrence.ok) {
    const problems = recurrence.error.errors ?? [recurrence.error];
    return fail(problems.map((p) => p.message).join(' '));
  }
  for (const occurrence of occurrencesAfter(recurrence.value, after, count)) io.stdout(formatInstant(occurrence));
  return 0;
}
