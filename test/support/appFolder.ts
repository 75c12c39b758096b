/**
 * A throwaway app folder (host.json, config/pipelines.yaml, config/schedules/app.yaml) for tests that
 * run the app's own code paths from the CLI: commands find their app folder from the current directory,
 * so such a test `process.chdir`s into it (vitest runs each file in its own process). It holds no
 * local.settings.json, so no file a user created is read.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AppFolder {
  readonly root: string;
  remove(): void;
}

export function createAppFolder(files: { readonly targets: string; readonly schedules?: string }): AppFolder {
  const root = mkdtempSync(join(tmpdir(), 'aml-app-'));
  writeFileSync(join(root, 'host.json'), '{"version":"2.0"}');
  mkdirSync(join(root, 'config', 'schedules'), { recursive: true });
  writeFileSync(join(root, 'config', 'pipelines.yaml'), files.targets);
  if (files.schedules !== undefined) writeFileSync(join(root, 'config', 'schedules', 'app.yaml'), files.schedules);
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
