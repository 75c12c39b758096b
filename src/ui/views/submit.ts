/**
 * The Submit pages: the configured targets, and a form per target with its parameters and data-path
 * assignments prefilled from the target's defaults; the API's messages appear by the fields they name.
 */
import type { TargetView } from '../../http/pipelinesHandlers';
import { messagesFor, type ProblemView } from '../api';
import { html, raw, type Html } from '../html';
import { layout, uiHref, type UiLinks } from '../layout';
import { dataPathField, paramField, settingName, type SubmitFormValues } from '../submitForm';
import { problemNotice } from './common';

export interface TargetsModel {
  readonly links: UiLinks;
  readonly targets?: readonly TargetView[];
  readonly problem?: ProblemView;
}

export function renderTargets(model: TargetsModel): string {
  const targets = model.targets ?? [];
  const body = html`<h1>Submit a run</h1>
${model.problem && problemNotice(model.problem, 'The targets could not be listed')}
${
  model.targets !== undefined &&
  (targets.length === 0
    ? html`<p>No targets are configured: the app submits only to pipelines named in its targets file (<code>AML_TARGETS_FILE</code>).</p>`
    : html`<p>Choose a configured target:</p><ul class="targets">${targets.map(
        (t) =>
          html`<li><a href="${uiHref(model.links, `/submit/${encodeURIComponent(t.name)}`)}">${t.name}</a>${t.description && html`: ${t.description}`} <span class="muted">(experiment ${t.experimentName})</span>${targetStatus(t)}</li>`,
      )}</ul>`)
}`;
  return layout({ title: 'Submit a run', page: 'submit', links: model.links, body });
}

/** The target's run-time status (when the listing has it): Active / Disabled with who, when, why, and its schedules. */
export function targetStatus(t: TargetView): Html | undefined {
  if (!t.status) return undefined;
  const cls = t.status === 'Active' ? 'status-active' : 'status-disabled';
  const change =
    t.statusChange && t.status === 'Disabled'
      ? html` <span class="muted">by ${t.statusChange.changedBy} at ${t.statusChange.changedAt}${t.statusChange.reason && html`: ${t.statusChange.reason}`}; submissions are refused and its schedules do not fire</span>`
      : undefined;
  const schedules =
    t.schedules && t.schedules.length > 0
      ? html`<br><span class="muted">Schedules: ${t.schedules.map((s) => `${s.name} (${s.status})`).join(', ')}</span>`
      : undefined;
  return html` <span class="status ${cls}">${t.status}</span>${change}${schedules}`;
}

/** The API's 202 answer. */
export interface RunAcceptedView {
  readonly runId: string;
  readonly experimentName?: string;
  readonly attempts?: number;
  readonly studioUrl?: string;
  readonly reconciled?: boolean;
}

export interface SubmitModel {
  readonly links: UiLinks;
  readonly targetName: string;
  readonly target?: TargetView;
  readonly values?: SubmitFormValues;
  /** The API's refusal of the last submission (or of loading the target). */
  readonly problem?: ProblemView;
  readonly accepted?: RunAcceptedView;
}

function fieldErrors(problem: ProblemView | undefined, field: string, id: string): { attrs: Html; messages: Html } {
  const messages = messagesFor(problem, field);
  if (messages.length === 0) return { attrs: html``, messages: html`` };
  return {
    attrs: raw(` aria-invalid="true" aria-describedby="${id}-error"`),
    messages: html`<span class="field-error" id="${id}-error">Error: ${messages.join(' ')}</span>`,
  };
}

function typeSelect(id: string, label: string, type: string): Html {
  const opt = (v: string, text: string): Html =>
    html`<option value="${v}"${raw(v === type ? ' selected' : '')}>${text}</option>`;
  return html`<div><label for="${id}">${label}</label><select id="${id}" name="pt">${opt('text', 'Text')}${opt('number', 'Number')}${opt('boolean', 'True / false')}</select></div>`;
}

function paramRows(values: SubmitFormValues, target: TargetView, problem: ProblemView | undefined): Html {
  return html`${values.params.map((row, i) => {
    const id = `param-${i}`;
    const e = fieldErrors(problem, row.name ? paramField(row.name) : `\u0000`, id);
    const setting = row.fixed ? settingName(target.parameters[row.name]) : undefined;
    if (row.fixed) {
      return html`<div class="row">
<div><label for="${id}">${row.name}</label><input type="hidden" name="pn" value="${row.name}"><span class="hint">default ${setting ? `from app setting ${setting}` : JSON.stringify(target.parameters[row.name])}</span></div>
<div><input type="text" id="${id}" name="pv" value="${row.value}"${e.attrs}>${setting && html`<span class="hint" id="${id}-hint">Left as is, the app fills in the setting's value.</span>`}${e.messages}</div>
${typeSelect(`${id}-type`, `Type of ${row.name}`, row.type)}
</div>`;
    }
    return html`<div class="row">
<div><label for="${id}-name">Another parameter: name</label><input type="text" id="${id}-name" name="pn" value="${row.name}"></div>
<div><label for="${id}">Its value</label><input type="text" id="${id}" name="pv" value="${row.value}"${e.attrs}>${e.messages}</div>
${typeSelect(`${id}-type`, 'Its type', row.type)}
</div>`;
  })}`;
}

function dataPathRows(values: SubmitFormValues, problem: ProblemView | undefined): Html {
  return html`${values.dataPaths.map((row, i) => {
    const id = `dp-${i}`;
    const whole = row.name ? messagesFor(problem, dataPathField(row.name)) : [];
    const store = fieldErrors(problem, row.name ? dataPathField(row.name, 'DataStoreName') : '\u0000', `${id}-store`);
    const path = fieldErrors(problem, row.name ? dataPathField(row.name, 'RelativePath') : '\u0000', `${id}-path`);
    const name = row.fixed
      ? html`<div><span class="label" id="${id}-label"><strong>${row.name}</strong></span><input type="hidden" name="dn" value="${row.name}">${whole.length > 0 && html`<span class="field-error">Error: ${whole.join(' ')}</span>`}</div>`
      : html`<div><label for="${id}-name">Another data path: name</label><input type="text" id="${id}-name" name="dn" value="${row.name}">${whole.length > 0 && html`<span class="field-error">Error: ${whole.join(' ')}</span>`}</div>`;
    const prefix = row.fixed ? `${row.name}: ` : '';
    return html`<div class="row dp">
${name}
<div><label for="${id}-store">${prefix}Datastore</label><input type="text" id="${id}-store" name="ds" value="${row.datastore}"${store.attrs}>${store.messages}</div>
<div><label for="${id}-path">${prefix}Relative path</label><input type="text" id="${id}-path" name="dp" value="${row.path}"${path.attrs}>${path.messages}</div>
</div>`;
  })}`;
}

function accepted(a: RunAcceptedView): Html {
  return html`<section class="notice notice-ok" role="status" aria-labelledby="accepted-title">
<h2 id="accepted-title">Run submitted</h2>
<p>Azure ML accepted run ${a.studioUrl ? html`<a class="mono" href="${a.studioUrl}" rel="noopener noreferrer" target="_blank">${a.runId}<span class="muted"> (opens Azure ML studio)</span></a>` : html`<span class="mono">${a.runId}</span>`}${a.experimentName && html` in experiment <strong>${a.experimentName}</strong>`}${a.attempts !== undefined && a.attempts > 1 && html` after ${a.attempts} attempts`}.</p>
${a.reconciled && html`<p>Its answer was lost on the way and the app found the run in Azure ML afterwards (reconciled): it was submitted once.</p>`}
</section>`;
}

export function renderSubmitForm(model: SubmitModel): string {
  const { links, target, values, problem } = model;
  const title = `Submit a run of ${model.targetName}`;
  if (!target || !values) {
    return layout({
      title,
      page: 'submit',
      links,
      body: html`<p><a href="${uiHref(links, '/submit')}">← All targets</a></p><h1>${title}</h1>${problem && problemNotice(problem, 'The target could not be loaded')}`,
    });
  }
  const exp = fieldErrors(problem, 'ExperimentName', 'experiment');
  const desc = fieldErrors(problem, 'Description', 'description');
  const body = html`<p><a href="${uiHref(links, '/submit')}">← All targets</a></p>
<h1>${title}</h1>
${target.description && html`<p>${target.description}</p>`}
${target.status === 'Disabled' && html`<p class="notice" role="status">This target is${targetStatus(target)}. Enable it with <code>aml-triggers targets enable ${target.name}</code>.</p>`}
${model.accepted && accepted(model.accepted)}
${problem && problemNotice(problem, 'The run was not submitted')}
<form method="post" action="${uiHref(links, `/submit/${encodeURIComponent(target.name)}`)}" novalidate>
<p class="hint">Values start from the target's defaults; only what you change or add is sent, the rest is the target's own configuration.</p>
<div class="field"><label for="experiment">Experiment name</label><input type="text" id="experiment" name="experiment" value="${values.experimentName}"${exp.attrs}>${exp.messages}</div>
<div class="field"><label for="description">Run description <span class="hint">optional</span></label><input type="text" id="description" name="description" value="${values.description}"${desc.attrs}>${desc.messages}</div>
<fieldset><legend>Parameters (ParameterAssignments)</legend>
${paramRows(values, target, problem)}
</fieldset>
<fieldset><legend>Data paths (DataPathAssignments)</legend>
${dataPathRows(values, problem)}
</fieldset>
<button type="submit">Submit run</button>
</form>`;
  return layout({ title, page: 'submit', links, body });
}
