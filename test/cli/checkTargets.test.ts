import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { captureIo } from '../support/cli';

const repo = join(__dirname, '..', '..');

function capture(env: Record<string, string> = {}, cwd?: string) {
  const { io, stdout, stderr } = captureIo(env, () => new Date(0), cwd);
  return { out: stdout, errOut: stderr, io };
}

describe('aml-triggers check-targets (through the command table)', () => {
  it('is listed in --help and validates the shipped sample targets file', async () => {
    const help = capture();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.out.some((l) => l.trim().startsWith('check-targets'))).toBe(true);

    const c = capture({
      AML_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000',
      AML_RESOURCE_GROUP: 'rg',
      AML_WORKSPACE_NAME: 'ws',
      NIGHTLY_PIPELINE_ID: '11111111-2222-3333-4444-555555555555',
    });
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

describe('check-targets reads local.settings.json like the schedules commands', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const f of folders) rmSync(f, { recursive: true, force: true });
  });
  function appFolder(values: Record<string, string>): string {
    const folder = mkdtempSync(join(tmpdir(), 'check-targets-app-'));
    folders.push(folder);
    writeFileSync(join(folder, 'host.json'), '{"version":"2.0"}');
    mkdirSync(join(folder, 'config'));
    writeFileSync(
      join(folder, 'config', 'mine.yaml'),
      'targets:\n  nightly:\n    pipeline_id: "%NIGHTLY_PIPELINE_ID%"\n    experiment_name: nightly\n',
    );
    writeFileSync(join(folder, 'local.settings.json'), JSON.stringify({ IsEncrypted: false, Values: values }));
    return folder;
  }
  const WORKSPACE = {
    AML_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000',
    AML_RESOURCE_GROUP: 'rg',
    AML_WORKSPACE_NAME: 'ws',
  };

  it('AML_TARGETS_FILE and %SETTING% values come from the file in the folder it runs in', async () => {
    const folder = appFolder({
      AML_TARGETS_FILE: 'config/mine.yaml',
      NIGHTLY_PIPELINE_ID: '11111111-2222-3333-4444-555555555555',
      ...WORKSPACE,
    });
    const c = capture({}, folder);
    expect(await main(['check-targets'], c.io)).toBe(0);
    expect(c.errOut).toEqual([]);
    expect(c.out).toEqual([
      'config/mine.yaml: 1 target, valid.',
      '  nightly: published pipeline 11111111-2222-3333-4444-555555555555 in ws (rg), experiment nightly',
    ]);
    // The environment wins over the file.
    const env = capture({ NIGHTLY_PIPELINE_ID: 'from-env' }, folder);
    expect(await main(['check-targets'], env.io)).toBe(0);
    expect(env.out[1]).toContain('published pipeline from-env');
  });

  it('a placeholder id left from the sample is an error naming the field, the value and the setting (exit 2)', async () => {
    const folder = appFolder({
      AML_TARGETS_FILE: 'config/mine.yaml',
      NIGHTLY_PIPELINE_ID: '<published-pipeline-id>',
      ...WORKSPACE,
    });
    const c = capture({}, folder);
    expect(await main(['check-targets'], c.io)).toBe(2);
    expect(c.out).toEqual([]);
    expect(c.errOut).toEqual([
      'config/mine.yaml: 1 problem',
      expect.stringMatching(
        /^ {2}targets\.nightly\.pipeline_id is still a placeholder, "<published-pipeline-id>" \(from %NIGHTLY_PIPELINE_ID%\): put the real value there/,
      ),
    ]);
  });

  it('the shipped sample settings with the sample targets file: the placeholder is reported', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'check-targets-sample-'));
    folders.push(folder);
    writeFileSync(join(folder, 'host.json'), '{"version":"2.0"}');
    mkdirSync(join(folder, 'config'));
    writeFileSync(
      join(folder, 'config', 'pipelines.sample.yaml'),
      readFileSync(join(repo, 'config', 'pipelines.sample.yaml')),
    );
    writeFileSync(join(folder, 'local.settings.json'), readFileSync(join(repo, 'local.settings.sample.json')));
    const c = capture({}, folder);
    expect(await main(['check-targets'], c.io)).toBe(2);
    expect(c.errOut.join('\n')).toMatch(/targets\.nightly-retrain\.pipeline_id .*NIGHTLY_PIPELINE_ID/);
  });
});
