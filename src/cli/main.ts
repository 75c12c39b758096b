/**
 * `aml-triggers` command line: a table from subcommand name to the module that runs it.
 * `bin/aml-triggers.js` calls `main(process.argv.slice(2), io)` and exits with the code it resolves to.
 * To add a subcommand, import its module and add one row to `commands`.
 */
import * as next from './next';
import * as schedules from './schedules';
import * as checkTargets from '../config/checkCommand';
import * as tick from './tick';
import * as blob from './blob';
import * as submit from './submit';
import * as targets from './targets';
import { EXIT_USAGE } from './args';

export { EXIT_USAGE };

export interface CliIo {
  stdout(line: string): void;
  stderr(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The folder the command runs in: `local.settings.json` and the app folder are looked up from here. */
  readonly cwd: string;
  now(): Date;
  /** Aborted on Ctrl+C / SIGTERM (bin/aml-triggers.js): long-running commands (`tick --watch`) stop cleanly. */
  readonly signal?: AbortSignal;
}

/** What a subcommand module exports. `run` resolves to the exit code (0 ok, 2 invalid input, 1 failure). */
export interface CliCommand {
  readonly summary: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

export const commands: Readonly<Record<string, CliCommand>> = {
  next,
  schedules,
  'check-targets': checkTargets,
  tick,
  blob,
  submit,
  targets,
};

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;

function usage(): string[] {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    'Usage: aml-triggers <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `aml-triggers <command> --help` for a command's options.",
  ];
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr('aml-triggers: missing command; run `aml-triggers --help` to list the commands.');
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    for (const line of usage()) io.stdout(line);
    return EXIT_OK;
  }
  const command = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.stderr(
      `aml-triggers: unknown command ${JSON.stringify(name)}; known commands: ${Object.keys(commands).join(', ')}.`,
    );
    return EXIT_USAGE;
  }
  return command.run(rest, io);
}
