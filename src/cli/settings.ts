/**
 * The command line's settings source, one for every subcommand: the environment over the `Values` of
 * `local.settings.json` in the folder the command runs in (`io.cwd`), so a command run in the app folder
 * sees what `func start` sees. Set variables win; empty ones do not hide a file value. The app folder
 * (for relative `SCHEDULES_PATH` / `AML_TARGETS_FILE`) is the nearest folder up from `cwd` holding
 * host.json, else `cwd` itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { showValue, type AppError, type Result } from '../errors';
import { findAppRoot } from '../config/targets';

export type Env = Readonly<Record<string, string | undefined>>;

export const LOCAL_SETTINGS_FILE = 'local.settings.json';

/** The settings a command uses: `local.settings.json` `Values` from `cwd` (when present) under `env`. */
export function cliSettings(env: Env, cwd: string): Result<Env, AppError> {
  const file = path.join(cwd, LOCAL_SETTINGS_FILE);
  if (!existsSync(file)) return { ok: true, value: env };
  let values: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    const raw =
      typeof parsed === 'object' && parsed !== null && 'Values' in parsed
        ? (parsed as { Values: unknown }).Values
        : undefined;
    if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
      return {
        ok: false,
        error: {
          code: 'settings.local.invalid',
          field: 'Values',
          value: raw,
          source: file,
          message: `${file}: \`Values\` must be an object of setting names to strings, not ${showValue(raw)}.`,
        },
      };
    }
    values = (raw ?? {}) as Record<string, unknown>;
  } catch (e) {
    return {
      ok: false,
      error: {
        code: 'settings.local.invalid',
        source: file,
        message: `${file} is not valid JSON (${(e as Error).message}); fix it or run the command elsewhere.`,
      },
    };
  }
  const merged: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(values))
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') merged[k] = String(v);
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  return { ok: true, value: merged };
}

/** The app folder a command run in `cwd` works on: the nearest folder up holding host.json, else `cwd`. */
export function cliAppRoot(cwd: string): string {
  return findAppRoot(cwd, cwd);
}
