/**
 * The Schedules page: every schedule with its kind, pipeline, when it runs, status, next run (UTC and
 * the schedule's zone) and last run; filters by status and target; unreadable schedules shown as such.
 */
import type { ScheduleSummary } from '../../schedules/operations';
import type { ProblemView } from '../api';
import { html, raw, type Html } from '../html';
import { keyInput, layout, uiHref, type UiLinks } from '../layout';
import { instant, outcome, problemNotice } from './common';

export type StatusFilter = 'all' | 'Active' | 'Disabled';

export interface ListFilterView {
  readonly status: StatusFilter;
  readonly target?: string;
}

export interface ScheduleListModel {
  readonly links: UiLinks;
  readonly filter: ListFilterView;
  /** Absent when the API refused (then `problem` says why). */
  readonly schedules?: readonly ScheduleSummary[];
  /** Target names to filter by. */
  readonly targets: readonly string[];
  readonly problem?: ProblemView;
}

/** The reason a schedule's state could not be read (the list API's `stateError`, when it sends one). */
export function stateErrorOf(s: object): string | undefined {
  const value = (s as { stateError?: unknown }).stateError;
  if (value === undefined || value === null || value === false) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    const e = value as { message?: unknown; detail?: unknown; code?: unknown };
    const text =
      typeof e.message === 'string' ? e.message : typeof e.detail === 'string' ? e.detail : JSON.stringify(value);
    return typeof e.code === 'string' ? `${text} (${e.code})` : text;
  }
  return String(value);
}

const SYNC_NOTES: Record<string, string> = {
  pending: 'Not yet synced: the next timer tick brings the definition in.',
  orphaned: 'Orphaned: its definition was removed; it never fires.',
  elsewhere: 'Defined in files this app instance cannot read.',
};

export function pipelineText(p: ScheduleSummary['pipeline']): Html {
  if (p.target)
    return html`target <strong>${p.target}</strong>${p.pipelineId && html`<br><span class="muted mono">pipeline ${p.pipelineId}</span>`}${p.pipelineEndpointId && html`<br><span class="muted mono">endpoint ${p.pipelineEndpointId}</span>`}${p.pipelineEndpointName && html`<br><span class="muted">endpoint ${p.pipelineEndpointName}</span>`}`;
  if (p.pipelineId) return html`<span class="mono">pipeline ${p.pipelineId}</span>`;
  if (p.pipelineEndpointId)
    return html`<span class="mono">endpoint ${p.pipelineEndpointId}${p.version && ` version ${p.version}`}</span>`;
  return html`<span class="muted">unknown</span>`;
}

export function statusCell(s: ScheduleSummary): Html {
  const unreadable = stateErrorOf(s);
  if (unreadable) return html`<span class="status status-unreadable">Unreadable</span><br>${unreadable}`;
  const cls = s.status === 'Active' ? 'status-active' : 'status-disabled';
  const note = SYNC_NOTES[s.sync];
  return html`<span class="status ${cls}">${s.status}</span>${note && html`<br><span class="muted">${note}</span>`}${s.pendingRetries > 0 && html`<br>${s.pendingRetries} retr${s.pendingRetries === 1 ? 'y' : 'ies'} pending`}`;
}

function lastRunCell(s: ScheduleSummary): Html {
  const r = s.lastRun;
  if (!r) return html`<span class="muted">never</span>`;
  return html`${outcome(r.status, r.error)}<br>${instant(r.recordedAt)}${r.runId && html`<br><span class="mono">${r.runId}</span>`}${r.error && html`<br>${r.error.message}`}`;
}

function filterForm(model: ScheduleListModel): Html {
  const { filter } = model;
  const option = (value: string, label: string, selected: boolean): Html =>
    html`<option value="${value}"${raw(selected ? ' selected' : '')}>${label}</option>`;
  return html`<form class="filters" method="get" action="${uiHref(model.links, '')}" aria-label="Filter schedules">
${keyInput(model.links)}
<div><label for="filter-status">Status</label>
<select id="filter-status" name="status">
${option('all', 'All', filter.status === 'all')}${option('Active', 'Active', filter.status === 'Active')}${option('Disabled', 'Disabled', filter.status === 'Disabled')}
</select></div>
<div><label for="filter-target">Target</label>
<select id="filter-target" name="target">
${option('', 'All targets', !filter.target)}
${model.targets.map((t) => option(t, t, filter.target === t))}
</select></div>
<div><button type="submit">Apply filters</button></div>
</form>`;
}

export function renderScheduleList(model: ScheduleListModel): string {
  const { links } = model;
  const schedules = model.schedules ?? [];
  const count =
    model.schedules === undefined
      ? ''
      : `${schedules.length} schedule${schedules.length === 1 ? '' : 's'}${model.filter.status !== 'all' || model.filter.target ? ' match the filters' : ''}.`;
  const table = html`<table class="responsive" aria-describedby="schedule-count">
<thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Pipeline</th><th scope="col">When it runs</th><th scope="col">Status</th><th scope="col">Next run</th><th scope="col">Last run</th></tr></thead>
<tbody>
${schedules.map(
  (s) => html`<tr>
<td data-label="Name"><a href="${uiHref(links, `/schedules/${encodeURIComponent(s.name)}`)}">${s.name}</a>${s.description && html`<br><span class="muted">${s.description}</span>`}</td>
<td data-label="Kind">${s.kind === 'time' ? 'Time' : 'Blob'}</td>
<td data-label="Pipeline">${pipelineText(s.pipeline)}</td>
<td data-label="When it runs">${s.summary}</td>
<td data-label="Status">${statusCell(s)}</td>
<td data-label="Next run">${s.kind === 'reactive' ? html`<span class="muted">when a blob lands</span>` : instant(s.nextRun, s.timeZone)}</td>
<td data-label="Last run">${lastRunCell(s)}</td>
</tr>`,
)}
</tbody>
</table>`;
  return layout({
    title: 'Schedules',
    page: 'schedules',
    links,
    body: html`<h1>Schedules</h1>
${filterForm(model)}
${model.problem && problemNotice(model.problem, 'The schedules could not be listed')}
${model.schedules !== undefined && html`<p id="schedule-count" role="status">${count}</p>${schedules.length > 0 && table}`}`,
  });
}
