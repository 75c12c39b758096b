import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTargets } from '../../src/config/targets';
import { loadScheduleDefinitions } from '../../src/schedules/loadDefinitions';
import { resolveScheduleTarget } from '../../src/schedules/definition';

const repo = join(__dirname, '..', '..');

describe('shipped samples work together', () => {
  it('every schedule in config/schedules.sample.yaml resolves to a pipeline of config/pipelines.sample.yaml', () => {
    const env = {
      AML_TARGETS_FILE: 'config/pipelines.sample.yaml',
      AML_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000',
      AML_RESOURCE_GROUP: 'rg',
      AML_WORKSPACE_NAME: 'ws',
      NIGHTLY_PIPELINE_ID: 'p',
    };
    const targets = loadTargets({ env, appRoot: repo });
    if (!targets.ok) throw new Error(targets.error.message);
    const file = 'config/schedules.sample.yaml';
    const loaded = loadScheduleDefinitions([{ path: file, text: readFileSync(join(repo, file), 'utf8') }], {
      now: new Date('2026-11-24T00:00:00Z'),
    });
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.value.definitions.length).toBeGreaterThan(3);
    for (const def of loaded.value.definitions) {
      const resolved = resolveScheduleTarget(def, targets.value.targets, {
        workspace: { subscriptionId: env.AML_SUBSCRIPTION_ID, resourceGroup: 'rg', workspaceName: 'ws' },
      });
      expect(resolved.ok ? 'resolved' : resolved.error.message, def.name).toBe('resolved');
    }
  });
});
