import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/config/checkCommand';
import { captureIo } from '../support/cli';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function io(env: Record<string, string> = {}) {
  const { io, stdout, stderr } = captureIo(env);
  return { out: stdout, errOut: stderr, io };
}

function root(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'host.json'), '{}');
  for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
  return dir;
}

describe('aml-triggers check-targets', () => {
  it('lists the targets of a valid file and exits 0', async () => {
    const dir = root({
      't.yaml': 'targets:\n  a:\n    endpoint_url: https://h/x\n    experiment_name: e\n    parameters: { p: 1 }\n',
    });
    const c = io();
    expect(await run(['--file', 't.yaml', '--app-root', dir], c.io)).toBe(0);
    expect(c.out).toEqual(['t.yaml: 1 target, valid.', '  a: endpoint https://h/x, experiment e, parameters p']);
  });

  it('prints every problem with file:line:column and exits 2', async () => {
    const dir = root({
      't.yaml': 'targets:\n  a:\n    endpoint_url: https://h/x\n    experiment_name: 1\n    tags: { x: 2 }\n',
    });
    const c = io();
    expect(await run(['--file', 't.yaml', '--app-root', dir], c.io)).toBe(2);
    expect(c.errOut).toEqual([
      't.yaml: 2 problems',
      '  t.yaml:4:5: targets.a.experiment_name must be a string, not an integer (value 1).',
      '  t.yaml:5:13: targets.a.tags.x must be a string, not an integer (value 2).',
    ]);
  });

  it('reads AML_TARGETS_FILE from the environment and refuses unknown arguments', async () => {
    const dir = root({ 'x.json': '{"targets": {}}' });
    const c = io({ AML_TARGETS_FILE: 'x.json' });
    expect(await run(['--app-root', dir], c.io)).toBe(0);
    expect(c.out[0]).toBe('x.json: 0 targets, valid.');
    expect(await run(['--bogus'], io().io)).toBe(2);
  });
});
