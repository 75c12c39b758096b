/**
 * `npm run demo` (its entry, scripts/demo.ts under tsx, as the npm script runs it): started as a child
 * process, it must show at least one scheduled and one reactive run at the fake Azure ML, label every
 * line, stop cleanly on Ctrl+C (SIGINT) with a count of the runs, and leave nothing running (its Azurite
 * port is closed afterwards). The every-minute schedule fires at the next whole minute, so the wait is
 * bounded by a generous limit, and ends as soon as both runs are seen.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { APP_ROOT } from '../support/registration';

const WAIT_FOR_RUNS_MS = 180_000;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

it(
  'npm run demo: a scheduled and a reactive run reach the fake Azure ML; Ctrl+C stops it and what it started',
  async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join('scripts', 'demo.ts'), '--tick-interval', '2', '--upload-after', '1'],
      { cwd: APP_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: string[] = [];
    let stderr = '';
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const fakeRuns = (kind: RegExp) => lines.filter((l) => l.startsWith('[fake Azure ML] started run') && kind.test(l));
    const deadline = Date.now() + WAIT_FOR_RUNS_MS;
    while (
      (fakeRuns(/trigger schedule/).length === 0 || fakeRuns(/for blob/).length === 0) &&
      child.exitCode === null &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGINT');
    const code = await exited;
    const output = `${lines.join('\n')}\n${stderr}`;

    expect(
      fakeRuns(/occurrence .* of schedule demo-every-minute \(trigger schedule\), experiment demo-train/),
      output,
    ).toHaveLength(fakeRuns(/trigger schedule/).length);
    expect(fakeRuns(/trigger schedule/).length, output).toBeGreaterThanOrEqual(1);
    expect(
      fakeRuns(/for blob \(schedule demo-on-upload\).*"RelativePath":"incoming\/sales-[^"]+\.csv"/),
      output,
    ).toHaveLength(1);
    expect(code, output).toBe(0);
    const summary = lines
      .map((l) => /^\[demo\] runs the fake Azure ML received: (\d+) scheduled, (\d+) reactive\.$/.exec(l))
      .find(Boolean);
    expect(summary, output).toBeTruthy();
    expect(Number(summary![1])).toBeGreaterThanOrEqual(1);
    expect(Number(summary![2])).toBe(1);
    // The history the app recorded names both runs.
    expect(
      lines.filter((l) => l.startsWith('[aml-triggers schedules history]') && / schedule +submitted /.test(l)).length,
    ).toBeGreaterThanOrEqual(1);
    expect(
      lines.filter((l) => l.startsWith('[aml-triggers schedules history]') && / blob +submitted /.test(l)).length,
    ).toBeGreaterThanOrEqual(1);
    // Every line says who speaks; nothing went to stderr.
    expect(
      lines.filter((l) => !/^\[(demo|fake Azure ML|fake managed identity|aml-triggers [a-z -]+)\] /.test(l)),
      output,
    ).toEqual([]);
    expect(stderr).toBe('');
    // What it started is stopped.
    const port = Number(
      /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(lines.find((l) => l.startsWith('[demo] Azurite')) ?? '')?.[1],
    );
    expect(port).toBeGreaterThan(0);
    expect(await portOpen(port)).toBe(false);
    expect(lines.at(-1)).toBe('[demo] stopped Azurite and the fakes, removed the temporary folders.');
  },
  WAIT_FOR_RUNS_MS + 60_000,
);
