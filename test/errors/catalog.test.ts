/**
 * Every error code the app can emit is in the catalog (src/errorCatalog.ts) with its status, meaning and
 * what to do. TypeScript already refuses an `AppError` whose code is not a catalog key; this test also
 * refuses code-like string literals in src/ that are not catalog codes (a code built as a plain string,
 * a telemetry check name reported as a code), and catalog entries no source raises.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appError } from '../../src/errors';
import { ERROR_CATALOG, ERROR_FAMILIES, isErrorCode } from '../../src/errorCatalog';
import { toProblem } from '../../src/http/problem';

const root = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const families = ERROR_FAMILIES.map((f) => f.family).join('|');
/** A quoted literal shaped like a code of one of the catalog's families: `'schedule.target.unknown'`. */
const CODE_LITERAL = new RegExp(`(['\`])((?:${families})\\.[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*)\\1`, 'g');
/** Lines where such a literal names something else: a telemetry event or operation, a settings/blob name. */
const NOT_A_CODE = /telemetry\.event\(|\.event\(|operation: |startsWith\(/;

function literalsInSources(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const path of sources(join(root, 'src'))) {
    const file = relative(root, path).split('\\').join('/');
    if (file === 'src/errorCatalog.ts') continue;
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, i, lines) => {
        // A call the formatter wraps puts its first argument on the next line: `telemetry.event(\n  'name'`.
        const previous = i > 0 ? lines[i - 1]! : '';
        if (NOT_A_CODE.test(line) || /\.event\($/.test(previous.trimEnd())) return;
        for (const m of line.matchAll(CODE_LITERAL)) {
          const code = m[2]!;
          if (!found.has(code)) found.set(code, []);
          found.get(code)!.push(`${file}:${i + 1}`);
        }
      });
  }
  return found;
}

describe('error catalog', () => {
  const literals = literalsInSources();
  const sourceText = sources(join(root, 'src'))
    .map((p) => readFileSync(p, 'utf8'))
    .join('\n');

  it('lists every code-like literal in src/', () => {
    expect(literals.size).toBeGreaterThan(150);
    const missing = [...literals]
      .filter(([code]) => !isErrorCode(code))
      .map(([code, where]) => `${code} (${where.join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('has no entry that nothing raises (each code appears in src/, or is a recurrence code reported from a schedule file)', () => {
    const unused = Object.keys(ERROR_CATALOG).filter((code) => {
      if (literals.has(code)) return false;
      if (code === 'internal') return !sourceText.includes("code: 'internal'");
      if (code.startsWith('schedule.recurrence.')) return !isErrorCode(code.slice('schedule.'.length));
      // Built from parts (`recurrence.${key}.not_allowed`, ...): the family's parts appear in src/recurrence/validate.ts.
      return !/^recurrence\.(hours|minutes|time_of_day)\./.test(code);
    });
    expect(unused).toEqual([]);
  });

  it('gives every code a status, a meaning and what to do, in a known family', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.status, code).toBeLessThan(600);
      expect(entry.title.length, code).toBeGreaterThan(10);
      expect(entry.hint.length, code).toBeGreaterThan(5);
      expect(
        ERROR_FAMILIES.some(({ family }) => code === family || code.startsWith(`${family}.`)),
        code,
      ).toBe(true);
    }
  });

  it('builds the one message of a templated code, naming the schedule, with the catalog status', () => {
    const error = appError(
      'schedule.state.contended',
      { name: 'nightly', attempts: 5 },
      { field: 'name', value: 'nightly' },
    );
    expect(error).toMatchObject({
      code: 'schedule.state.contended',
      status: 409,
      transient: true,
      field: 'name',
      value: 'nightly',
    });
    expect(error.message).toBe(
      'The state of schedule "nightly" kept changing while it was being updated (5 attempts); try again.',
    );
    expect(toProblem(error)).toMatchObject({
      status: 409,
      code: 'schedule.state.contended',
      type: expect.stringMatching(/docs\/errors\.md#schedule-state-contended$/),
    });
  });
});
