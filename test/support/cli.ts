/**
 * Runs `aml-triggers <command> ...` in-process through the CLI's `main(argv, io)` with captured output,
 * the way bin/aml-triggers.js does, for CLI tests.
 */
import { expect } from 'vitest';
import { main, type CliIo } from '../../src/cli/main';

export interface CliResult {
  readonly code: number;
  readonly stdout: string[];
  readonly stderr: string[];
}

/** `env` is read on every call, so a test can switch settings between calls. */
export function cliRunner(command: string, env: () => CliIo['env'], now: () => Date): { run(...argv: string[]): Promise<CliResult>; ok(...argv: string[]): Promise<string[]> } {
  const run = async (...argv: string[]): Promise<CliResult> => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: CliIo = { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: env(), now };
    const code = await main([command, ...argv], io);
    return { code, stdout, stderr };
  };
  /** Runs and expects success (exit 0, nothing on stderr but warnings); returns stdout. */
  const ok = async (...argv: string[]): Promise<string[]> => {
    const r = await run(...argv);
    expect(r.stderr.filter((l) => !l.startsWith('warning:')), r.stderr.join('\n')).toEqual([]);
    expect(r.code).toBe(0);
    return r.stdout;
  };
  return { run, ok };
}
