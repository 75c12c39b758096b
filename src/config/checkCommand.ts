/**
 * `aml-triggers check-targets [--file <path>] [--app-root <dir>]`: validates the targets file exactly as
 * the app does at start-up (same settings, same `%SETTING%` resolution, same schema) and prints every
 * problem as `file:line:column: path problem`, or the targets it found. For CI and before deploying.
 * Exit codes: 0 valid, 2 invalid file or usage, 1 unexpected failure.
 *
 * Shaped as a `CliCommand` (src/cli/main.ts): add `'check-targets': checkTargets` to its table.
 */
import type { CliIo } from '../cli/main';
import { openRuntime } from '../cli/appRuntime';
import { AppFailure } from '../errors';
import { LOCAL_SETTINGS_FILE } from '../cli/settings';
import { describeTarget } from './describe';
import { SETTINGS, type TargetCatalog } from './targets';

/** A value still holding a sample's placeholder, like `<published pipeline id>`. */
const PLACEHOLDER = /<[^<>]*>/;

/**
 * Ids and workspace names still holding a placeholder (`<...>`, as the samples write them): the file is
 * valid, but no such pipeline exists, so every submission would fail. One line per value, naming the
 * field, the value and the setting it came from.
 */
export function findPlaceholders(catalog: TargetCatalog): string[] {
  const out: string[] = [];
  for (const target of catalog.targets.values()) {
    const base = `targets.${target.name}`;
    const p = target.pipeline;
    const fields: Array<[string, string | undefined]> = [
      ['endpoint_url', target.endpointUrl],
      ['pipeline_id', p?.kind === 'published' ? p.pipelineId : undefined],
      ['pipeline_endpoint_id', p?.kind === 'endpoint' ? p.pipelineEndpointId : undefined],
      ['pipeline_endpoint_name', p?.kind === 'endpointByName' ? p.pipelineEndpointName : undefined],
      ['pipeline_job.component_name', target.v2?.kind === 'pipeline_job' ? target.v2.componentName : undefined],
      ['batch_endpoint.endpoint_name', target.v2?.kind === 'batch_endpoint' ? target.v2.endpointName : undefined],
      ['workspace.subscription_id', target.workspace?.subscriptionId],
      ['workspace.resource_group', target.workspace?.resourceGroup],
      ['workspace.workspace_name', target.workspace?.workspaceName],
    ];
    for (const [field, value] of fields) {
      if (value === undefined || !PLACEHOLDER.test(value)) continue;
      const path = `${base}.${field}`;
      const expression = catalog.settingExpressions.get(path);
      const from = expression ? ` (from ${expression})` : '';
      out.push(
        `${path} is still a placeholder, ${JSON.stringify(value)}${from}: put the real value there${expression ? ` (set the app setting in local.settings.json Values, or in the Function App's settings)` : ''}; ${field.startsWith('pipeline_job') ? 'the studio lists registered components under Components' : field.startsWith('batch_endpoint') ? 'the studio lists batch endpoints under Endpoints > Batch endpoints' : "the studio shows a published pipeline's id on its Pipelines > Pipeline endpoints page"}.`,
      );
    }
  }
  return out;
}

export const summary =
  'Validate the pipeline targets file (AML_TARGETS_FILE or config/pipelines.yaml) and list its targets';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let file: string | undefined;
  let appRoot: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--help' || arg === '-h') {
      io.stdout('Usage: aml-triggers check-targets [--file <path>] [--app-root <dir>]');
      io.stdout(
        `  --file      targets file to check (default: app setting ${SETTINGS.targetsFile}, else config/pipelines.yaml|yml|json)`,
      );
      io.stdout('  --app-root  folder relative paths are resolved against (default: the folder holding host.json)');
      io.stdout(
        `Settings (${SETTINGS.targetsFile}, ${SETTINGS.subscriptionId}, ${SETTINGS.resourceGroup}, ${SETTINGS.workspaceName} and any %SETTING% the file refers to)`,
      );
      io.stdout(
        `come from the environment or ./${LOCAL_SETTINGS_FILE} Values (the environment wins), as for \`aml-triggers schedules\`.`,
      );
      return 0;
    }
    if ((arg === '--file' || arg === '--app-root') && value !== undefined && !value.startsWith('--')) {
      if (arg === '--file') file = value;
      else appRoot = value;
      i++;
      continue;
    }
    io.stderr(`check-targets: unexpected argument ${JSON.stringify(arg)}; run \`aml-triggers check-targets --help\`.`);
    return 2;
  }
  // The app's own runtime (src/cli/appRuntime.ts) reads the targets exactly as start-up does.
  const runtime = openRuntime(io, {
    ...(file !== undefined ? { settings: { [SETTINGS.targetsFile]: file } } : {}),
    ...(appRoot !== undefined ? { appRoot } : {}),
  });
  if (!runtime.ok) {
    io.stderr(`check-targets: ${runtime.error.message}`);
    return 2;
  }
  let catalog: TargetCatalog;
  try {
    catalog = runtime.value.targets;
  } catch (e) {
    if (!(e instanceof AppFailure)) throw e; // a fault of the app, not of the file (exit 1)
    const error = e.error;
    const problems = error.errors && error.errors.length > 0 ? error.errors : [error];
    io.stderr(`${error.source ?? 'targets file'}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    for (const p of problems) io.stderr(`  ${p.message}`);
    return 2;
  }
  const placeholders = findPlaceholders(catalog);
  if (placeholders.length > 0) {
    io.stderr(
      `${catalog.source ?? 'targets file'}: ${placeholders.length} problem${placeholders.length === 1 ? '' : 's'}`,
    );
    for (const p of placeholders) io.stderr(`  ${p}`);
    return 2;
  }
  if (catalog.notice) io.stdout(catalog.notice);
  else io.stdout(`${catalog.source}: ${catalog.targets.size} target${catalog.targets.size === 1 ? '' : 's'}, valid.`);
  for (const target of catalog.targets.values()) io.stdout(`  ${describeTarget(target)}`);
  return 0;
}
