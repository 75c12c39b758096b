/**
 * `aml-triggers targets <list|disable|enable>`: a pipeline target's run-time status, as the SDK v1's
 * `PublishedPipeline.list()` / `disable()` / `enable()` (logic in src/targets/operations.ts, over the
 * app's own runtime: the same store, schedules and Azure ML client the functions use).
 *
 * Exit codes: 0 done; 2 unknown target, active schedules (without --with-schedules), Azure ML refused
 * (404/403); 1 storage or Azure ML unreachable. Nothing is printed on stdout when a command fails.
 */
import { hostname, userInfo } from 'node:os';
import { errorFrom } from '../errors';
import { describeChange, type TargetStatusView } from '../targets/operations';
import type { TargetStatus } from '../targets/mayFire';
import { parseOptions } from './args';
import { openRuntime, reportError } from './appRuntime';
import type { CliIo } from './main';

export const summary =
  'List pipeline targets with their status and schedules; disable or enable a target (PublishedPipeline.disable()/enable()).';

const HELP = [
  'Usage: aml-triggers targets <command> [options]',
  '',
  'Commands:',
  '  list [--json]                       every target: status (who/when/why) and its schedules',
  '  disable <target> [--with-schedules] [--in-azure-ml] [--reason TEXT] [--by NAME] [--json]',
  '                                      refuse HTTP submissions (409 target.disabled) and stop its schedules',
  '                                      firing (skipped, recorded). Refused while it has active schedules,',
  '                                      unless --with-schedules, which disables them too.',
  '  enable <target> [--in-azure-ml] [--reason TEXT] [--by NAME] [--json]',
  '                                      accept submissions again; the next occurrences run, none is replayed',
  '',
  "  --in-azure-ml   also set the published pipeline's own status in Azure ML (as PublishedPipeline.disable()",
  "                  does); a refusal there (404, 403) leaves the app's status unchanged",
  '  --by NAME       who is recorded as having changed it (default: user@host (aml-triggers CLI))',
  '',
  'Exit codes: 0 done, 2 invalid input / unknown target / refused, 1 storage or Azure ML failure.',
];

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    for (const line of HELP) io.stdout(line);
    return 0;
  }
  if (sub !== 'list' && sub !== 'disable' && sub !== 'enable') {
    io.stderr(
      `aml-triggers targets: ${sub === undefined ? 'missing command' : `unknown command ${JSON.stringify(sub)}`}; one of list, disable, enable (see \`aml-triggers targets --help\`).`,
    );
    return 2;
  }
  const prefix = `aml-triggers targets ${sub}`;
  const parsed = parseOptions(
    rest,
    {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...(sub === 'list'
        ? {}
        : { 'in-azure-ml': { type: 'boolean' }, reason: { type: 'string' }, by: { type: 'string' } }),
      ...(sub === 'disable' ? { 'with-schedules': { type: 'boolean' } } : {}),
    },
    true,
  );
  if (!parsed.ok) {
    io.stderr(`${prefix}: ${parsed.error}; run \`aml-triggers targets --help\`.`);
    return 2;
  }
  const { values, positionals } = parsed.value;
  if (values.help === true) {
    for (const line of HELP) io.stdout(line);
    return 0;
  }
  const want = sub === 'list' ? 0 : 1;
  if (positionals.length !== want) {
    io.stderr(
      `${prefix}: ${positionals.length < want ? 'missing the target name' : `unexpected argument ${JSON.stringify(positionals[want])}`}; run \`aml-triggers targets --help\`.`,
    );
    return 2;
  }
  const rt = openRuntime(io);
  if (!rt.ok) return reportError(io, prefix, rt.error);
  try {
    const ops = rt.value.targetOperations;
    if (sub === 'list') {
      const targets = await ops.list();
      if (values.json === true) io.stdout(JSON.stringify({ targets }, null, 2));
      else for (const line of formatTargets(targets)) io.stdout(line);
      return 0;
    }
    const status: TargetStatus = sub === 'disable' ? 'Disabled' : 'Active';
    const by = typeof values.by === 'string' && values.by.trim() ? values.by.trim() : currentUser();
    const reason = typeof values.reason === 'string' && values.reason.trim() ? values.reason.trim() : undefined;
    const result = await ops.setStatus(positionals[0]!, status, {
      now: io.now(),
      by,
      ...(reason ? { reason } : {}),
      ...(values['with-schedules'] === true ? { withSchedules: true } : {}),
      ...(values['in-azure-ml'] === true ? { inAzureMl: true } : {}),
    });
    if (!result.ok) return reportError(io, prefix, result.error);
    if (values.json === true) io.stdout(JSON.stringify(result.value, null, 2));
    else for (const line of describeChange(result.value)) io.stdout(line);
    return 0;
  } catch (e) {
    return reportError(io, prefix, errorFrom(e, { code: 'internal' }));
  }
}

/** `user@host (aml-triggers CLI)`, as `schedules run` records who asked. */
function currentUser(): string {
  let user = 'unknown user';
  try {
    user = userInfo().username;
  } catch {
    // no user entry (some containers): keep the placeholder
  }
  return `${user}@${hostname()} (aml-triggers CLI)`;
}

/** The listing as a table: target, status, last change, schedules (name:status). */
export function formatTargets(targets: readonly TargetStatusView[]): string[] {
  if (targets.length === 0) return ['No targets are configured (AML_TARGETS_FILE).'];
  const rows = targets.map((t) => [
    t.name,
    t.status,
    t.statusChange
      ? `${t.statusChange.changedAt} by ${t.statusChange.changedBy}${t.statusChange.reason ? `: ${t.statusChange.reason}` : ''}`
      : '-',
    t.schedules.length ? t.schedules.map((s) => `${s.name} (${s.status})`).join(', ') : '-',
  ]);
  const header = ['TARGET', 'STATUS', 'CHANGED', 'SCHEDULES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}
