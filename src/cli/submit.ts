/**
 * `aml-triggers submit <target> [--param k=v]... [--data-path name=datastore/path]... [--experiment x]
 * [--description text] [--json]`: submits one run of a configured target, as
 * `POST /api/pipelines/{target}/runs` does: the options become the request body, which is checked by the
 * route's own parser (`parseRunRequest`) and merged over the target's defaults by the same code
 * (`submitRun`), through the app's Azure ML client (the runtime's).
 *
 * `--param` values take the type of the target's default for that parameter (a number stays a number,
 * `true`/`false` a boolean); without a default, `true`/`false` and JSON numbers are typed, anything else
 * is a string. Exit codes: 0 submitted (the run id on stdout); 2 invalid input, unknown target, or Azure
 * ML refused the request (4xx); 1 Azure ML unreachable or failing (the outcome may be unknown: look
 * the run up before submitting again).
 */
import { randomUUID } from 'node:crypto';
import { submissionKey } from '../aml/submissionKey';
import type { ParameterValue, PipelineTarget } from '../aml/types';
import type { AppError } from '../errors';
import { parseRunRequest, type RunRequest } from '../http/submitRequest';
import { findTarget, submitRun } from '../http/submitRun';
import { parseOneArgument } from './args';
import { errorOf, openRuntime, reportError } from './appRuntime';
import type { CliIo } from './main';

export const summary = 'Submit one run of a configured target, as POST /api/pipelines/{target}/runs does.';

const PREFIX = 'aml-triggers submit';

const HELP = [
  'Usage: aml-triggers submit <target> [--param NAME=VALUE]... [--data-path NAME=DATASTORE/PATH]...',
  '                          [--experiment NAME] [--description TEXT] [--json]',
  '',
  "Submits one run of a target from the targets file, merging the options over the target's defaults",
  'exactly as POST /api/pipelines/{target}/runs does.',
  '',
  "  --param NAME=VALUE              a pipeline parameter (typed like the target's default for it)",
  '  --data-path NAME=DATASTORE/PATH a DataPath parameter: datastore name, a slash, the path in it',
  "  --experiment NAME               experiment to run in (default: the target's)",
  "  --description TEXT              the run's description",
  '  --json                          print the accepted run as JSON',
  '',
  'Exit codes: 0 submitted, 2 invalid input / unknown target / refused by Azure ML, 1 Azure ML failing',
  '(the run may or may not exist: look it up before submitting again).',
];

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOneArgument(argv, io, {
    prefix: PREFIX,
    helpCommand: 'aml-triggers submit --help',
    options: {
      param: { type: 'string', multiple: true, short: 'p' },
      'data-path': { type: 'string', multiple: true },
      experiment: { type: 'string' },
      description: { type: 'string' },
      json: { type: 'boolean' },
    },
    help: HELP,
    missing: 'missing the target name (aml-triggers submit <target>)',
  });
  if ('exit' in parsed) return parsed.exit;
  const { values, argument: name } = parsed;

  const runtime = openRuntime(io);
  if (!runtime.ok) return reportError(io, PREFIX, runtime.error);
  const rt = runtime.value;
  try {
    const target = findTarget(rt.targets, name);
    if (!target.ok) return reportError(io, PREFIX, target.error);
    const body = requestBody(target.value, values as unknown as Options);
    if (!body.ok) return reportError(io, PREFIX, body.error);
    // The route's own checks, on the body the options make.
    const request = parseRunRequest(JSON.stringify(body.value));
    if (!request.ok) return reportError(io, PREFIX, request.error);
    const result = await submitRun(rt, target.value, request.value, {
      key: submissionKey('http', target.value.name, randomUUID()),
      keyFrom: 'generated',
      log: { info: (l) => (values.json === true ? undefined : io.stdout(l)), error: () => undefined },
      trigger: 'cli',
    });
    if (!result.ok) return reportError(io, PREFIX, result.error);
    if (values.json === true) io.stdout(JSON.stringify(result.value));
    else if (result.value.studioUrl) io.stdout(`Run in Azure ML studio: ${result.value.studioUrl}`);
    return 0;
  } catch (e) {
    return reportError(io, PREFIX, errorOf(e));
  }
}

interface Options {
  readonly param?: string[];
  readonly 'data-path'?: string[];
  readonly experiment?: string;
  readonly description?: string;
}

type BodyResult = { readonly ok: true; readonly value: RunRequest } | { readonly ok: false; readonly error: AppError };

/** The request body the options describe (then checked by `parseRunRequest`, as an HTTP body is). */
export function requestBody(target: PipelineTarget, options: Options): BodyResult {
  const body: { -readonly [K in keyof RunRequest]: RunRequest[K] } = {};
  const params: Record<string, ParameterValue> = {};
  for (const item of options.param ?? []) {
    const pair = splitPair(item, '--param', 'NAME=VALUE, e.g. --param epochs=10');
    if (!pair.ok) return pair;
    const typed = typedValue(pair.value.value, target.parameterAssignments[pair.value.name]);
    if (!typed.ok)
      return { ok: false, error: { ...typed.error, field: `--param ${pair.value.name}`, value: pair.value.value } };
    params[pair.value.name] = typed.value;
  }
  if (Object.keys(params).length > 0) body.ParameterAssignments = params;
  const paths: NonNullable<RunRequest['DataPathAssignments']> = {};
  for (const item of options['data-path'] ?? []) {
    const pair = splitPair(
      item,
      '--data-path',
      'NAME=DATASTORE/PATH, e.g. --data-path input_data=workspaceblobstore/landing/2026-03-01.csv',
    );
    if (!pair.ok) return pair;
    const slash = pair.value.value.indexOf('/');
    if (slash <= 0) {
      return {
        ok: false,
        error: {
          code: 'cli.option.invalid',
          field: '--data-path',
          value: item,
          message: `--data-path ${JSON.stringify(item)}: the value must be DATASTORE/PATH (the datastore's name, a slash, then the path inside it), e.g. workspaceblobstore/landing/data.csv.`,
        },
      };
    }
    paths[pair.value.name] = {
      DataStoreName: pair.value.value.slice(0, slash),
      RelativePath: pair.value.value.slice(slash + 1),
    };
  }
  if (Object.keys(paths).length > 0) body.DataPathAssignments = paths;
  if (options.experiment !== undefined) body.ExperimentName = options.experiment;
  if (options.description !== undefined) body.Description = options.description;
  return { ok: true, value: body };
}

function splitPair(
  item: string,
  option: string,
  shape: string,
): { ok: true; value: { name: string; value: string } } | { ok: false; error: AppError } {
  const eq = item.indexOf('=');
  if (eq <= 0)
    return {
      ok: false,
      error: {
        code: 'cli.option.invalid',
        field: option,
        value: item,
        message: `${option} ${JSON.stringify(item)} is not ${shape}.`,
      },
    };
  return { ok: true, value: { name: item.slice(0, eq), value: item.slice(eq + 1) } };
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** The value typed like the target's default (when it has one), else number / boolean literals typed. */
export function typedValue(
  text: string,
  defaultValue: ParameterValue | undefined,
): { ok: true; value: ParameterValue } | { ok: false; error: AppError } {
  const kind = defaultValue === undefined ? undefined : typeof defaultValue;
  if (kind === 'string') return { ok: true, value: text };
  if (kind === 'number' || (kind === undefined && NUMBER.test(text))) {
    if (NUMBER.test(text)) return { ok: true, value: Number(text) };
    return {
      ok: false,
      error: {
        code: 'cli.option.invalid',
        message: `--param: ${JSON.stringify(text)} is not a number, and the target's default for this parameter is the number ${String(defaultValue)}; give a number.`,
      },
    };
  }
  if (kind === 'boolean' || (kind === undefined && (text === 'true' || text === 'false'))) {
    if (text === 'true' || text === 'false') return { ok: true, value: text === 'true' };
    return {
      ok: false,
      error: {
        code: 'cli.option.invalid',
        message: `--param: ${JSON.stringify(text)} is not true or false, and the target's default for this parameter is the boolean ${String(defaultValue)}; give true or false.`,
      },
    };
  }
  return { ok: true, value: text };
}
