/**
 * The app's composition root (src/runtime.ts) for every command that touches the app's parts (`tick`,
 * `blob`, `submit`, `schedules …`, `check-targets`): the same Runtime the functions use, built from the
 * CLI's settings source (the environment over `./local.settings.json` Values, see `cliSettings`) with the
 * app folder found from the current directory and the command's clock, so a command does exactly what
 * the deployed function would, with the same store, registry, targets and client.
 */
import { errorFrom, type AppError, type Result } from '../errors';
import { createRuntime, type Runtime } from '../runtime';
import { exitCodeOf } from './schedules';
import { cliAppRoot, cliSettings, type Env } from './settings';
import type { CliIo } from './main';

export function openRuntime(
  io: CliIo,
  options: { readonly settings?: Env; readonly appRoot?: string } = {},
): Result<Runtime, AppError> {
  const settings = cliSettings(io.env, io.cwd);
  if (!settings.ok) return settings;
  const env = options.settings ? { ...settings.value, ...options.settings } : settings.value;
  return {
    ok: true,
    value: createRuntime({ env, appRoot: options.appRoot ?? cliAppRoot(io.cwd), clock: () => io.now() }),
  };
}

/** The AppError carried by a thrown value (an `AppFailure` from a runtime getter, or anything else). */
export function errorOf(e: unknown): AppError {
  return errorFrom(e, { code: 'internal' });
}

/**
 * Prints `error` on stderr (first line prefixed with the command, further lines as they are) and
 * returns its exit code: 2 for the user's input or configuration, 1 for operational failures.
 */
export function reportError(io: CliIo, prefix: string, error: AppError): number {
  const [first = '', ...rest] = error.message.split('\n');
  io.stderr(`${prefix}: ${first}`);
  for (const line of rest) io.stderr(line);
  return exitCodeOf(error);
}
