/**
 * The one-call Azure ML test bed works with the client configured from settings alone, as the function
 * modules build it: a target given by ids resolves through the fake ARM and lands at the fake AML.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineClient } from '../../src/aml/client';
import { startAmlTestBed, type AmlTestBed } from '../support/amlTestBed';

let bed: AmlTestBed;

beforeAll(async () => {
  bed = await startAmlTestBed();
});

afterAll(async () => {
  await bed?.close();
});

describe('Azure ML test bed', () => {
  it('serves a submission from a client configured only through app settings', async () => {
    bed.aml.addPipeline({ id: 'p-bed', kind: 'published', workspace: bed.workspace });
    const client = createPipelineClient({ env: bed.env });
    try {
      const result = await client.submit(
        {
          name: 'bed',
          workspace: bed.workspace,
          pipeline: { kind: 'published', pipelineId: 'p-bed' },
          experimentName: 'e',
          parameterAssignments: {},
          dataPathAssignments: {},
        },
        { ExperimentName: 'e', RunSource: 'SDK' },
      );
      expect(result.ok, JSON.stringify(result)).toBe(true);
      expect(bed.aml.submissions).toHaveLength(1);
      expect(bed.aml.submissions[0]).toMatchObject({
        body: { ExperimentName: 'e', RunSource: 'SDK' },
        audience: 'https://management.azure.com',
      });
      expect(bed.arm.calls.map((c) => c.status)).toEqual([200]);
    } finally {
      client.close();
    }
  });
});
