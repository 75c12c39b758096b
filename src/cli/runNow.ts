/**
 * `aml-triggers schedules run <name> [--param NAME=VALUE]... [--data-path NAME=DATASTORE/PATH]...
 * [--request-id ID] [--json]`: runs a time-based schedule now, as `POST /api/schedules/{name}/run` does
 * (src/schedules/runNow.ts, over the app's runtime): one run with the schedule's parameters (optionally
 * overridden), recorded in its history as `manual`, requested by you (user@host); the next occurrence
 * still runs. With `--request-id`, running the command again with the same id submits nothing and prints
 * the first run. Wired into `aml-triggers schedules` (src/cli/schedules.ts), which prefixes its errors.
 */
import { hostname, userInfo } from 'node:os';
import type { AppError } from '../errors';
import { resolveScheduleTarget } from '../schedules/definition';
import { checkName } from '../schedules/operations';
import { runScheduleNow, runtimeRunNowDeps, type RunNowRequest } from '../schedules/runNow';
import { parseOneArgument } from './args';
import { errorOf, openRuntime } from './appRuntime';
import type { CliIo } from './main';
import { exitCodeOf } from './schedules';
import { requestBody } from './submit';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOneArgument(argv, io, {
    helpCommand: 'aml-triggers schedules --help',
    options: {
      param: { type: 'string', multiple: true, short: 'p' },
      'data-path': { type: 'string', multiple: true },
      'request-id': { type: 'string' },
      json: { type: 'boolean' },
    },
    help: [
      'Usage: aml-triggers schedules run <name> [--param NAME=VALUE]... [--data-path NAME=DATASTORE/PATH]... [--request-id ID] [--json]',
    ],
    missing: 'missing schedule name (aml-triggers schedules run <name>)',
  });
  if ('exit' in parsed) return parsed.exit;
  const { values, argument: name } = parsed;
  const badName = checkName(name);
  if (badName) return fail(io, badName);

  const runtime = openRuntime(io);
  if (!runtime.ok) return fail(io, runtime.error);
  const rt = runtime.value;
  const json = values.json === true;
  try {
    const deps = runtimeRunNowDeps(rt, {
      info: (l) => (json ? undefined : io.stdout(l)),
      warn: (l) => io.stderr(`warning: ${l}`),
      error: () => undefined,
    });
    // --param values take the type of the schedule's own value for that parameter.
    const def = await rt.schedules.get(name);
    const target =
      def?.kind === 'time' ? resolveScheduleTarget(def, deps.targets(), deps.workspaceDefaults ?? {}) : undefined;
    let overrides: Pick<RunNowRequest, 'parameters' | 'dataPaths'> = {};
    if (target?.ok) {
      const body = requestBody(target.value, values as { param?: string[]; 'data-path'?: string[] });
      if (!body.ok) return fail(io, body.error);
      overrides = {
        ...(body.value.ParameterAssignments ? { parameters: body.value.ParameterAssignments } : {}),
        ...(body.value.DataPathAssignments ? { dataPaths: body.value.DataPathAssignments } : {}),
      };
    }
    const requestId = typeof values['request-id'] === 'string' ? values['request-id'] : undefined;
    const result = await runScheduleNow(deps, {
      name,
      ...(requestId !== undefined ? { requestId, requestIdField: '--request-id' } : {}),
      ...overrides,
      requestedBy: `${userInfo().username}@${hostname()} (aml-triggers CLI)`,
      now: io.now(),
    });
    if (!result.ok) return fail(io, result.error);
    const r = result.value;
    if (json) io.stdout(JSON.stringify(r));
    else if (r.replayed)
      io.stdout(
        `Request id ${r.requestId} already submitted run ${r.runId} of schedule ${r.schedule} (at ${r.requestedAt}, requested by ${r.requestedBy}); nothing was submitted now.`,
      );
    else
      io.stdout(
        `Request id ${r.requestId}: ask again with --request-id ${r.requestId} to get this run instead of a new one.`,
      );
    return 0;
  } catch (e) {
    return fail(io, errorOf(e));
  }
}

function fail(io: CliIo, error: AppError): number {
  for (const line of error.message.split('\n')) io.stderr(line);
  return exitCodeOf(error);
}
