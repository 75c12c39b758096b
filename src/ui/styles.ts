/**
 * The UI's stylesheet (served inline in every page). Plain CSS: system fonts, high contrast, visible
 * focus, status shown by words and symbols (colour only repeats them), tables that turn into labelled
 * blocks at phone width.
 */
export const UI_STYLES = `
:root { color-scheme: light; --fg: #1b1b1b; --muted: #555; --line: #c8c8c8; --bg: #fff; --accent: #0b57a4; --warn-bg: #fff4ce; --err-bg: #fde7e9; --ok-bg: #dff6dd; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
main { overflow-wrap: break-word; }
.notice, .field-error, .hint, code, .mono { overflow-wrap: anywhere; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible, main:focus-visible { outline: 3px solid #000; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: #000; color: #fff; padding: .5rem 1rem; z-index: 1; }
.skip:focus { left: .5rem; top: .5rem; }
header.site { border-bottom: 1px solid var(--line); padding: .5rem 1rem; display: flex; flex-wrap: wrap; align-items: center; gap: .25rem 1.5rem; }
.brand { margin: 0; font-weight: 700; }
nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
nav a { display: inline-block; padding: .4rem 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
main { padding: 1rem; max-width: 80rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid var(--line); }
th { background: #f3f3f3; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
.muted { color: var(--muted); }
.mono, code { font-family: ui-monospace, SFMono-Regular, Consolas, monospace; font-size: .92em; overflow-wrap: anywhere; }
.status { font-weight: 700; white-space: nowrap; }
.status-active::before { content: "● "; }
.status-disabled::before { content: "○ "; }
.status-unreadable::before, .outcome-failed::before, .outcome-unknown::before { content: "⚠ "; }
.outcome-submitted::before { content: "✓ "; }
.outcome-retrying::before { content: "↻ "; }
.outcome-skipped::before { content: "– "; }
.outcome-unknown { font-weight: 700; }
tr.unknown { background: var(--warn-bg); }
.notice { border: 2px solid; border-left-width: 8px; padding: .5rem 1rem; margin: 1rem 0; }
.notice h2 { margin-top: .25rem; font-size: 1.1rem; }
.notice-error { background: var(--err-bg); border-color: #a4262c; }
.notice-ok { background: var(--ok-bg); border-color: #107c10; }
.notice-warn { background: var(--warn-bg); border-color: #8a6d00; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem 1.25rem; align-items: flex-end; margin: .5rem 0 1rem; }
label { display: block; font-weight: 600; }
.field { margin: .5rem 0 1rem; }
.hint { display: block; font-weight: 400; color: var(--muted); font-size: .92rem; }
.field-error { display: block; color: #a4262c; font-weight: 600; }
input, select, textarea, button { font: inherit; }
input[type="text"], select, textarea { padding: .35rem .5rem; border: 1px solid #767676; border-radius: 3px; max-width: 100%; }
input[aria-invalid="true"], textarea[aria-invalid="true"] { border: 2px solid #a4262c; }
textarea { width: 100%; min-height: 10rem; }
button { padding: .45rem 1rem; border: 2px solid var(--accent); background: var(--accent); color: #fff; border-radius: 3px; cursor: pointer; min-height: 44px; }
button.secondary { background: #fff; color: var(--accent); }
fieldset { border: 1px solid var(--line); margin: 1rem 0; padding: .5rem 1rem; }
legend { font-weight: 700; padding: 0 .25rem; }
.row { display: grid; grid-template-columns: minmax(8rem, 14rem) minmax(10rem, 1fr) 8rem; gap: .5rem 1rem; align-items: start; margin: .5rem 0; }
.row input[type="text"], .row select { width: 100%; }
.row.dp { grid-template-columns: minmax(8rem, 14rem) minmax(10rem, 1fr) minmax(10rem, 1fr); }
dl.definition { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.definition dt { font-weight: 600; }
dl.definition dd { margin: 0; overflow-wrap: anywhere; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0 1rem; }
@media (max-width: 40rem) {
  main { padding: .75rem; }
  table.responsive thead { position: absolute; left: -9999px; }
  table.responsive tr { display: block; border: 1px solid var(--line); margin: 0 0 .75rem; padding: .25rem .5rem; }
  table.responsive td { display: block; border: 0; padding: .2rem 0; }
  table.responsive td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; }
  .row, .row.dp { grid-template-columns: 1fr; }
  dl.definition { grid-template-columns: 1fr; }
  dl.definition dd { margin-bottom: .5rem; }
}
`;
