/** The progress lines of long CLI work (src/cli/progress.ts): when a line is printed, with a fake clock. */
import { describe, expect, it } from 'vitest';
import { count, progressPrinter, type ProgressLine } from '../../src/cli/progress';

const applied: ProgressLine = (done, total) => `applied ${count(done)}/${count(total)}`;
const stored: ProgressLine = (done, total) => `stored ${count(done)}/${count(total)}`;

function run(total: number, options: { msPerItem?: number; minTotal?: number } = {}, line = applied): string[] {
  const lines: string[] = [];
  let now = 0;
  const report = progressPrinter((l) => lines.push(l), {
    clock: () => now,
    ...(options.minTotal !== undefined ? { minTotal: options.minTotal } : {}),
  });
  for (let done = 1; done <= total; done++) {
    now += options.msPerItem ?? 0;
    report(line, done, total);
  }
  return lines;
}

describe('progressPrinter', () => {
  it('prints nothing for small work, however slow', () => {
    expect(run(3, { msPerItem: 10_000 })).toEqual([]);
    expect(run(99, { msPerItem: 10_000 })).toEqual([]);
  });

  it('prints each tenth of large work, the last one included, with thousands separators', () => {
    expect(run(5000)).toEqual(
      [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000].map((n) => `applied ${count(n)}/5,000`),
    );
    expect(run(100)).toHaveLength(10);
    expect(run(123).at(-1)).toBe('applied 123/123');
  });

  it('between tenths, a line at least every 2 seconds when the work is slow', () => {
    const lines = run(200, { msPerItem: 1000 });
    // 20 items per tenth, 1 s each: the tenth's line, then one every other second.
    expect(lines.slice(0, 3)).toEqual(['applied 2/200', 'applied 4/200', 'applied 6/200']);
    expect(lines.at(-1)).toBe('applied 200/200');
  });

  it('each kind of line keeps its own tenths; a repeated last item is printed once', () => {
    const lines: string[] = [];
    const report = progressPrinter((l) => lines.push(l), { clock: () => 0 });
    for (let done = 1; done <= 100; done++) report(stored, done, 100);
    report(stored, 100, 100);
    for (let done = 1; done <= 100; done++) report(applied, done, 100);
    expect(lines.filter((l) => l.startsWith('stored'))).toHaveLength(10);
    expect(lines.filter((l) => l.startsWith('applied'))).toHaveLength(10);
  });
});
