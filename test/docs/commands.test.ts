/**
 * The docs' own examples run: every `aml-triggers` command in a fenced block of README.md and docs/*.md
 * (and the README's inline `npx aml-triggers …` examples) that needs no Azure is run, in document order,
 * in an app folder of its own: the repository's config/ samples, the files a doc writes (blocks marked
 * ```yaml file=<path>), and a local.settings.json from local.settings.sample.json pointing at Azurite.
 * Usage lines (`<name>`, `[--json]`, `…`) are not commands. Each must exit 0 with nothing on stderr but
 * `warning:` / `note:` lines and no warning in its output (e.g. a reactive schedule that never fires);
 * where the text says "The second prints `…`", that command prints exactly that.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import { captureIo } from '../support/cli';
import { main } from '../../src/cli/main';

const root = join(__dirname, '..', '..');
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

type Step = { kind: 'file'; path: string; text: string } | { kind: 'command'; line: string; prints?: string[] };

/** Shell words: plain, '…' and "…" (no expansion: the docs' commands use none). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      for (; j < line.length && line[j] !== '"'; j++) text += line[j] === '\\' ? line[++j] : line[j];
      word = (word ?? '') + text;
      i = j;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

const COMMAND = /^(?:\$ )?(?:npx )?aml-triggers(?: (.*))?$/;
const PLACEHOLDER = /<[^>]*>|\[--|…|\.\.\./;
/** Commands that run until stopped (Ctrl+C): shown, not run here (test/cli/appCommands.test.ts runs them). */
const UNTIL_STOPPED = /--watch\b/;

function unindent(text: string): string {
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

function steps(markdown: string): Step[] {
  const out: Step[] = [];
  const fence = /^( *)```([^\n]*)\n([\s\S]*?)^ *```[ \t]*$/gm;
  let from = 0;
  const inline = (text: string): void => {
    for (const m of text.matchAll(/`(npx aml-triggers [^`]+)`/g))
      if (!PLACEHOLDER.test(m[1]!) && !UNTIL_STOPPED.test(m[1]!)) out.push({ kind: 'command', line: m[1]! });
  };
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) {
    inline(markdown.slice(from, m.index));
    from = fence.lastIndex;
    const info = m[2]!.trim();
    const body = unindent(m[3]!);
    const file = /\bfile=(\S+)/.exec(info)?.[1];
    if (file) {
      out.push({ kind: 'file', path: file, text: body });
      continue;
    }
    const after =
      markdown
        .slice(fence.lastIndex, fence.lastIndex + 600)
        .split(/\n\s*\n/)
        .find((p) => p.trim() !== '') ?? '';
    const printed = /^\s*(?:The (?:first|second|third|last) |It )prints ((?:`[^`]+`(?:, | and |, and )?)+)/.exec(
      after,
    )?.[1];
    const commands = body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => COMMAND.test(l) && !PLACEHOLDER.test(l) && !UNTIL_STOPPED.test(l));
    commands.forEach((line, i) => {
      // "The second prints …" / "It prints …": the expected output of the last command of the block.
      const prints =
        printed && i === commands.length - 1 ? [...printed.matchAll(/`([^`]+)`/g)].map((x) => x[1]!) : undefined;
      out.push({ kind: 'command', line, ...(prints ? { prints } : {}) });
    });
  }
  inline(markdown.slice(from));
  return out;
}

const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

function appFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'doc-commands-'));
  folders.push(folder);
  writeFileSync(join(folder, 'host.json'), '{"version":"2.0"}');
  cpSync(join(root, 'config'), join(folder, 'config'), { recursive: true });
  const sample = JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')) as {
    Values: Record<string, string>;
  };
  const { SCHEDULES_PATH: _s, AML_TARGETS_FILE: _t, ...values } = sample.Values;
  // What `npm start` creates, pointed at the test's Azurite; schedule files and targets at their defaults.
  writeFileSync(
    join(folder, 'local.settings.json'),
    JSON.stringify({
      IsEncrypted: false,
      Values: {
        ...values,
        AzureWebJobsStorage: azuriteConnectionString(),
        SCHEDULE_STATE_CONTAINER: uniqueContainerName('docs'),
      },
    }),
  );
  return folder;
}

describe("the docs' commands run as written", () => {
  const all = docs.map((doc) => ({ doc, steps: steps(readFileSync(join(root, doc), 'utf8')) }));

  it('finds the examples (the parser works)', () => {
    const count = (doc: string) => all.find((d) => d.doc === doc)!.steps.filter((s) => s.kind === 'command').length;
    expect(count('docs/walkthroughs.md')).toBeGreaterThanOrEqual(6);
    expect(count('README.md')).toBeGreaterThanOrEqual(2);
    expect(count('docs/recurrence.md')).toBeGreaterThanOrEqual(1);
    const walk = all.find((d) => d.doc === 'docs/walkthroughs.md')!.steps;
    expect(walk.find((s) => s.kind === 'command' && s.prints)).toMatchObject({
      prints: ['2026-03-23T08:30:00Z', '2026-03-30T07:30:00Z', '2026-04-06T07:30:00Z'],
    });
    expect(shellWords(`next --recurrence '{"a": 1}' --count=5 "x y"`)).toEqual([
      'next',
      '--recurrence',
      '{"a": 1}',
      '--count=5',
      'x y',
    ]);
  });

  for (const { doc, steps: list } of all) {
    if (!list.some((s) => s.kind === 'command')) continue;
    it(`${doc}: every aml-triggers example exits 0`, async () => {
      const folder = appFolder();
      for (const step of list) {
        if (step.kind === 'file') {
          mkdirSync(dirname(join(folder, step.path)), { recursive: true });
          writeFileSync(join(folder, step.path), step.text);
          continue;
        }
        const argv = shellWords(COMMAND.exec(step.line)![1] ?? '');
        const { io, stdout, stderr } = captureIo({}, () => new Date(), folder);
        const code = await main(argv, io);
        const problems = [
          ...stderr.filter((l) => !/^(warning|note): /.test(l)),
          ...stdout.filter((l) => /^\s*warning: /i.test(l)),
        ];
        expect({ command: step.line, code, stderr: problems }).toEqual({ command: step.line, code: 0, stderr: [] });
        if (step.prints) expect({ command: step.line, stdout }).toEqual({ command: step.line, stdout: step.prints });
      }
    }, 60_000);
  }
});
