/**
 * Runs `aml-triggers <command> ...` in-process through the CLI's `main(argv, io)` with captured output,
 * the way bin/aml-triggers.js does, for CLI tests. Commands run in an empty folder of their own (`io.cwd`)
 * unless a test gives one, so they see only the settings the test passes, never a local.settings.json.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { main, type CliIo } from '../../src/cli/main';

export interface CliResult {
  readonly code: number;
  readonly stdout: string[];
  readonly stderr: string[];
}

/** An empty folder for commands to run in. */
export function emptyCwd(): string {
  return mkdtempSync(join(tmpdir(), 'aml-cli-cwd-'));
}

/** A captured io: what the command printed, with `env`, `now` and `cwd` as given. */
export function captureIo(
  env: CliIo['env'] = {},
  now: () => Date = () => new Date(0),
  cwd: string = emptyCwd(),
): { io: CliIo; stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { io: { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env, now, cwd }, stdout, stderr };
}

/** `env` (and `cwd`, when given) are read on every call, so a test can switch settings between calls. */
export function cliRunner(
  command: string,
  env: () => CliIo['env'],
  now: () => Date,
  cwd?: () => string,
): { run(...argv: string[]): Promise<CliResult>; ok(...argv: string[]): Promise<string[]> } {
  const own = emptyCwd();
  const run = async (...argv: string[]): Promise<CliResult> => {
    const { io, stdout, stderr } = captureIo(env(), now, cwd?.() ?? own);
    const code = await main([command, ...argv], io);
    return { code, stdout, stderr };
  };
  /** Runs and expects success (exit 0, nothing on stderr but warnings); returns stdout. */
  const ok = async (...argv: string[]): Promise<string[]> => {
    const r = await run(...argv);
    expect(
      r.stderr.filter((l) => !l.startsWith('warning:')),
      r.stderr.join('\n'),
    ).toEqual([]);
    expect(r.code).toBe(0);
    return r.stdout;
  };
  return { run, ok };
}
