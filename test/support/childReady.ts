/**
 * Waits until a server started as a child process prints that it is ready. Rejects (and kills it) when
 * it prints a failure, exits first, or takes longer than `timeoutMs`, with what it printed. Once ready,
 * its output is drained and no longer kept.
 */
import type { ChildProcess } from 'node:child_process';

export interface ReadyOptions {
  /** Used in the error messages, e.g. "Azurite on port 10000". */
  readonly name: string;
  readonly ready: RegExp;
  readonly failed?: RegExp;
  readonly timeoutMs: number;
}

export function childReady(child: ChildProcess, options: ReadyOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const stopListening = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.stdout?.resume();
      child.stderr?.resume();
    };
    const fail = (why: string): void => {
      stopListening();
      child.kill('SIGKILL');
      reject(new Error(`${options.name} ${why}:\n${output}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${options.timeoutMs / 1000} s`), options.timeoutMs);
    function onData(chunk: Buffer): void {
      if (output.length < 64_000) output += chunk.toString();
      if (options.ready.test(output)) {
        stopListening();
        resolve();
      } else if (options.failed?.test(output)) {
        fail('failed to start');
      }
    }
    function onExit(code: number | null): void {
      stopListening();
      reject(new Error(`${options.name} exited with code ${String(code)} before it was ready:\n${output}`));
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}
