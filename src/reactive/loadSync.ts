/**
 * Synchronous read of the schedule files, for the one place that cannot wait: the trigger registration
 * at module load (see registration.ts). Same files and rules as schedules/loadDefinitions.ts
 * (`SCHEDULES_PATH`, default `config/schedules`, a file or a directory of .json/.yaml/.yml files);
 * never throws: a problem comes back as a message, and the app starts without reactive triggers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_SCHEDULES_PATH,
  loadScheduleDefinitions,
  SCHEDULES_PATH_SETTING,
  type ScheduleFile,
} from '../schedules/loadDefinitions';
import { settingText, SETTINGS } from '../settings';
import { reactiveDefinitions } from './schedules';
import type { ReactiveWatchSource } from './registration';

export function readReactiveWatchSourcesSync(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): { readonly sources: readonly ReactiveWatchSource[]; readonly problem?: string } {
  try {
    const setting = settingText(env, SETTINGS.schedulesPath);
    const location = path.resolve(cwd, setting || DEFAULT_SCHEDULES_PATH);
    if (!fs.existsSync(location)) {
      return setting
        ? { sources: [], problem: `${SCHEDULES_PATH_SETTING} points to ${location}, which does not exist.` }
        : { sources: [] };
    }
    const names = fs.statSync(location).isDirectory()
      ? fs
          .readdirSync(location)
          .filter((n) => ['.json', '.yaml', '.yml'].includes(path.extname(n).toLowerCase()))
          .sort()
          .map((n) => path.join(location, n))
      : [location];
    const files: ScheduleFile[] = names.map((n) => ({
      path: path.relative(cwd, n) || n,
      text: fs.readFileSync(n, 'utf8'),
    }));
    const loaded = loadScheduleDefinitions(files, { now: new Date() });
    if (!loaded.ok) {
      return {
        sources: [],
        problem: `schedule files are invalid (${loaded.error.message}); no reactive trigger is registered.`,
      };
    }
    return {
      sources: reactiveDefinitions(loaded.value.definitions).map((d) => ({
        name: d.name,
        ...(d.container !== undefined ? { container: d.container } : {}),
      })),
    };
  } catch (e) {
    return {
      sources: [],
      problem: `could not read the schedule files (${e instanceof Error ? e.message : String(e)}); no reactive trigger is registered.`,
    };
  }
}
