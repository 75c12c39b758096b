/**
 * The timer tick's dependencies built from the composition root (src/runtime.ts): the schedule timer
 * function and `aml-triggers tick` both take them from here, so the command runs the very tick the
 * function runs (same store, registry, Azure ML client, targets, settings).
 */
import { defaultWorkspaceSettings, featureProblem } from '../settings';
import { AppFailure } from '../errors';
import type { Runtime } from '../runtime';
import { readTickSettings, type TickDeps } from './tick';

export type TickDepsProvider = () => Omit<TickDeps, 'log'>;

/** The tick's dependencies from the runtime (built on first use, then cached). */
export function runtimeTickDeps(rt: Runtime): TickDepsProvider {
  let deps: Omit<TickDeps, 'log'> | undefined;
  return () => {
    if (deps) return deps;
    const invalid = featureProblem(rt.env, 'timer'); // SCHEDULE_TICK_CRON too: the timer runs on the default then, and fails naming it
    if (invalid) throw new AppFailure(invalid);
    const settings = readTickSettings(rt.env, { runSource: rt.runSource });
    if (!settings.ok) throw new AppFailure(settings.error);
    const workspace = defaultWorkspaceSettings(rt.env);
    deps = {
      store: rt.scheduleStore,
      registry: rt.schedules,
      client: rt.pipelineClient,
      targets: () => rt.targets.targets,
      ...(workspace ? { workspaceDefaults: { workspace } } : {}),
      telemetry: rt.telemetry,
      settings: settings.value,
      timeAuthority: { verify: (now) => rt.scheduleStore.blobs.verifyClock(now, settings.value.clockToleranceMs) },
    };
    return deps;
  };
}
