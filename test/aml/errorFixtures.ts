/** The target and error context the Azure ML error tests build their errors for. */
import type { ErrorContext } from '../../src/aml/errors';
import type { PipelineTarget } from '../../src/aml/types';

export const target: PipelineTarget = {
  name: 'nightly',
  workspace: { subscriptionId: 's', resourceGroup: 'rg', workspaceName: 'mlw-a' },
  pipeline: { kind: 'published', pipelineId: 'p-42' },
  experimentName: 'e',
  parameterAssignments: {},
  dataPathAssignments: {},
};

/** The context of a call to `target` that made `attempts` attempts. */
export function errorContext(attempts: number): ErrorContext {
  return {
    target,
    url: 'https://westeurope.api.azureml.ms/pipelines/v1.0/x',
    audience: 'https://management.azure.com',
    attempts,
  };
}
