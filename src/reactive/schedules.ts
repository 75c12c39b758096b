/**
 * Turns reactive schedule definitions into `ReactiveSchedule`s the handler acts on: the resolved target,
 * the watched container (the definition's `container`, or the datastore's container from ARM through the
 * cached resolver) and folder, and the enabled flag (definition `status` and the run-time state).
 *
 * A schedule that cannot be resolved (unknown target, datastore lookup failed, container not watched by
 * any registered trigger) is reported and left out; the others keep working.
 */
import type { PipelineTarget } from '../aml/types';
import type { AppError } from '../errors';
import {
  resolveScheduleTarget,
  type ReactiveScheduleDefinition,
  type ScheduleDefinition,
  type WorkspaceDefaults,
} from '../schedules/definition';
import type { DatastoreResolver } from './datastores';
import type { ReactiveSchedule } from './handler';
import { folderOf } from './match';

export interface BuildOptions {
  readonly targets: ReadonlyMap<string, PipelineTarget> | Readonly<Record<string, PipelineTarget>>;
  readonly defaults?: WorkspaceDefaults;
  readonly resolver?: DatastoreResolver;
  /** Run-time enabled flag (the state store's), when known; absent means "as the definition says". */
  readonly enabled?: (name: string) => Promise<boolean | undefined> | boolean | undefined;
  /** Containers a trigger is registered for; a schedule watching another container is reported. */
  readonly watchedContainers?: ReadonlySet<string>;
}

export interface BuiltSchedules {
  readonly schedules: readonly ReactiveSchedule[];
  readonly problems: readonly (AppError & { readonly schedule: string })[];
}

export function reactiveDefinitions(definitions: readonly ScheduleDefinition[]): ReactiveScheduleDefinition[] {
  return definitions.filter((d): d is ReactiveScheduleDefinition => d.kind === 'reactive');
}

export async function buildReactiveSchedules(
  definitions: readonly ScheduleDefinition[],
  options: BuildOptions,
): Promise<BuiltSchedules> {
  const problems: Array<AppError & { schedule: string }> = [];
  const built = await Promise.all(
    reactiveDefinitions(definitions).map(async (definition): Promise<ReactiveSchedule | undefined> => {
      const target = resolveScheduleTarget(definition, options.targets, options.defaults ?? {});
      if (!target.ok) {
        problems.push({ ...target.error, schedule: definition.name });
        return undefined;
      }
      let container = definition.container;
      if (container === undefined) {
        const workspace = target.value.workspace;
        if (!options.resolver || !workspace) {
          problems.push({
            schedule: definition.name,
            code: 'reactive.container.unknown',
            message: `Reactive schedule "${definition.name}" has no "container" and its datastore "${definition.datastore}" cannot be resolved (${workspace ? 'no ARM access configured' : 'its target has no workspace'}); set "container" in the schedule.`,
            field: 'container',
            source: definition.source.file,
          });
          return undefined;
        }
        const resolved = await options.resolver.resolve(workspace, definition.datastore);
        if (!resolved.ok) {
          problems.push({ ...resolved.error, schedule: definition.name, source: definition.source.file });
          return undefined;
        }
        container = resolved.value.container;
      }
      if (options.watchedContainers && !options.watchedContainers.has(container)) {
        problems.push({
          schedule: definition.name,
          code: 'reactive.container.not_watched',
          message: `Reactive schedule "${definition.name}" watches container "${container}", for which no trigger is registered: add it to the REACTIVE_CONTAINERS setting (or set "container" in the schedule) and restart the app.`,
          field: 'container',
          value: container,
          source: definition.source.file,
        });
      }
      const stateEnabled = options.enabled ? await options.enabled(definition.name) : undefined;
      return {
        definition,
        target: target.value,
        watch: { container, folder: folderOf(definition.pathOnDatastore) },
        enabled: definition.status === 'Active' && stateEnabled !== false,
      };
    }),
  );
  return { schedules: built.filter((s): s is ReactiveSchedule => s !== undefined), problems };
}
