/** Small helpers shared by subcommands: option parsing that reports errors as one user-facing line. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type Result, err, ok } from '../errors';
import type { CliIo } from './main';

/** Exit code of a command given wrong options or arguments. */
export const EXIT_USAGE = 2;

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

/** How a command names itself in a usage error: `<prefix>: <problem>; run \`<help command>\`.` */
export interface UsageSpec {
  /** The start of its error lines (`aml-triggers blob`), or none when its caller adds one. */
  readonly prefix?: string;
  /** The command that prints its help, e.g. `aml-triggers blob --help`. */
  readonly helpCommand: string;
}

/** Reports wrong options or arguments on stderr, with where the help is, and returns the exit code. */
export function usage(io: CliIo, spec: UsageSpec, line: string): number {
  io.stderr(`${spec.prefix === undefined ? '' : `${spec.prefix}: `}${line}; run \`${spec.helpCommand}\`.`);
  return EXIT_USAGE;
}

/** A command that takes options and exactly one argument (a blob, a target, a schedule). */
export interface OneArgumentCommand extends UsageSpec {
  /** Its options; `--help` / `-h` is added. */
  readonly options: OptionSpec;
  /** Printed for `--help`, a line each. */
  readonly help: readonly string[];
  /** Said when the argument is missing, e.g. `missing the target name (aml-triggers submit <target>)`. */
  readonly missing: string;
}

/**
 * Parses a one-argument command's options and argument: either what to run with, or the exit code when
 * there is nothing to run (help printed, or a usage error reported).
 */
export function parseOneArgument(
  argv: readonly string[],
  io: CliIo,
  command: OneArgumentCommand,
): { readonly exit: number } | { readonly values: ParsedOptions['values']; readonly argument: string } {
  const parsed = parseOptions(argv, { ...command.options, help: { type: 'boolean', short: 'h' } }, true);
  if (!parsed.ok) return { exit: usage(io, command, parsed.error) };
  const { values, positionals } = parsed.value;
  if (values.help === true) {
    for (const line of command.help) io.stdout(line);
    return { exit: 0 };
  }
  if (positionals.length !== 1)
    return {
      exit: usage(
        io,
        command,
        positionals.length === 0 ? command.missing : `unexpected argument ${JSON.stringify(positionals[1])}`,
      ),
    };
  return { values, argument: positionals[0]! };
}

const INSTANT = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/** An ISO 8601 instant: a date and time with `Z` or an offset (a bare wall-clock time is ambiguous). */
export function parseInstant(text: string): Date | undefined {
  if (!INSTANT.test(text.trim())) return undefined;
  const d = new Date(text.trim().replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? undefined : d;
}
