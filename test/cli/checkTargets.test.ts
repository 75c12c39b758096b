import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';

const repo = join(__dirname, '..', '..');

function capture(env: Record<string, string> = {}) {
  const out: string[] = [];
  const errOut: string[] = [];
  return { out, errOut, io: { stdout: (l: string) => out.push(l), stderr: (l: string) => errOut.push(l), env, now: () => new Date(0) } };
}

describe('aml-triggers check-targets (through the command table)', () => {
  it('is listed in --help and validates the shipped sample targets file', async () => {
    const help = capture();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.out.some((l) => l.trim().startsWith('check-targets'))).toBe(true);

    const c = capture({ AML_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000', AML_RESOURCE_GROUP: 'rg', AML_WORKSPACE_NAME: 'ws', NIGHTLY_PIPELINE_ID: '11111111-2222-3333-4444-555555555555' });
    const code = await main(['check-targets', '--file', 'config/pipelines.sample.yaml', '--app-root', repo], c.io);
    expect(c.errOut).toEqual([]);
    expect(code).toBe(0);
    expect(c.out[0]).toMatch(/^config\/pipelines\.sample\.yaml: \d+ targets?, valid\.$/);
  });

  it('exits 2 naming the file when it does not exist', async () => {
    const c = capture();
    expect(await main(['check-targets', '--file', 'config/missing.yaml', '--app-root', repo], c.io)).toBe(2);
    expect(c.out).toEqual([]);
    expect(c.errOut.join('\n')).toContain('missing.yaml');
  });
});
