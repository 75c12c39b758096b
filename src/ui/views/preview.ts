/** The Preview page: type a recurrence, see its description and next occurrences. */
import { html, type Html } from '../html';
import { keyInput, layout, uiHref, type UiLinks } from '../layout';
import { DEFAULT_PREVIEW_COUNT, EXAMPLE_RECURRENCE, MAX_PREVIEW_COUNT, type PreviewOutcome } from '../preview';
import { instant } from './common';

export interface PreviewModel {
  readonly links: UiLinks;
  readonly recurrence: string;
  readonly count: string;
  readonly outcome?: PreviewOutcome;
  readonly now: Date;
}

function errorsFor(outcome: PreviewOutcome | undefined, match: (field: string) => boolean): string[] {
  if (!outcome || outcome.ok) return [];
  return outcome.errors.filter((e) => match(e.field ?? 'recurrence')).map((e) => e.message);
}

function invalid(messages: string[], id: string): { attrs: Html; text: Html } {
  if (messages.length === 0) return { attrs: html``, text: html`` };
  return {
    attrs: html` aria-invalid="true" aria-describedby="${id}-hint ${id}-error"`,
    text: html`<span class="field-error" id="${id}-error">Error: ${messages.length === 1 ? messages[0] : html`<ul>${messages.map((m) => html`<li>${m}</li>`)}</ul>`}</span>`,
  };
}

export function renderPreview(model: PreviewModel): string {
  const rec = invalid(
    errorsFor(model.outcome, (f) => f !== 'count'),
    'recurrence',
  );
  const count = invalid(
    errorsFor(model.outcome, (f) => f === 'count'),
    'count',
  );
  const result = model.outcome?.ok ? model.outcome.value : undefined;
  const body = html`<h1>Preview a recurrence</h1>
<form method="get" action="${uiHref(model.links, '/preview')}">
${keyInput(model.links)}
<div class="field"><label for="recurrence">Recurrence (SDK <code>ScheduleRecurrence</code> JSON)</label>
<span class="hint" id="recurrence-hint">Fields: frequency (Minute, Hour, Day, Week, Month), interval, start_time, time_zone (Windows or IANA name), hours, minutes, week_days, time_of_day. Without start_time it starts now.</span>
<textarea id="recurrence" name="recurrence" spellcheck="false"${rec.attrs.text ? rec.attrs : html` aria-describedby="recurrence-hint"`}>${model.recurrence || EXAMPLE_RECURRENCE}</textarea>${rec.text}</div>
<div class="field"><label for="count">How many occurrences</label><span class="hint" id="count-hint">1 to ${MAX_PREVIEW_COUNT}, default ${DEFAULT_PREVIEW_COUNT}</span>
<input type="text" inputmode="numeric" id="count" name="count" value="${model.count}" size="5"${count.attrs.text ? count.attrs : html` aria-describedby="count-hint"`}>${count.text}</div>
<button type="submit">Preview</button>
</form>
${model.outcome && !model.outcome.ok && html`<p role="alert" class="notice notice-error">The recurrence is not valid; the messages are by the fields above.</p>`}
${
  result &&
  html`<section aria-labelledby="result-title" role="status">
<h2 id="result-title">${result.description}</h2>
<p>Next ${result.occurrences.length} occurrences after ${instant(model.now.toISOString().replace(/\.\d{3}Z$/, 'Z'))}${result.timeZone !== 'Etc/UTC' ? html`, in UTC and ${result.timeZone}` : ''}:</p>
${result.occurrences.length === 0 ? html`<p>None: the recurrence has no occurrence after now.</p>` : html`<ol>${result.occurrences.map((o) => html`<li>${instant(o, result.timeZone)}</li>`)}</ol>`}
</section>`
}`;
  return layout({ title: 'Preview a recurrence', page: 'preview', links: model.links, body });
}
