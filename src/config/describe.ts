/** One-line human description of a configured target, for logs and the CLI. */
import { describePipeline } from '../aml/endpoint';
import type { PipelineTarget } from '../aml/types';

export function describeTarget(target: PipelineTarget): string {
  const p = target.pipeline;
  const what = target.v2
    ? `v2 ${describePipeline(target)}`
    : !p
      ? `endpoint ${target.endpointUrl ?? '(none)'}`
      : p.kind === 'published'
        ? `published pipeline ${p.pipelineId}`
        : p.kind === 'endpoint'
          ? `pipeline endpoint ${p.pipelineEndpointId}${p.version === undefined ? ' (default version)' : ` version ${p.version}`}`
          : `pipeline endpoint "${p.pipelineEndpointName}"${p.version === undefined ? ' (default version)' : ` version ${p.version}`}`;
  const ws = target.workspace ? ` in ${target.workspace.workspaceName} (${target.workspace.resourceGroup})` : '';
  const params = Object.keys(target.parameterAssignments);
  const inputs = Object.keys(target.inputs ?? {});
  return `${target.name}: ${what}${ws}, experiment ${target.experimentName}${params.length ? `, parameters ${params.join(', ')}` : ''}${inputs.length ? `, inputs ${inputs.join(', ')}` : ''}`;
}
