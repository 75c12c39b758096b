/**
 * `aml-triggers tick [--watch] [--interval SECONDS] [--json]`: one schedule-timer tick, the code the
 * timer function runs (`runTick` over `runtimeTickDeps(runtime)`), against the configured storage and
 * Azure ML, without the Functions host: for CI, debugging, and machines without Core Tools.
 *
 * Prints the tick's own log lines (info on stdout, warnings and errors on stderr) and a summary line per
 * tick; `--json` prints the tick report instead of the info lines (one JSON document per line). Exit codes: 0 the tick ran
 * and nothing failed; 1 the tick reported errors (storage, unreadable state or definitions), a failed
 * submission or one whose outcome is unknown; 2 invalid options or settings.
 *
 * `--watch` ticks now and then at every whole minute (the timer's default `0 *\/1 * * * *`), or every
 * `--interval` seconds, until Ctrl+C / SIGTERM: a tick in progress is finished (never cut off in the
 * middle of a submission), then the command exits 0.
 */
import { runTick, type TickLog, type TickReport } from '../schedules/tick';
import { runtimeTickDeps } from '../schedules/tickDeps';
import type { Runtime } from '../runtime';
import { parseOptions, usage as usageLine } from './args';
import { errorOf, openRuntime, reportError } from './appRuntime';
import type { CliIo } from './main';

export const summary = 'Run one schedule-timer tick (what the timer function runs), or tick every minute with --watch.';

const PREFIX = 'aml-triggers tick';
const MAX_INTERVAL_SECONDS = 3600;

const HELP = [
  'Usage: aml-triggers tick [--watch] [--interval SECONDS] [--json]',
  '',
  'Runs one tick of the schedule timer, exactly what the timer function runs: every due occurrence of',
  'every time-based schedule is claimed, submitted to Azure ML and recorded, once.',
  '',
  '  --watch             tick now, then at every whole minute (like the timer), until Ctrl+C',
  `  --interval SECONDS  with --watch: tick every SECONDS (1-${MAX_INTERVAL_SECONDS}) instead of each whole minute`,
  '  --json              print each tick report as one line of JSON',
  '',
  "Settings: the app's (AzureWebJobsStorage, SCHEDULE_*, AML_*, the targets and schedule files), from the",
  'environment or ./local.settings.json Values (the environment wins).',
  'Exit codes: 0 ok, 1 the tick reported errors or a failed or unknown submission, 2 invalid options or settings.',
];

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions(argv, {
    watch: { type: 'boolean' },
    interval: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (!parsed.ok) return usage(io, parsed.error);
  const { values } = parsed.value;
  if (values.help === true) {
    for (const line of HELP) io.stdout(line);
    return 0;
  }
  let intervalMs: number | undefined;
  if (values.interval !== undefined) {
    const text = String(values.interval).trim();
    const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
    if (!(seconds >= 1 && seconds <= MAX_INTERVAL_SECONDS))
      return usage(
        io,
        `--interval is ${JSON.stringify(values.interval)}; give a number of seconds from 1 to ${MAX_INTERVAL_SECONDS}`,
      );
    if (values.watch !== true)
      return usage(io, '--interval applies to --watch only; add --watch, or drop --interval for a single tick');
    intervalMs = seconds * 1000;
  }
  const runtime = openRuntime(io);
  if (!runtime.ok) return reportError(io, PREFIX, runtime.error);
  const json = values.json === true;

  if (values.watch !== true) {
    const report = await tickOnce(runtime.value, io, json);
    return typeof report === 'number'
      ? report
      : report.errors.length > 0 || report.failed.length > 0 || report.unknown.length > 0
        ? 1
        : 0;
  }

  io.stdout(
    `${PREFIX}: ticking ${intervalMs === undefined ? 'at every whole minute' : `every ${intervalMs / 1000} s`}; Ctrl+C stops after the current tick.`,
  );
  for (;;) {
    if (io.signal?.aborted) break;
    const report = await tickOnce(runtime.value, io, json);
    if (typeof report === 'number') return report; // settings problem: ticking again cannot help
    if (!(await sleep(delayToNextTick(io.now(), intervalMs), io.signal))) break;
  }
  io.stdout(`${PREFIX}: stopped.`);
  return 0;
}

/** Milliseconds to the next tick: the next whole minute (the timer's cadence), or `intervalMs`. */
export function delayToNextTick(now: Date, intervalMs?: number): number {
  if (intervalMs !== undefined) return intervalMs;
  return 60_000 - (now.getTime() % 60_000);
}

/** One tick with the runtime's dependencies; a number is the exit code of a problem that stops the command. */
async function tickOnce(runtime: Runtime, io: CliIo, json: boolean): Promise<TickReport | number> {
  let deps;
  try {
    deps = runtimeTickDeps(runtime)();
  } catch (e) {
    return reportError(io, PREFIX, errorOf(e));
  }
  const log: TickLog = {
    info: (line) => (json ? undefined : io.stdout(line)), // with --json the report says it
    warn: (line) => io.stderr(`warning: ${line}`),
    error: (line) => io.stderr(`error: ${line}`),
  };
  const report = await runTick(io.now(), { ...deps, log });
  if (json) io.stdout(JSON.stringify(report));
  else if (report.due === 0 && report.errors.length === 0)
    io.stdout(`tick at ${report.now}: no schedule due (${report.durationMs} ms)`);
  return report;
}

/** Resolves true after `ms`, false at once when `signal` is (or gets) aborted. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function usage(io: CliIo, line: string): number {
  return usageLine(io, { prefix: PREFIX, helpCommand: 'aml-triggers tick --help' }, line);
}
