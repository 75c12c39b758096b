/**
 * Text output of the schedule operations for the CLI: aligned tables for listings and history, a
 * block per schedule for `get`, one line per change for apply / enable / disable / delete. `--json`
 * prints the views themselves (`formatJson`), the same documents the HTTP routes answer with.
 * Pure: strings in, lines out.
 */
import { sourceLocation } from './definition';
import type { HistoryEntry } from './stateTypes';
import type {
  ApplyResult,
  DeleteResult,
  EnableResult,
  LastRunView,
  PipelineView,
  ScheduleDetail,
  ScheduleSummary,
} from './operations';

/** Pretty JSON, one string per output line. */
export function formatJson(value: unknown): string[] {
  return JSON.stringify(value, null, 2).split('\n');
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

export function pipelineText(p: PipelineView): string {
  const id = p.pipelineId
    ? `published pipeline ${p.pipelineId}`
    : p.pipelineEndpointId
      ? `pipeline endpoint ${p.pipelineEndpointId}${p.version !== undefined ? ` v${p.version}` : ''}`
      : p.pipelineEndpointName
        ? `pipeline endpoint "${p.pipelineEndpointName}"${p.version !== undefined ? ` v${p.version}` : ''}`
        : '';
  if (p.target !== undefined) return id ? `target ${p.target} (${id})` : `target ${p.target}`;
  return id || '-';
}

export function lastRunText(run: LastRunView | undefined): string {
  if (!run) return '-';
  const what = run.runId ? `${run.status} ${run.runId}` : run.error ? `${run.status} (${run.error.code})` : run.status;
  return `${what} at ${run.recordedAt}`;
}

const SYNC_NOTE: Record<ScheduleSummary['sync'], string> = {
  synced: '',
  pending: ' (not yet synced)',
  orphaned: ' (orphaned)',
  elsewhere: ' (definition not readable here)',
  unreadable: ' (UNREADABLE)',
};

/** Width every line of a listing fits in (a terminal, a CI log). */
export const LIST_WIDTH = 120;

const SYNC_SHORT: Record<ScheduleSummary['sync'], string> = {
  synced: '',
  pending: ' (not synced)',
  orphaned: ' (orphaned)',
  elsewhere: ' (elsewhere)',
  unreadable: ' (UNREADABLE)',
};

/** `text` cut to `width` characters, the cut marked with `…`. */
function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** `text` broken at spaces into lines of at most `width` characters, each starting with `indent`. */
export function wrap(text: string, indent: string, width: number = LIST_WIDTH): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(' ')) {
    if (line.trim() !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `${indent}  `;
    }
    line = line.trim() === '' ? `${line}${word}` : `${line} ${word}`;
  }
  if (line.trim() !== '') lines.push(line);
  return lines.flatMap((l) => (l.length <= width ? [l] : [fit(l, width)]));
}

/**
 * One row per schedule (name, status, next run, last run) and, under it, indented, when it runs, what it
 * runs and any warning; every line at most LIST_WIDTH characters (a name longer than its column is cut).
 */
export function formatList(schedules: readonly ScheduleSummary[], filtered: boolean): string[] {
  if (schedules.length === 0) return [filtered ? 'No schedules match the filters.' : 'No schedules are defined.'];
  const headers = ['NAME', 'STATUS', 'NEXT RUN (UTC)', 'LAST RUN'];
  const cells = schedules.map((s) => [
    s.name,
    `${s.status}${SYNC_SHORT[s.sync]}`,
    s.nextRun ?? '-',
    s.lastRun ? `${s.lastRun.status} ${s.lastRun.recordedAt}` : '-',
  ]);
  const others = [1, 2, 3].reduce(
    (sum, i) => sum + Math.max(headers[i]!.length, ...cells.map((c) => c[i]!.length)) + 2,
    0,
  );
  const nameWidth = Math.max(
    headers[0]!.length,
    Math.min(Math.max(...cells.map((c) => c[0]!.length)), LIST_WIDTH - others),
  );
  const rows = table(
    headers,
    cells.map((c) => [fit(c[0]!, nameWidth), ...c.slice(1)]),
  );
  const out = [rows[0]!];
  schedules.forEach((s, i) => {
    out.push(rows[i + 1]!);
    out.push(...wrap(s.summary, '  '));
    const pipeline = pipelineText(s.pipeline);
    if (pipeline !== '-') out.push(...wrap(`${pipeline}`, '  '));
    if (s.warning) out.push(...wrap(`warning: ${s.name} ${s.warning}`, '  '));
  });
  return out;
}

export function formatDetail(d: ScheduleDetail): string[] {
  const lines = [
    `Schedule ${d.name} (${d.kind === 'time' ? 'time-based' : 'reactive'}, ${d.status}${SYNC_NOTE[d.sync]})`,
    `  ${d.summary}`,
  ];
  if (d.warning) lines.push(`  Warning: ${d.name} ${d.warning}`);
  const field = (label: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') lines.push(`  ${`${label}:`.padEnd(14)}${value}`);
  };
  if (d.stateError) field('Unreadable', `${d.stateError.blob}: ${d.stateError.message}`);
  field('Description', d.description);
  field('Pipeline', pipelineText(d.pipeline));
  field('Experiment', d.experimentName);
  const params = Object.entries(d.pipelineParameters);
  field('Parameters', params.length ? params.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') : undefined);
  const inputs = Object.entries(d.inputs ?? {});
  field(
    'Inputs',
    inputs.length
      ? inputs
          .map(([k, i]) =>
            i.type === 'literal'
              ? `${k}=literal ${JSON.stringify(i.value)}`
              : `${k}=${i.type} ${i.path ?? ''}${i.mode !== undefined ? ` (${i.mode})` : ''}`,
          )
          .join(', ')
      : undefined,
  );
  if (d.continueOnStepFailure !== undefined)
    field('On failure', d.continueOnStepFailure ? 'continue other steps' : 'stop');
  if (d.datastore) {
    field('Datastore', d.datastore.datastore + (d.datastore.container ? ` (container ${d.datastore.container})` : ''));
    field('Path', d.datastore.pathOnDatastore ? `${d.datastore.pathOnDatastore}/` : '(top level)');
  }
  field('Missed runs', d.missedRuns === 'all' ? `all (at most ${d.missedRunsLimit ?? '?'})` : d.missedRuns);
  field('Defined in', d.source ? sourceLocation(d.source) : undefined);
  field('Next run', d.nextRun ?? (d.kind === 'time' ? '-' : undefined));
  field('Last run', d.lastRun ? lastRunText(d.lastRun) : '-');
  field('Pending', d.pendingRetries ? `${d.pendingRetries} occurrence(s) waiting for a retry` : undefined);
  if (d.nextOccurrences.length) {
    lines.push(`  Next ${d.nextOccurrences.length} occurrence${d.nextOccurrences.length === 1 ? '' : 's'} (UTC):`);
    for (const o of d.nextOccurrences) lines.push(`    ${o}`);
  }
  if (d.lastRuns.length) {
    lines.push(`  Last ${d.lastRuns.length} run${d.lastRuns.length === 1 ? '' : 's'}:`);
    for (const line of formatHistory(d.lastRuns)) lines.push(`    ${line}`);
  }
  for (const note of d.notes) lines.push(`  Note: ${note}`);
  return lines;
}

export function formatHistory(entries: readonly HistoryEntry[]): string[] {
  return table(
    ['RECORDED (UTC)', 'OCCURRENCE', 'TRIGGER', 'STATUS', 'ATTEMPTS', 'RUN / ERROR'],
    entries.map((e) => [
      e.recordedAt,
      e.occurrence ?? '-',
      e.trigger,
      e.status,
      e.attempts !== undefined ? String(e.attempts) : '-',
      e.runId ?? (e.error ? `${e.error.code}: ${e.error.message}` : (e.detail ?? '-')),
    ]),
  );
}

export function formatApply(r: ApplyResult): string[] {
  const rows = r.schedules.map((s) => [
    s.action,
    s.name,
    s.action === 'updated' && s.changedFields?.length ? `changed: ${s.changedFields.join(', ')}` : '',
    s.status ? `${s.status}${s.nextRun ? `, next run ${s.nextRun}` : ''}` : '',
    sourceLocation(s.source),
  ]);
  const total = r.schedules.length;
  const tail = `${total} schedule${total === 1 ? '' : 's'}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged${r.dryRun ? ' (dry run: nothing was stored)' : ''}.`;
  return [...table(['ACTION', 'NAME', 'CHANGES', 'STATUS', 'SOURCE'], rows), tail];
}

export function formatEnable(r: EnableResult, enabled: boolean): string[] {
  const verb = enabled ? 'enabled' : 'disabled';
  if (!r.changed) return [`Schedule ${r.name} was already ${verb} (${r.status}); nothing changed.`];
  return [`Schedule ${r.name} ${verb} (${r.status})${r.nextRun ? `; next run ${r.nextRun}` : ''}.`];
}

export function formatDelete(r: DeleteResult): string[] {
  return [
    `Deleted schedule ${r.name}${r.definition === 'applied' ? ' (its applied definition,' : ' ('} state and history: ${r.blobsDeleted} blob${r.blobsDeleted === 1 ? '' : 's'}).`,
  ];
}
