/**
 * The frame every UI page shares: document head, skip link, main navigation, the page's own content,
 * and the stylesheet (inline: bundled with the app, nothing fetched from elsewhere, no second request
 * that would need the key again). Links carry the caller's key (`?code=`) forward, because every page
 * sits behind the same Functions key as the operations API.
 */
import { html, raw, type Html, type HtmlValue } from './html';
import { UI_STYLES } from './styles';

/** Where the pages live and how to reach them again with the same key. */
export interface UiLinks {
  /** Route prefix of the app, e.g. `/api`. */
  readonly prefix: string;
  /** The key the page was opened with (`?code=`), forwarded in links and forms. */
  readonly key?: string;
}

export type PageId = 'schedules' | 'schedule' | 'submit' | 'preview';

/** `path` under the UI with its query and the forwarded key. */
export function uiHref(links: UiLinks, path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, v);
  if (links.key) params.set('code', links.key);
  const qs = params.toString();
  return `${links.prefix}/ui${path}${qs ? `?${qs}` : ''}`;
}

/** Hidden input carrying the key in GET forms (their query replaces the action's). */
export function keyInput(links: UiLinks): Html {
  return links.key ? html`<input type="hidden" name="code" value="${links.key}">` : html``;
}

const NAV: ReadonlyArray<{ id: PageId; path: string; label: string }> = [
  { id: 'schedules', path: '', label: 'Schedules' },
  { id: 'submit', path: '/submit', label: 'Submit a run' },
  { id: 'preview', path: '/preview', label: 'Preview a recurrence' },
];

export interface PageOptions {
  readonly title: string;
  readonly page: PageId;
  readonly links: UiLinks;
  readonly body: HtmlValue;
}

export function layout(options: PageOptions): string {
  const { links } = options;
  const current = options.page === 'schedule' ? 'schedules' : options.page;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${options.title} · aml-pipeline-triggers</title>
<style>${raw(UI_STYLES)}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<p class="brand">aml-pipeline-triggers</p>
<nav aria-label="Main">
<ul>
${NAV.map((n) => html`<li><a href="${uiHref(links, n.path)}"${raw(n.id === current ? ' aria-current="page"' : '')}>${n.label}</a></li>`)}
</ul>
</nav>
</header>
<main id="main" tabindex="-1">
${options.body}
</main>
</body>
</html>
`.text;
}
