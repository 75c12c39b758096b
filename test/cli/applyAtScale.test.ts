/**
 * `aml-triggers schedules apply` of hundreds of schedules (issue 11: "apply of 5,000 schedules: no
 * progress for minutes; afterwards 2,241 are still pending with no next run"): progress on stderr for
 * long applies only; afterwards every schedule has its state and next run, or is named with what failed
 * (exit code not 0), and running the same apply again finishes what was left undone.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG_BLOB, stateBlobName } from '../../src/schedules/blobNames';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import { cliRunner } from '../support/cli';

const NOW = new Date('2026-03-02T10:00:00.250Z');
const MANY = 120;

let dir: string;
let env: Record<string, string>;

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `s-${String(i).padStart(4, '0')}`);

function writeSchedules(file: string, n: number): string {
  const schedules = names(n).map((name, i) => ({
    name,
    pipeline_id: 'pub-x',
    experiment_name: 'x',
    recurrence: { frequency: 'Hour', interval: 1, start_time: `2026-01-01T00:${String(i % 60).padStart(2, '0')}:00Z` },
  }));
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify({ schedules }));
  return path;
}

let many: string;
let few: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aml-cli-apply-'));
  mkdirSync(join(dir, 'app-schedules'));
  many = writeSchedules('many.json', MANY);
  few = writeSchedules('few.json', 3);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  env = {
    AzureWebJobsStorage: azuriteConnectionString(),
    SCHEDULE_STATE_CONTAINER: uniqueContainerName('apply'),
    SCHEDULES_PATH: join(dir, 'app-schedules'),
  };
});

const { run, ok } = cliRunner(
  'schedules',
  () => env,
  () => NOW,
);

const container = () =>
  BlobServiceClient.fromConnectionString(azuriteConnectionString()).getContainerClient(env.SCHEDULE_STATE_CONTAINER!);

interface Listed {
  name: string;
  sync: string;
  nextRun?: string;
}

/** What `schedules list --json` (a fresh process's view) says of each schedule. */
async function listed(): Promise<Map<string, Listed>> {
  const out = await ok('list', '--json');
  const { schedules } = JSON.parse(out.join('\n')) as { schedules: Listed[] };
  return new Map(schedules.map((s) => [s.name, s]));
}

function withoutNextRun(all: Map<string, Listed>): string[] {
  return [...all.values()].filter((s) => s.sync !== 'synced' || !s.nextRun).map((s) => s.name);
}

describe(`apply of ${MANY} schedules`, () => {
  it('prints progress on stderr, and every schedule has its state and next run afterwards', async () => {
    const r = await run('apply', many, '--json');
    expect(r.code, r.stderr.join('\n')).toBe(0);
    const result = JSON.parse(r.stdout.join('\n')) as {
      created: number;
      schedules: { name: string; status?: string; nextRun?: string }[];
    };
    expect(result.created).toBe(MANY);
    expect(result.schedules.filter((s) => s.status !== 'Active' || !s.nextRun)).toEqual([]);
    // Progress: stored definitions, then schedules in effect, ending with the whole count; never more than a few dozen lines.
    expect(r.stderr).toContain(`aml-triggers schedules apply: stored ${MANY}/${MANY} definitions`);
    expect(r.stderr).toContain(`aml-triggers schedules apply: applied ${MANY}/${MANY} schedules (state and next run)`);
    expect(r.stderr.some((l) => /applied \d+\/120 schedules/.test(l) && !l.includes('120/120'))).toBe(true);
    expect(r.stderr.length).toBeLessThan(60);
    const all = await listed();
    expect(all.size).toBe(MANY);
    expect(withoutNextRun(all)).toEqual([]);
    // Applying again: nothing to store, every state read back (progress again), all still in place.
    const again = await run('apply', many);
    expect(again.code).toBe(0);
    expect(again.stdout.at(-1)).toBe(`${MANY} schedules: 0 created, 0 updated, ${MANY} unchanged.`);
    expect(again.stderr).toContain(`aml-triggers schedules apply: checked ${MANY}/${MANY} schedules already in place`);
  }, 180_000);

  it('a 3-schedule apply prints no progress', async () => {
    const r = await run('apply', few);
    expect(r.code).toBe(0);
    expect(r.stderr).toEqual([]);
    expect(r.stdout.at(-1)).toBe('3 schedules: 3 created, 0 updated, 0 unchanged.');
    expect(r.stdout.filter((l) => / Active, next run /.test(l))).toHaveLength(3);
  }, 60_000);

  it('an apply cut off half-way (definitions stored, part of the states not): the same apply again finishes it', async () => {
    expect((await run('apply', many)).code).toBe(0);
    // What an apply stopped during its sync leaves: the definitions index written, the catalog not, a
    // third of the states missing.
    const c = container();
    await c.getBlockBlobClient(CATALOG_BLOB).delete();
    const cut = names(MANY).filter((_, i) => i % 3 === 0);
    for (const name of cut) await c.getBlockBlobClient(stateBlobName(name)).delete();
    expect(withoutNextRun(await listed())).toEqual(cut);
    const r = await run('apply', many);
    expect(r.code, r.stderr.join('\n')).toBe(0);
    expect(r.stdout.at(-1)).toBe(`${MANY} schedules: 0 created, 0 updated, ${MANY} unchanged.`);
    expect(withoutNextRun(await listed())).toEqual([]);
  }, 180_000);

  it('a schedule whose state cannot be written is named, with what to do (exit not 0); the others are applied; after the repair the same apply finishes', async () => {
    const broken = 's-0060';
    await container().createIfNotExists();
    await container().getBlockBlobClient(stateBlobName(broken)).upload('{ not json', 10);
    const r = await run('apply', many);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toEqual([]);
    const err = r.stderr.join('\n');
    expect(err).toMatch(
      new RegExp(`schedule ${broken} was not applied: Blob [^ ]+/schedules/${broken}/state\\.json is not valid JSON`),
    );
    expect(err).toMatch(
      /1 of 120 schedules could not be brought into effect \(s-0060\).*Run the same apply again to finish/,
    );
    const before = await listed();
    expect(withoutNextRun(before)).toEqual([broken]);
    await container().getBlockBlobClient(stateBlobName(broken)).delete();
    const again = await run('apply', many);
    expect(again.code, again.stderr.join('\n')).toBe(0);
    expect(withoutNextRun(await listed())).toEqual([]);
  }, 180_000);
});
