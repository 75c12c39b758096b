/**
 * Every test file runs in a "used checkout": the working directory is a folder holding what a user
 * creates by following the README (`local.settings.json` from `npm start`, `config/pipelines.yaml`,
 * `config/schedules/`, host.json), each filled with values that break whatever reads them. A test that
 * reads the user's files instead of the settings it was given fails here as it would on a developer's
 * machine after `npm start` (GUIDE: no test may read files a user creates).
 *
 * Loaded by vitest.config.ts `setupFiles` in each test process (pool `forks`, so `chdir` is allowed).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Settings a user's local.settings.json may hold; a test that sees any of them read the file. */
export const USED_CHECKOUT_SETTINGS = {
  AzureWebJobsStorage:
    'BlobEndpoint=http://127.0.0.1:9/read-local-settings-json;AccountName=usedcheckout;AccountKey=dXNlZA==',
  AML_TARGETS_FILE: 'targets-from-local-settings-json.yaml',
  SCHEDULES_PATH: 'schedules-from-local-settings-json',
  SCHEDULE_STATE_CONTAINER: 'from-local-settings-json',
  AML_SUBSCRIPTION_ID: 'from-local-settings-json',
} as const;

const KEY = Symbol.for('aml-triggers.test.usedCheckout');
const state = globalThis as unknown as Record<symbol, string | undefined>;

if (state[KEY] === undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'used-checkout-'));
  writeFileSync(join(dir, 'host.json'), '{"version":"2.0"}');
  writeFileSync(
    join(dir, 'local.settings.json'),
    JSON.stringify({ IsEncrypted: false, Values: USED_CHECKOUT_SETTINGS }, null, 2),
  );
  mkdirSync(join(dir, 'config', 'schedules'), { recursive: true });
  writeFileSync(
    join(dir, 'config', 'pipelines.yaml'),
    'targets: [this file was written by a user, and a test read it]\n',
  );
  writeFileSync(
    join(dir, 'config', 'schedules', 'mine.yaml'),
    'name: [this file was written by a user, and a test read it]\n',
  );
  process.chdir(dir);
  state[KEY] = dir;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}
