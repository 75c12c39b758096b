/**
 * The health report (pure): what `GET /api/health` answers from the checks' results. 200 when every
 * check passed, else 503. Names no secret: checks carry codes and short messages, never settings' values
 * beyond names, nor tokens or keys.
 */
import type { OutcomeCounts } from './outcomes';
import type { ErrorCode } from '../errorCatalog';

export interface CheckResult {
  readonly ok: boolean;
  /** Check-specific facts (the timer's last tick, the configuration problems). */
  readonly [fact: string]: unknown;
  /** Error code when not ok (the app's catalog: storage.*, aml.*, config.*, health.*). */
  readonly code?: ErrorCode;
  /** What is wrong and what to do, when not ok. */
  readonly message?: string;
}

export interface HealthInputs {
  readonly now: Date;
  /** Every configuration problem found (targets file, Azure ML settings, schedule files, storage settings). */
  readonly configuration: readonly { readonly code: ErrorCode; readonly message: string }[];
  readonly storage: CheckResult;
  readonly amlToken: CheckResult;
  readonly armToken: CheckResult;
  /** The timer's last tick (heartbeat), undefined when it never ticked or storage could not be read. */
  readonly lastTickAt?: string;
  readonly tickStaleAfterMs: number;
  /** Counts over the last 24 h; undefined when they could not be read. */
  readonly last24h?: OutcomeCounts & { readonly partial?: string };
}

export interface HealthReport {
  readonly status: 200 | 503;
  readonly body: {
    readonly status: 'healthy' | 'unhealthy';
    readonly checkedAt: string;
    readonly checks: Record<'configuration' | 'storage' | 'amlToken' | 'armToken' | 'timer', CheckResult>;
    readonly last24h: {
      readonly since: string;
      readonly failedSubmissions: number | null;
      readonly unknownOutcomes: number | null;
      readonly note?: string;
    };
  };
}

export function healthReport(inputs: HealthInputs): HealthReport {
  const configuration: CheckResult & { problems?: unknown } =
    inputs.configuration.length === 0
      ? { ok: true }
      : {
          ok: false,
          code: inputs.configuration[0]!.code,
          message: `${inputs.configuration.length} configuration problem(s)`,
          problems: inputs.configuration,
        };
  const timer = timerCheck(inputs);
  const checks = {
    configuration,
    storage: inputs.storage,
    amlToken: inputs.amlToken,
    armToken: inputs.armToken,
    timer,
  };
  const healthy = Object.values(checks).every((c) => c.ok);
  const since = new Date(inputs.now.getTime() - 24 * 3600_000).toISOString();
  return {
    status: healthy ? 200 : 503,
    body: {
      status: healthy ? 'healthy' : 'unhealthy',
      checkedAt: inputs.now.toISOString(),
      checks,
      last24h: {
        since,
        failedSubmissions: inputs.last24h?.failed ?? null,
        unknownOutcomes: inputs.last24h?.unknown ?? null,
        ...(inputs.last24h === undefined
          ? { note: 'not available: storage could not be read' }
          : inputs.last24h.partial
            ? { note: inputs.last24h.partial }
            : {}),
      },
    },
  };
}

function timerCheck(
  inputs: HealthInputs,
): CheckResult & { lastTickAt?: string; ageSeconds?: number; staleAfterSeconds: number } {
  const staleAfterSeconds = Math.round(inputs.tickStaleAfterMs / 1000);
  if (!inputs.storage.ok)
    return {
      ok: false,
      code: 'health.timer.unknown',
      message: 'The last tick is unknown: storage could not be read.',
      staleAfterSeconds,
    };
  if (!inputs.lastTickAt) {
    return {
      ok: false,
      code: 'health.timer.never',
      message:
        'The schedule timer has not ticked yet (it ticks every minute by default): check that the app started and the scheduleTimer function is enabled.',
      staleAfterSeconds,
    };
  }
  const ageMs = inputs.now.getTime() - Date.parse(inputs.lastTickAt);
  const base = { lastTickAt: inputs.lastTickAt, ageSeconds: Math.round(ageMs / 1000), staleAfterSeconds };
  if (ageMs > inputs.tickStaleAfterMs) {
    return {
      ok: false,
      code: 'health.timer.stale',
      message: `The schedule timer last ticked at ${inputs.lastTickAt}, more than ${staleAfterSeconds} s ago: schedules are not being run. Check the scheduleTimer invocations and the host log.`,
      ...base,
    };
  }
  return { ok: true, ...base };
}
