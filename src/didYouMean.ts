/** "Did you mean …?": the allowed name closest to a misspelt one, for every file and request the app reads. */

/** The allowed name closest to `key` (case-insensitive match, or at most two edits away). */
export function suggest(key: string, allowed: readonly string[]): string | undefined {
  const lower = key.toLowerCase().replace(/[-_]/g, '');
  const exact = allowed.find((a) => a.toLowerCase().replace(/[-_]/g, '') === lower);
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = 3;
  for (const a of allowed) {
    const d = editDistance(key.toLowerCase(), a.toLowerCase());
    if (d < bestDistance) {
      best = a;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
