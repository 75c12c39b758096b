/** Small helpers shared by subcommands: option parsing that reports errors as one user-facing line. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type Result, err, ok } from '../errors';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedOptions {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/** Parses `--name value` / `--name=value` options strictly (unknown options are errors). */
export function parseOptions(
  argv: readonly string[],
  options: OptionSpec,
  allowPositionals = false,
): Result<ParsedOptions, string> {
  try {
    const parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals });
    return ok({
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    });
  } catch (e) {
    return err(e instanceof Error ? e.message.replace(/\s+/g, ' ').trim() : String(e));
  }
}

const INSTANT = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/** An ISO 8601 instant: a date and time with `Z` or an offset (a bare wall-clock time is ambiguous). */
export function parseInstant(text: string): Date | undefined {
  if (!INSTANT.test(text.trim())) return undefined;
  const d = new Date(text.trim().replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? undefined : d;
}
