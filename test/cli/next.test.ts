/**
 * `aml-triggers next`: through `main()` with captured io, and through the real bin in a child process
 * (after compiling with tsc, as `npm run build` does) for exit codes and the two streams.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main';

const NOW = new Date('2026-11-24T17:10:00.500Z');

async function run(...argv: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: {}, now: () => NOW, cwd: dir };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const weekly = JSON.stringify({
  frequency: 'Week',
  interval: 2,
  start_time: '2026-01-07T09:00:00',
  time_zone: 'W. Europe Standard Time',
  week_days: ['Monday', 'Friday'],
  time_of_day: '17:30',
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aml-next-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('next via main()', () => {
  it('prints the next 5 occurrences after --after, one per line, ISO UTC without fractions', async () => {
    const r = await run('next', '--recurrence', weekly, '--after', '2026-01-01T00:00:00Z');
    expect(r).toEqual({
      code: 0,
      stdout: [
        '2026-01-09T16:30:00Z',
        '2026-01-19T16:30:00Z',
        '2026-01-23T16:30:00Z',
        '2026-02-02T16:30:00Z',
        '2026-02-06T16:30:00Z',
      ],
      stderr: [],
    });
  });

  it('--count, --after with an offset, and --name=value form', async () => {
    const r = await run('next', `--recurrence=${weekly}`, '--after=2026-01-09T17:30:00+01:00', '--count', '2');
    expect(r.stdout).toEqual(['2026-01-19T16:30:00Z', '2026-01-23T16:30:00Z']);
  });

  it('defaults --after to now and the start to now when start_time is absent', async () => {
    const r = await run('next', '--recurrence', '{"frequency":"minute","interval":20}', '-n', '3');
    expect(r).toEqual({
      code: 0,
      stdout: ['2026-11-24T17:30:00Z', '2026-11-24T17:50:00Z', '2026-11-24T18:10:00Z'],
      stderr: [],
    });
    const daily = await run(
      'next',
      '--recurrence',
      '{"frequency":"Day","interval":1,"start_time":"2020-02-02T06:45:00","time_zone":"Tokyo Standard Time"}',
      '--count',
      '1',
    );
    expect(daily.stdout).toEqual(['2026-11-24T21:45:00Z']);
  });

  it('reads --recurrence @file.json', async () => {
    const file = join(dir, 'rec.json');
    writeFileSync(file, weekly);
    const r = await run('next', '--recurrence', `@${file}`, '--after', '2026-01-01T00:00:00Z', '--count', '1');
    expect(r).toEqual({ code: 0, stdout: ['2026-01-09T16:30:00Z'], stderr: [] });
  });

  it.each([
    { args: ['--recurrence', '{"frequency":"Day","interval":501}'], says: ['recurrence.interval', '501'] },
    { args: ['--recurrence', '{"frequency":"Day","interval":1,"hours":[25]}'], says: ['recurrence.hours[0]', '25'] },
    {
      args: ['--recurrence', '{"frequency":"Day","interval":1,"time_zone":"Atlantis"}'],
      says: ['recurrence.time_zone', '"Atlantis"'],
    },
    {
      args: ['--recurrence', '{"frequency":"Day","interval":1,"hour":[1]}'],
      says: ['recurrence.hour', 'not a recurrence field'],
    },
    {
      args: ['--recurrence', '{"frequency":"Fortnight","interval":0}'],
      says: ['recurrence.frequency', '"Fortnight"', 'recurrence.interval'],
    },
    { args: ['--recurrence', '{frequency:Day}'], says: ['--recurrence', 'not valid JSON', '{frequency:Day}'] },
    { args: ['--recurrence', '@/no/such/file.json'], says: ['--recurrence', '/no/such/file.json', 'ENOENT'] },
    { args: ['--recurrence', weekly, '--after', '2026-01-01T00:00:00'], says: ['--after', '"2026-01-01T00:00:00"'] },
    { args: ['--recurrence', weekly, '--count', '0'], says: ['--count', '"0"'] },
    { args: ['--recurrence', weekly, '--count', 'ten'], says: ['--count', '"ten"'] },
    { args: ['--after', '2026-01-01T00:00:00Z'], says: ['--recurrence is missing'] },
    { args: ['--recurrence', weekly, '--every', '5'], says: ["'--every'"] },
  ])(
    'invalid input $args.0 … → exit 2, one stderr line naming the field and value, empty stdout',
    async ({ args, says }) => {
      const r = await run('next', ...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toEqual([]);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(/^aml-triggers next: /);
      for (const s of says) expect(r.stderr[0]).toContain(s);
    },
  );

  it('--count -3 is a value to check, not an unknown option', async () => {
    for (const args of [['--count', '-3'], ['-n', '-3'], ['--count=-3']]) {
      const r = await run('next', '--recurrence', weekly, ...args);
      expect(r).toEqual({
        code: 2,
        stdout: [],
        stderr: ['aml-triggers next: --count is "-3"; give a whole number from 1 to 10000.'],
      });
    }
  });

  it('a zone-less start_time without time_zone is UTC, and a note says so', async () => {
    const r = await run(
      'next',
      '--recurrence',
      '{"frequency":"Day","interval":1,"start_time":"2026-03-01T02:30:00"}',
      '--after',
      '2026-03-28T00:00:00Z',
      '--count',
      '2',
    );
    expect(r.stdout).toEqual(['2026-03-28T02:30:00Z', '2026-03-29T02:30:00Z']);
    expect(r.stderr).toEqual([
      expect.stringMatching(/^note: start_time has no zone and time_zone is not set: it is read as UTC/),
    ]);
  });

  describe('--file --name: a schedule from a schedule file, offline, as the app runs it', () => {
    it('previews a schedule of our format and of an SDK v1 file (zone-less start_time: GMT Standard Time, as the app runs it)', async () => {
      writeFileSync(
        join(dir, 'ours.yaml'),
        'schedules:\n  - name: mon\n    target: t\n    recurrence: { frequency: Week, interval: 1, week_days: [Monday], time_of_day: "9:30", start_time: "2026-01-01T00:00:00" }\n    time_zone: W. Europe Standard Time\n',
      );
      const ours = await run(
        'next',
        '--file',
        'ours.yaml',
        '--name',
        'mon',
        '--after',
        '2026-03-25T00:00:00Z',
        '--count',
        '2',
      );
      expect(ours).toEqual({ code: 0, stdout: ['2026-03-30T07:30:00Z', '2026-04-06T07:30:00Z'], stderr: [] });

      writeFileSync(
        join(dir, 'v1-nightly.yaml'),
        'Schedule:\n  target: t\n  recurrence:\n    frequency: Day\n    interval: 1\n    start_time: "2026-03-01T02:30:00"\n',
      );
      const v1 = await run(
        'next',
        '--file',
        'v1-nightly.yaml',
        '--name',
        'v1-nightly',
        '--after',
        '2026-03-28T00:00:00Z',
        '--count',
        '2',
      );
      // London time: GMT until 29 March, then BST (UTC+1).
      expect(v1.stdout).toEqual(['2026-03-28T02:30:00Z', '2026-03-29T01:30:00Z']);
      expect(v1.stderr).toEqual([expect.stringMatching(/^warning: v1-nightly\.yaml:6: .*GMT Standard Time/)]);
    });

    it('errors name the file and the schedule: unknown name, reactive schedule, invalid file, missing --name', async () => {
      writeFileSync(
        join(dir, 'two.yaml'),
        '- { name: a, target: t, recurrence: { frequency: Day, interval: 1 } }\n- { name: up, target: t, datastore: ds }\n',
      );
      expect((await run('next', '--file', 'two.yaml', '--name', 'zz')).stderr).toEqual([
        'aml-triggers next: no schedule named "zz" in "two.yaml"; it defines a, up.',
      ]);
      expect((await run('next', '--file', 'two.yaml', '--name', 'up')).stderr[0]).toMatch(
        /^aml-triggers next: schedule "up" is reactive/,
      );
      expect((await run('next', '--file', 'two.yaml')).stderr).toEqual([
        'aml-triggers next: --name is missing; give the name of a schedule in "two.yaml".',
      ]);
      writeFileSync(join(dir, 'bad.yaml'), 'name: b\ntarget: t\nrecurrence: { frequency: Day, interval: 0 }\n');
      const bad = await run('next', '--file', 'bad.yaml', '--name', 'b');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toHaveLength(1);
      expect(bad.stderr[0]).toMatch(/^aml-triggers next: bad\.yaml:3: .*recurrence\.interval/);
      const none = await run('next', '--file', 'nothing.yaml', '--name', 'b');
      expect(none.stderr[0]).toMatch(/^aml-triggers next: --file "nothing\.yaml": .*does not exist/);
    });
  });

  it('help and command errors', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout.join('\n')).toMatch(/next +Print the next occurrences/);
    const nextHelp = await run('next', '--help');
    expect(nextHelp.code).toBe(0);
    expect(nextHelp.stdout[0]).toMatch(/^Usage: aml-triggers next --recurrence/);
    expect(await run('nope')).toMatchObject({ code: 2, stdout: [], stderr: [expect.stringContaining('"nope"')] });
    expect(await run()).toMatchObject({ code: 2, stdout: [] });
  });
});

describe('the real bin', () => {
  const root = join(__dirname, '..', '..');
  const bin = join(root, 'bin', 'aml-triggers.js');
  beforeAll(() => {
    // Compile like `npm run build`; type errors elsewhere in the tree (other work in progress) do not
    // stop tsc from emitting, so only the emitted entry point is checked.
    try {
      execFileSync(
        process.execPath,
        [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')],
        { stdio: 'pipe' },
      );
    } catch {
      /* emitted anyway */
    }
    expect(existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))).toBe(true);
  }, 120_000);

  const node = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });

  it('exit 0 and the occurrences on stdout', () => {
    const r = node('next', '--recurrence', weekly, '--after', '2026-01-01T00:00:00Z', '--count', '3');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('2026-01-09T16:30:00Z\n2026-01-19T16:30:00Z\n2026-01-23T16:30:00Z\n');
    expect(r.stderr).toBe('');
  });

  it('exit 2, one line on stderr, nothing on stdout for an invalid recurrence', () => {
    const r = node('next', '--recurrence', '{"frequency":"Week","interval":72,"week_days":["Funday"]}');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('recurrence.interval is 72');
    expect(lines[0]).toContain('recurrence.week_days[0] is "Funday"');
  });

  it('reads @file relative to the working directory', () => {
    writeFileSync(
      join(dir, 'daily.json'),
      '{"frequency":"Day","interval":1,"start_time":"2019-03-08T02:30:00","time_zone":"Central Standard Time"}',
    );
    const r = node('next', '--recurrence', '@daily.json', '--after', '2019-03-08T00:00:00Z', '--count', '4');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      '2019-03-08T08:30:00Z',
      '2019-03-09T08:30:00Z',
      '2019-03-10T08:30:00Z',
      '2019-03-11T07:30:00Z',
    ]);
  });
});
