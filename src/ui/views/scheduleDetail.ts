/**
 * A schedule's page: its definition, Enable / Disable, the next occurrences (UTC and the schedule's
 * zone), and its run history with a link to each run in Azure ML studio; unknown outcomes stand out
 * with what to do.
 */
import { sourceLocation } from '../../schedules/definition';
import type { ScheduleDetail } from '../../schedules/operations';
import type { HistoryEntry } from '../../schedules/stateTypes';
import type { ProblemView } from '../api';
import { html, type Html } from '../html';
import { layout, uiHref, type UiLinks } from '../layout';
import { ianaZoneOf } from '../time';
import { instant, isUnknownOutcome, outcome, problemNotice, UNKNOWN_OUTCOME_ADVICE } from './common';
import { pipelineText, statusCell } from './scheduleList';

/** What an Enable / Disable click did (the operations API's answer). */
export type ActionResult =
  | {
      readonly kind: 'done';
      readonly action: 'enable' | 'disable';
      readonly status: string;
      readonly changed: boolean;
      readonly nextRun?: string;
    }
  | { readonly kind: 'failed'; readonly action: 'enable' | 'disable'; readonly problem: ProblemView };

export interface ScheduleDetailModel {
  readonly links: UiLinks;
  readonly name: string;
  readonly schedule?: ScheduleDetail;
  readonly problem?: ProblemView;
  readonly action?: ActionResult;
  /** Studio link of a run, when the workspace is known. */
  readonly runLink?: (runId: string) => string | undefined;
}

function actionNotice(result: ActionResult, zone: string | undefined): Html {
  if (result.kind === 'failed')
    return problemNotice(result.problem, result.action === 'enable' ? 'Enabling failed' : 'Disabling failed');
  const what = result.action === 'enable' ? 'enabled' : 'disabled';
  return html`<section class="notice notice-ok" role="status" aria-labelledby="action-title">
<h2 id="action-title">${result.changed ? `Schedule ${what}` : `Already ${what}: nothing changed`}</h2>
<p>Status now: <strong>${result.status}</strong>.${result.action === 'disable' ? ' It does not fire until enabled again.' : ''}${result.nextRun ? html` Next run: ${instant(result.nextRun, zone)}.` : ''}</p>
</section>`;
}

function actions(s: ScheduleDetail, links: UiLinks): Html {
  const path = (action: string): string => uiHref(links, `/schedules/${encodeURIComponent(s.name)}/${action}`);
  const button = (action: 'enable' | 'disable', label: string, primary: boolean): Html =>
    html`<form method="post" action="${path(action)}"><button type="submit" class="${primary ? '' : 'secondary'}">${label}</button></form>`;
  return html`<div class="actions" role="group" aria-label="Enable or disable">
${button('disable', 'Disable', s.status === 'Active')}
${button('enable', 'Enable', s.status !== 'Active')}
</div>
<p class="hint">Enable and Disable need the host's master key (like <code>POST /api/schedules/{name}/enable</code>). Enabling does not replay occurrences missed while disabled.</p>`;
}

function definitionList(s: ScheduleDetail): Html {
  const row = (term: string, value: Html | string | undefined): Html =>
    value === undefined || value === '' ? html`` : html`<dt>${term}</dt><dd>${value}</dd>`;
  const params = Object.entries(s.pipelineParameters);
  const ds = s.datastore;
  return html`<dl class="definition">
${row('Kind', s.kind === 'time' ? 'Time (recurrence)' : 'Blob (reactive)')}
${row('Description', s.description)}
${row('Pipeline', pipelineText(s.pipeline))}
${row('Experiment', s.experimentName)}
${row('When it runs', s.summary)}
${s.recurrence && row('Recurrence', html`<code>${JSON.stringify(s.recurrence)}</code>`)}
${ds && row('Watched folder', html`${ds.pathOnDatastore ? html`<code>${ds.pathOnDatastore}/</code>` : 'the top level'} of datastore <strong>${ds.datastore}</strong>${ds.container && html` (container <code>${ds.container}</code>)`}; subfolders are ignored`)}
${ds?.dataPathParameterName && row('Blob passed as', html`data path parameter <code>${ds.dataPathParameterName}</code>`)}
${row('Parameters', params.length === 0 ? html`<span class="muted">none (the target's defaults apply)</span>` : html`<code>${JSON.stringify(s.pipelineParameters)}</code>`)}
${s.missedRuns && row('Missed runs', s.missedRuns === 'all' ? `all (at most ${s.missedRunsLimit ?? '?'})` : s.missedRuns)}
${s.continueOnStepFailure !== undefined && row('Continue on step failure', s.continueOnStepFailure ? 'yes' : 'no')}
${s.source && row('Defined in', html`<code>${sourceLocation(s.source)}</code>`)}
${s.state?.enabledChangedAt && row('Status changed', instant(s.state.enabledChangedAt))}
</dl>`;
}

function occurrences(s: ScheduleDetail, zone: string | undefined): Html {
  if (s.kind !== 'time')
    return html`<p>Blob schedules run when a blob is added or modified in the watched folder; they have no planned occurrences.</p>`;
  if (s.nextOccurrences.length === 0) return html`<p>No further occurrences: the recurrence has ended.</p>`;
  return html`${s.status !== 'Active' && html`<p><strong>Disabled:</strong> these are the occurrences it would run if enabled.</p>`}
<ol class="occurrences">${s.nextOccurrences.map((o) => html`<li>${instant(o, zone)}</li>`)}</ol>`;
}

const TRIGGER_WORDS: Record<string, string> = {
  schedule: 'on schedule',
  catch_up: 'catch-up of a missed run',
  retry: 'retry',
  blob: 'blob arrival',
  manual: 'by hand',
};

/** A time schedule's occurrence instant; for a blob arrival, the blob (container/name) and its version (ETag). */
function occurrenceCell(e: HistoryEntry): Html {
  const why = html`<br><span class="muted">${TRIGGER_WORDS[e.trigger] ?? e.trigger}</span>`;
  if (e.trigger === 'blob') {
    return html`${e.detail ? html`<span class="mono">${e.detail}</span>` : html`<span class="muted">blob not recorded</span>`}${e.occurrence && html`<br><span class="muted">version <span class="mono">${e.occurrence}</span></span>`}${why}`;
  }
  const when =
    e.occurrence && /^\d{4}-\d\d-\d\dT/.test(e.occurrence)
      ? instant(e.occurrence)
      : e.occurrence
        ? html`<span class="mono">${e.occurrence}</span>`
        : html`<span class="muted">-</span>`;
  return html`${when}${e.detail && html`<br>${e.detail}`}${why}`;
}

function historyRow(e: HistoryEntry, runLink: ScheduleDetailModel['runLink']): Html {
  const unknown = isUnknownOutcome(e.error);
  const link = e.runId ? runLink?.(e.runId) : undefined;
  return html`<tr${unknown ? html` class="unknown"` : ''}>
<td data-label="Occurrence or blob">${occurrenceCell(e)}</td>
<td data-label="Outcome">${outcome(e.status, e.error)}</td>
<td data-label="Run">${e.runId ? (link ? html`<a class="mono" href="${link}" rel="noopener noreferrer" target="_blank">${e.runId}<span class="muted"> (opens Azure ML studio)</span></a>` : html`<span class="mono">${e.runId}</span>`) : html`<span class="muted">none</span>`}</td>
<td data-label="Submitted at">${instant(e.recordedAt)}</td>
<td data-label="Attempts">${e.attempts ?? '-'}</td>
<td data-label="Error">${e.error ? html`${e.error.message} <span class="muted">(<code>${e.error.code}</code>)</span>${unknown && html`<br><strong>What to do:</strong> ${UNKNOWN_OUTCOME_ADVICE}`}` : html`<span class="muted">none</span>`}</td>
</tr>`;
}

function history(s: ScheduleDetail, runLink: ScheduleDetailModel['runLink']): Html {
  if (s.lastRuns.length === 0) return html`<p>No runs yet.</p>`;
  const unknown = s.lastRuns.filter((e) => isUnknownOutcome(e.error)).length;
  return html`${unknown > 0 && html`<section class="notice notice-warn" aria-labelledby="unknown-title"><h2 id="unknown-title">${unknown} run${unknown === 1 ? '' : 's'} with an unknown outcome</h2><p>${UNKNOWN_OUTCOME_ADVICE}</p></section>`}
<table class="responsive">
<caption>Newest first</caption>
<thead><tr><th scope="col">Occurrence or blob</th><th scope="col">Outcome</th><th scope="col">Run</th><th scope="col">Submitted at</th><th scope="col">Attempts</th><th scope="col">Error</th></tr></thead>
<tbody>${s.lastRuns.map((e) => historyRow(e, runLink))}</tbody>
</table>`;
}

export function renderScheduleDetail(model: ScheduleDetailModel): string {
  const s = model.schedule;
  const zone = s?.timeZone ?? ianaZoneOf(s?.recurrence?.time_zone);
  const body = html`<p><a href="${uiHref(model.links, '')}">← All schedules</a></p>
<h1>Schedule ${model.name}</h1>
${model.action && actionNotice(model.action, zone)}
${model.problem && problemNotice(model.problem, 'The schedule could not be read')}
${
  s &&
  html`<p>Status: ${statusCell(s)}</p>
${s.kind === 'time' && html`<p>Next run: ${instant(s.nextRun, zone)}</p>`}
${actions(s, model.links)}
${s.notes.length > 0 && html`<ul class="notes">${s.notes.map((n) => html`<li>${n}</li>`)}</ul>`}
<h2>Definition</h2>
${definitionList(s)}
<h2>${s.kind === 'time' ? `Next ${s.nextOccurrences.length} occurrences` : 'Occurrences'}${zone && zone !== 'Etc/UTC' ? html` <span class="muted">(UTC and ${zone})</span>` : ''}</h2>
${occurrences(s, zone)}
<h2>Run history</h2>
${history(s, model.runLink)}`
}`;
  return layout({ title: `Schedule ${model.name}`, page: 'schedule', links: model.links, body });
}
