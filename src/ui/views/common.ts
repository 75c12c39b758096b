/** Pieces several pages share: the problem notice, instants in UTC and a zone, run outcomes. */
import type { ProblemView } from '../api';
import { html, type Html } from '../html';
import { layout, type UiLinks } from '../layout';
import { formatInZone, formatUtc } from '../time';

/** An API problem as a notice: title, detail, every listed problem with its field, the log reference. */
export function problemNotice(problem: ProblemView, heading = 'The operation failed'): Html {
  const listed =
    problem.errors.length > 1 || (problem.errors.length === 1 && problem.errors[0]?.detail !== problem.detail);
  return html`<section class="notice notice-error" role="alert" aria-labelledby="problem-title">
<h2 id="problem-title">${heading}: ${problem.title} (HTTP ${problem.status})</h2>
<p>${problem.detail}</p>
${listed && html`<ul>${problem.errors.map((e) => html`<li>${e.field && html`<code>${e.field}</code>: `}${e.detail}</li>`)}</ul>`}
<p class="muted">${problem.code && html`Code <code>${problem.code}</code>. `}${problem.instance && html`Log reference <code>${problem.instance}</code>.`}</p>
</section>`;
}

/** An instant in UTC and, when known, in a zone (two lines). */
export function instant(iso: string | undefined, zone?: string): Html {
  if (!iso) return html`<span class="muted">none</span>`;
  const local = formatInZone(iso, zone);
  const showLocal = local !== undefined && zone !== 'Etc/UTC' && zone !== 'UTC';
  return html`<time datetime="${iso}">${formatUtc(iso)}</time>${showLocal && html`<br><span class="muted">${local} ${zone}</span>`}`;
}

export const OUTCOME_WORDS: Record<string, string> = {
  submitted: 'Submitted',
  failed: 'Failed',
  retrying: 'Retrying',
  skipped: 'Skipped',
};

/** Whether an error says the submission may or may not have reached Azure ML. */
export function isUnknownOutcome(error: { code: string } | undefined): boolean {
  return error !== undefined && /outcome_unknown/.test(error.code);
}

/** Outcome as a word with a symbol (readable without colour). */
export function outcome(status: string, error?: { code: string }): Html {
  if (isUnknownOutcome(error)) return html`<span class="outcome-unknown">Outcome unknown</span>`;
  return html`<span class="outcome-${status}">${OUTCOME_WORDS[status] ?? status}</span>`;
}

export const UNKNOWN_OUTCOME_ADVICE =
  'The submission may have reached Azure ML: its answer was lost. The app does not resubmit it. Look in Azure ML studio for a run of this experiment submitted at this time (its tags name the schedule and occurrence) before you submit it again by hand.';

/** A page that could not be built at all: the problem, and the way back. */
export function renderErrorPage(links: UiLinks, problem: ProblemView): string {
  return layout({
    title: 'Error',
    page: 'schedules',
    links,
    body: html`<h1>The page could not be shown</h1>${problemNotice(problem, 'Something went wrong')}`,
  });
}
