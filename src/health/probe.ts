/**
 * Runs the health checks against the real dependencies (adapter; the decision is report.ts):
 *   configuration  the targets file, the Azure ML client settings, the schedule files, the state store
 *                  settings, as start-up loads them;
 *   storage        reading the timer heartbeat from the schedule state container;
 *   amlToken/armToken  a token from the app's credential for the Azure ML and ARM audiences (MSAL
 *                  caches them, so a probe every few minutes reaches the identity endpoint about hourly);
 *   timer          the heartbeat's last tick, stale after HEALTH_TICK_STALE_MINUTES (default 10);
 *   last24h        failed submissions and unknown outcomes: time schedules from the heartbeat's hourly
 *                  counts (one read), reactive schedules from their histories (one read per reactive
 *                  schedule), never a read per time schedule.
 * Each check has its own time limit (HEALTH_CHECK_TIMEOUT_MS, default 10000), so one stalled dependency
 * makes its check fail instead of the whole probe hanging.
 */
import { AppFailure, errorFrom, type AppError } from '../errors';
import type { Runtime } from '../runtime';
import { readSetting, settingProblems, SETTINGS } from '../settings';
import { addCounts, countOutcomes, NO_OUTCOMES, type OutcomeCounts } from './outcomes';
import { countsSince, type TickHeartbeat, type TickHeartbeatDoc } from './heartbeat';
import { healthReport, type CheckResult, type HealthReport } from './report';
import type { ErrorCode } from '../errorCatalog';

export const DEFAULT_TICK_STALE_MINUTES = SETTINGS.healthTickStaleMinutes.default;
export const DEFAULT_CHECK_TIMEOUT_MS = SETTINGS.healthCheckTimeoutMs.default;

export interface HealthProbeDeps {
  /** Every configuration problem (empty when the configuration loads). */
  readonly configurationProblems: () => Promise<readonly AppError[]>;
  readonly heartbeat: () => TickHeartbeat;
  /** Obtains a token for the Azure ML audience / the ARM audience; rejects when it cannot. */
  readonly amlToken: (signal: AbortSignal) => Promise<unknown>;
  readonly armToken: (signal: AbortSignal) => Promise<unknown>;
  /** Failed and unknown runs of reactive schedules recorded since the instant. */
  readonly reactiveOutcomes: (since: Date) => Promise<OutcomeCounts>;
  readonly tickStaleAfterMs: number;
  readonly checkTimeoutMs: number;
  readonly clock?: () => Date;
}

export async function probeHealth(deps: HealthProbeDeps): Promise<HealthReport> {
  const now = (deps.clock ?? (() => new Date()))();
  const since = new Date(now.getTime() - 24 * 3600_000);
  const limit = <T>(name: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> =>
    withTimeout(name, deps.checkTimeoutMs, run);

  const [configuration, beat, amlToken, armToken, reactive] = await Promise.all([
    limit('configuration', () => deps.configurationProblems()).catch((e: unknown) => [
      errorOf(e, 'health.configuration.failed'),
    ]),
    limit('storage', () => deps.heartbeat().read()).then(
      (doc): { ok: true; doc: TickHeartbeatDoc | undefined } => ({ ok: true, doc }),
      (e: unknown) => ({ ok: false as const, error: errorOf(e, 'storage.unreachable') }),
    ),
    check(
      'aml.token',
      limit('amlToken', (s) => deps.amlToken(s)),
    ),
    check(
      'arm.token',
      limit('armToken', (s) => deps.armToken(s)),
    ),
    limit('reactive history', () => deps.reactiveOutcomes(since)).then(
      (counts) => ({ counts }),
      (e: unknown) => ({
        counts: NO_OUTCOMES,
        partial: `reactive schedules not counted: ${errorOf(e, 'health.reactive.failed').message}`,
      }),
    ),
  ]);
  const storage: CheckResult = beat.ok
    ? { ok: true }
    : { ok: false, code: beat.error.code, message: beat.error.message };
  const lastTickAt = beat.ok ? beat.doc?.lastTickAt : undefined;
  return healthReport({
    now,
    configuration: configuration.map((p) => ({ code: p.code, message: p.message })),
    storage,
    amlToken,
    armToken,
    ...(lastTickAt ? { lastTickAt } : {}),
    tickStaleAfterMs: deps.tickStaleAfterMs,
    ...(beat.ok
      ? {
          last24h: {
            ...addCounts(countsSince(beat.doc, since), reactive.counts),
            ...('partial' in reactive ? { partial: reactive.partial } : {}),
          },
        }
      : {}),
  });
}

async function check(code: ErrorCode, attempt: Promise<unknown>): Promise<CheckResult> {
  try {
    await attempt;
    return { ok: true };
  } catch (e) {
    const error = errorOf(e, code);
    return { ok: false, code: error.code === 'health.timeout' ? error.code : code, message: error.message };
  }
}

function errorOf(e: unknown, code: ErrorCode): AppError {
  const error = errorFrom(e, { code });
  // A thrown (non-AppFailure) message is cut to its first line: the health answer is public.
  return e instanceof AppFailure ? error : { ...error, message: error.message.split('\n')[0]!.slice(0, 500) };
}

function withTimeout<T>(name: string, ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new AppFailure({ code: 'health.timeout', message: `The ${name} check took longer than ${ms} ms.` }));
    }, ms);
  });
  return Promise.race([run(controller.signal), timeout]).finally(() => clearTimeout(timer));
}

/** A health setting's value; an invalid one is reported by the configuration check (every setting problem is) and the default applies. */
function healthSetting(
  rt: Runtime,
  setting: typeof SETTINGS.healthTickStaleMinutes | typeof SETTINGS.healthCheckTimeoutMs,
): number {
  const read = readSetting(rt.env, setting);
  return read.ok ? read.value : setting.default;
}

/** The probe's dependencies from the runtime (the app's settings, credential and storage). */
export function runtimeHealthDeps(rt: Runtime): HealthProbeDeps {
  const aml = () => ({ settings: rt.amlSettings, credential: rt.credential });
  return {
    configurationProblems: async () => {
      const problems: AppError[] = [];
      const attempt = (run: () => unknown): void => {
        try {
          run();
        } catch (e) {
          problems.push(errorOf(e, 'config.invalid'));
        }
      };
      attempt(() => rt.targets);
      attempt(() => rt.amlSettings);
      attempt(() => rt.scheduleStore);
      // Every other invalid setting (timer, reactive, health): each is reported once, by name.
      const named = new Set(problems.flatMap((p) => [p.field, ...(p.errors ?? []).map((e) => e.field)]));
      for (const p of settingProblems(rt.env)) if (!named.has(p.error.field)) problems.push(p.error);
      const lines: string[] = [];
      const schedulesOk = await rt.validateSchedules({
        info: () => undefined,
        warn: () => undefined,
        error: (l) => lines.push(l),
      });
      if (!schedulesOk)
        problems.push({
          code: 'schedule.files.invalid',
          message: lines.join('\n') || 'The schedule files could not be loaded.',
        });
      return problems;
    },
    heartbeat: () => rt.tickHeartbeat,
    amlToken: async (signal) => {
      const { settings, credential: c } = aml();
      return c.getToken(`${settings.tokenAudience}/.default`, { abortSignal: signal });
    },
    armToken: async (signal) => {
      const { settings, credential: c } = aml();
      return c.getToken(`${settings.armAudience}/.default`, { abortSignal: signal });
    },
    reactiveOutcomes: async (since) => {
      const reactive = (await rt.schedules.list()).filter((d) => d.kind === 'reactive');
      let counts = NO_OUTCOMES;
      for (const def of reactive) {
        const entries = await rt.scheduleStore.history.entries(def.name);
        counts = addCounts(counts, countOutcomes(entries.filter((e) => Date.parse(e.recordedAt) >= since.getTime())));
      }
      return counts;
    },
    tickStaleAfterMs: healthSetting(rt, SETTINGS.healthTickStaleMinutes) * 60_000,
    checkTimeoutMs: healthSetting(rt, SETTINGS.healthCheckTimeoutMs),
  };
}
