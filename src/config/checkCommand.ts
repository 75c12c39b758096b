/**
 * `aml-triggers check-targets [--file <path>] [--app-root <dir>]`: validates the targets file exactly as
 * the app does at start-up (same settings, same `%SETTING%` resolution, same schema) and prints every
 * problem as `file:line:column: path problem`, or the targets it found. For CI and before deploying.
 * Exit codes: 0 valid, 2 invalid file or usage, 1 unexpected failure.
 *
 * Shaped as a `CliCommand` (src/cli/main.ts): add `'check-targets': checkTargets` to its table.
 */
import type { CliIo } from '../cli/main';
import { describeTarget } from './describe';
import { findAppRoot, loadTargets, SETTINGS } from './targets';

export const summary = 'Validate the pipeline targets file (AML_TARGETS_FILE or config/pipelines.yaml) and list its targets';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let file: string | undefined;
  let appRoot: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--help' || arg === '-h') {
      io.stdout('Usage: aml-triggers check-targets [--file <path>] [--app-root <dir>]');
      io.stdout(`  --file      targets file to check (default: app setting ${SETTINGS.targetsFile}, else config/pipelines.yaml|yml|json)`);
      io.stdout('  --app-root  folder relative paths are resolved against (default: the folder holding host.json)');
      io.stdout(`Settings read from the environment: ${SETTINGS.targetsFile}, ${SETTINGS.subscriptionId}, ${SETTINGS.resourceGroup}, ${SETTINGS.workspaceName} and any %SETTING% the file refers to.`);
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
  const env = file === undefined ? io.env : { ...io.env, [SETTINGS.targetsFile]: file };
  const result = loadTargets({ env, appRoot: appRoot ?? findAppRoot(process.cwd()) });
  if (!result.ok) {
    const problems = result.error.errors && result.error.errors.length > 0 ? result.error.errors : [result.error];
    io.stderr(`${result.error.source ?? 'targets file'}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    for (const p of problems) io.stderr(`  ${p.message}`);
    return 2;
  }
  const catalog = result.value;
  if (catalog.notice) io.stdout(catalog.notice);
  else io.stdout(`${catalog.source}: ${catalog.targets.size} target${catalog.targets.size === 1 ? '' : 's'}, valid.`);
  for (const target of catalog.targets.values()) io.stdout(`  ${describeTarget(target)}`);
  return 0;
}
