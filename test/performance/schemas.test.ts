/**
 * The JSON Schema validators compiled at build time (scripts/schemas.mjs, ajv standalone) are the ones the
 * schemas in src/ give: a schema changed without regenerating would validate files by the old rules.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

describe('precompiled schema validators', () => {
  it('are what scripts/schemas.mjs generates from the schemas (run `node scripts/schemas.mjs` after changing one)', async () => {
    const generated = (await import(join(root, 'scripts', 'schemas.mjs'))) as {
      scheduleValidatorText(): string;
      targetsValidatorText(): string;
    };
    expect(readFileSync(join(root, 'src', 'schedules', 'schedule.validate.ts'), 'utf8')).toBe(
      generated.scheduleValidatorText(),
    );
    expect(readFileSync(join(root, 'src', 'config', 'targets.validate.ts'), 'utf8')).toBe(
      generated.targetsValidatorText(),
    );
  }, 60_000);
});
