/**
 * The commands that take one argument (`blob <container>/<path>`, `submit <target>`, `schedules run
 * <name>`) answer a mistyped command line the same way, before touching any settings or storage: help
 * on --help, and otherwise exit 2 with one line that says what is wrong and where the help is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';

/** An empty folder and no settings: a command that got past its arguments would fail on its settings. */
const dir = mkdtempSync(join(tmpdir(), 'cli-one-argument-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(argv, {
    stdout: (l) => stdout.push(l),
    stderr: (l) => stderr.push(l),
    env: {},
    cwd: dir,
    now: () => new Date('2026-03-02T10:00:00Z'),
  });
  return { code, stdout, stderr };
}

const COMMANDS = [
  {
    argv: ['blob'],
    usage: /^Usage: aml-triggers blob <container>\/<path>/,
    prefix: 'aml-triggers blob: ',
    help: 'aml-triggers blob --help',
    missing: 'missing the blob, as <container>/<path>',
    argument: 'incoming/a.csv',
  },
  {
    argv: ['submit'],
    usage: /^Usage: aml-triggers submit <target>/,
    prefix: 'aml-triggers submit: ',
    help: 'aml-triggers submit --help',
    missing: 'missing the target name (aml-triggers submit <target>)',
    argument: 'train',
  },
  {
    argv: ['schedules', 'run'],
    usage: /^Usage: aml-triggers schedules run <name>/,
    prefix: 'aml-triggers schedules run: ',
    help: 'aml-triggers schedules --help',
    missing: 'missing schedule name (aml-triggers schedules run <name>)',
    argument: 'nightly',
  },
];

describe.each(COMMANDS)('aml-triggers $argv', (c) => {
  it('prints its usage for --help and -h, exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await run(...c.argv, flag);
      expect(r.code).toBe(0);
      expect(r.stdout[0]).toMatch(c.usage);
      expect(r.stderr).toEqual([]);
    }
  });

  it('without its argument: exit 2, saying what is missing and where the help is', async () => {
    const r = await run(...c.argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([`${c.prefix}${c.missing}; run \`${c.help}\`.`]);
  });

  it('with a second argument: exit 2, naming it', async () => {
    const r = await run(...c.argv, c.argument, 'extra');
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([`${c.prefix}unexpected argument "extra"; run \`${c.help}\`.`]);
  });

  it('with an unknown option: exit 2, naming it', async () => {
    const r = await run(...c.argv, c.argument, '--frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toContain("'--frobnicate'");
    expect(r.stderr[0]).toContain(`; run \`${c.help}\`.`);
  });
});
