/**
 * The schedule timer (docs/timer.md): a UTC NCRONTAB tick, each minute by default, that submits every
 * due occurrence of every time-based schedule exactly once (logic in src/schedules/tick.ts).
 *
 * The tick's own schedule is the setting `SCHEDULE_TICK_CRON` (six-field NCRONTAB, default
 * "0 *\/1 * * * *", every minute), read when the app loads: changing an app setting restarts the app, so the new value
 * applies. (The host would also resolve `%SCHEDULE_TICK_CRON%` itself, but then a missing setting stops
 * the function from loading; reading it here gives it a default.) `runOnStartup` stays false (it would
 * tick on every scale-out and restart); `useMonitor` stays true so the host keeps the schedule status and
 * reports `isPastDue` after downtime — the missed occurrences themselves are found from each schedule's
 * stored state, whatever the host remembers.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { AppFailure } from '../errors';
import { runtime } from '../runtime';
import { readSetting, SETTINGS, type Env } from '../settings';
import type { TickHeartbeat } from '../health/heartbeat';
import { runTick, type TickLog, type TickReport } from '../schedules/tick';
import { runtimeTickDeps, type TickDepsProvider } from '../schedules/tickDeps';

export type { TickDepsProvider };

export const DEFAULT_SCHEDULE_TICK_CRON = SETTINGS.tickCron.default;

/** The tick schedule from the settings: six NCRONTAB fields (seconds first), else the default; an invalid value throws the error naming it. */
export function tickSchedule(env: Env): string {
  const read = readSetting(env, SETTINGS.tickCron);
  if (!read.ok) throw new AppFailure(read.error);
  return read.value;
}

export function contextLog(context: InvocationContext): TickLog {
  return { info: (l) => context.log(l), warn: (l) => context.warn(l), error: (l) => context.error(l) };
}

/**
 * The timer handler: one tick at `clock()`. Per-schedule problems are logged and left to the next tick;
 * a tick that could not start at all (definitions or due index unreadable) fails the invocation, so it
 * shows as failed in monitoring.
 */
export function createScheduleTimerHandler(
  getDeps: TickDepsProvider,
  clock: () => Date = () => new Date(),
  heartbeat?: () => TickHeartbeat,
) {
  return async (timer: Timer, context: InvocationContext): Promise<TickReport> => {
    const report = await runTick(clock(), { ...getDeps(), log: contextLog(context) }, { isPastDue: timer.isPastDue });
    if (heartbeat) await recordHeartbeat(heartbeat, report, context);
    const fatal = report.errors.filter((e) => e.schedule === undefined);
    if (fatal.length > 0) {
      throw new AppFailure({
        code: fatal[0]!.code,
        message: `The schedule tick could not run: ${fatal.map((e) => e.message).join('; ')}`,
      });
    }
    return report;
  };
}

/**
 * Writes the timer heartbeat that GET /api/health reads (last tick, failures per hour). A failure to
 * write it is logged and leaves the tick's own result alone: the tick's work is done, and health then
 * reports the timer as stale, which is what an operator needs to see.
 */
async function recordHeartbeat(
  heartbeat: () => TickHeartbeat,
  report: TickReport,
  context: InvocationContext,
): Promise<void> {
  try {
    const written = await heartbeat().record(report);
    if (!written.ok)
      context.warn(
        `The timer heartbeat (health/timer.json) could not be written: ${written.error.code}: ${written.error.message}`,
      );
  } catch (e) {
    context.warn(
      `The timer heartbeat (health/timer.json) could not be written: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/**
 * The schedule the timer is registered with. An invalid SCHEDULE_TICK_CRON must not stop the other
 * functions from loading (a throw here would fail the whole worker): the timer keeps the default
 * schedule, and every tick fails naming the setting (tickDeps.ts) until it is fixed.
 */
function timerSchedule(): string {
  try {
    return tickSchedule(runtime.env);
  } catch (e) {
    console.error(`Schedule timer: ${e instanceof Error ? e.message : String(e)}`);
    return DEFAULT_SCHEDULE_TICK_CRON;
  }
}

const handler = createScheduleTimerHandler(
  runtimeTickDeps(runtime),
  () => new Date(),
  () => runtime.tickHeartbeat,
);

app.timer('scheduleTimer', {
  schedule: timerSchedule(),
  runOnStartup: false,
  useMonitor: true,
  handler: async (timer, context) => {
    await handler(timer, context);
  },
});
