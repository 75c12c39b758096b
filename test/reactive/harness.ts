/**
 * A reactive setup over real parts: Azurite (data container + claims), the loopback Azure ML endpoint
 * with its managed-identity token endpoint, the real Azure ML client, the real schedule loader, and the
 * real function handlers fed with an `InvocationContext` carrying the host's trigger metadata.
 */
import { randomUUID } from 'node:crypto';
import { InvocationContext, type EventGridEvent, type LogHandler } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { createPipelineClient } from '../../src/aml/client';
import type { PipelineClient, PipelineTarget } from '../../src/aml/types';
import { blobTriggerHandler, eventGridHandler } from '../../src/functions/blobTriggers';
import { createBlobProbe } from '../../src/reactive/blobProbe';
import { ClaimStore } from '../../src/reactive/claims';
import type { DatastoreResolver } from '../../src/reactive/datastores';
import type { ReactiveDeps, ReactiveHistoryEntry } from '../../src/reactive/handler';
import { buildReactiveSchedules } from '../../src/reactive/schedules';
import { BlobJsonStore } from '../../src/storage/blobJson';
import { MemoryTelemetry } from '../../src/telemetry';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';
import type { FakeAml } from '../support/fakeAml';
import type { FakeMsi } from '../support/fakeMsi';
import { definitions } from './support';

export const WS = {
  subscriptionId: '11111111-2222-3333-4444-555555555555',
  resourceGroup: 'rg-ml',
  workspaceName: 'ws-reactive',
};
export const PIPELINE_ID = 'aaaaaaaa-bbbb-cccc-dddd-000000000001';

/** The reactive schedule most tests use: `in/` of the container, the blob as `input_data`. */
export const sales = (container: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'sales-arrivals',
  target: 'ingest',
  datastore: 'landing',
  container,
  path_on_datastore: 'in',
  data_path_parameter_name: 'input_data',
  pipeline_parameters: { mode: 'fast' },
  ...over,
});

export function registerPipeline(aml: FakeAml): void {
  aml.addPipeline({
    id: PIPELINE_ID,
    kind: 'published',
    workspace: WS,
    parameters: ['mode', 'region'],
    dataPathParameters: ['input_data', 'other_data'],
  });
}

export function pipelineClient(msi: FakeMsi): PipelineClient {
  return createPipelineClient({ env: { ...process.env, ...msi.env }, settings: { reconcileDelayMs: 50 } });
}

export function target(aml: FakeAml, via: (url: string) => string = (url) => url): PipelineTarget {
  return {
    name: 'ingest',
    endpointUrl: via(aml.submitUrl(WS, { published: PIPELINE_ID })),
    workspace: WS,
    experimentName: 'reactive-exp',
    parameterAssignments: { mode: 'default', region: 'eu' },
    dataPathAssignments: {},
  };
}

export interface Setup {
  readonly service: BlobServiceClient;
  readonly container: string;
  readonly claims: ClaimStore;
  readonly logs: string[];
  readonly history: ReactiveHistoryEntry[];
  readonly telemetry: MemoryTelemetry;
  readonly deps: Omit<ReactiveDeps, 'log'>;
  /** Invoke the blob-trigger function the way the host does: (blob argument, context with metadata). */
  invokeBlobTrigger(triggerMetadata: Record<string, unknown>, blobArgument?: unknown): Promise<unknown>;
  invokeEventGrid(event: Record<string, unknown>): Promise<unknown>;
}

export interface SetupOptions {
  readonly schedules: (container: string) => Array<Record<string, unknown>>;
  readonly aml: FakeAml;
  readonly client: PipelineClient;
  readonly resolver?: DatastoreResolver;
  readonly disabledAtRunTime?: ReadonlySet<string>;
  /** Rewrites the target's endpoint URL, e.g. through a fault proxy (`proxy.via`). */
  readonly via?: (url: string) => string;
  /** The claims' storage (default: Azurite directly), e.g. through a fault proxy. */
  readonly claimsService?: BlobServiceClient;
  /** Replaces dependencies (clock, probe, claim policy, wait...) after the defaults. */
  readonly deps?: Partial<Omit<ReactiveDeps, 'log'>>;
  /** More targets beside `ingest` (e.g. Azure ML v2 ones). */
  readonly targets?: ReadonlyMap<string, PipelineTarget>;
}

export async function setup(options: SetupOptions): Promise<Setup> {
  const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
  const container = uniqueContainerName('data');
  await service.getContainerClient(container).create();
  const store = BlobJsonStore.forContainer(options.claimsService ?? service, uniqueContainerName('state'));
  await store.ensureContainer();
  const claims = new ClaimStore(store);
  const defs = definitions(options.schedules(container));
  const targets = new Map([
    ['ingest', target(options.aml, options.via)],
    ...(options.targets ?? new Map<string, PipelineTarget>()),
  ]);
  const built = await buildReactiveSchedules(defs, {
    targets,
    ...(options.resolver ? { resolver: options.resolver } : {}),
  });
  if (built.problems.length > 0) throw new Error(JSON.stringify(built.problems));
  const logs: string[] = [];
  const history: ReactiveHistoryEntry[] = [];
  const telemetry = new MemoryTelemetry();
  const deps: Omit<ReactiveDeps, 'log'> = {
    schedules: () => built.schedules,
    claims,
    probe: createBlobProbe(service),
    client: options.client,
    telemetry,
    now: () => new Date(),
    history: (entry) => {
      history.push(entry);
      return Promise.resolve();
    },
    isEnabled: (name) => Promise.resolve(options.disabledAtRunTime?.has(name) ? false : undefined),
    ...options.deps,
  };
  const logHandler: LogHandler = (_level, ...args) => {
    logs.push(args.map(String).join(' '));
  };
  const context = (triggerMetadata?: Record<string, unknown>): InvocationContext =>
    new InvocationContext({
      invocationId: randomUUID(),
      functionName: `reactiveBlob-${container}`,
      logHandler,
      ...(triggerMetadata ? { triggerMetadata } : {}),
    });
  const blobHandler = blobTriggerHandler(() => deps);
  const gridHandler = eventGridHandler(() => deps);
  return {
    service,
    container,
    claims,
    logs,
    history,
    telemetry,
    deps,
    invokeBlobTrigger: (meta, blobArgument = { kind: 'blobReference' }) =>
      Promise.resolve(blobHandler(blobArgument, context(meta))),
    invokeEventGrid: (event) => Promise.resolve(gridHandler(event as unknown as EventGridEvent, context())),
  };
}
