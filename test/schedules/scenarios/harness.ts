/**
 * Scenario harness: the real tick engine over the real Azurite, submitting through the real Azure ML
 * client against the loopback MSI / ARM / Azure ML (startAmlTestBed), with an injected clock: a test
 * calls `tick(now)` with successive instants, nothing waits for real time.
 *
 * One test bed per file (MSAL keeps the identity endpoint process-wide); each `engine()` is one app
 * instance (its own store, registry and client objects) over a shared container, so a "restart" is a
 * new engine on the same container and "two instances" are two engines.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { createPipelineClient, type AmlPipelineClient } from '../../../src/aml/client';
import { DEFAULT_RETRY_POLICY } from '../../../src/aml/retry';
import type { PipelineClient, PipelineTarget } from '../../../src/aml/types';
import type { ScheduleFile } from '../../../src/schedules/loadDefinitions';
import { ScheduleRegistry } from '../../../src/schedules/registry';
import { ScheduleStateStore } from '../../../src/schedules/stateStore';
import { TAG_OCCURRENCE, TAG_SCHEDULE, TAG_TRIGGER } from '../../../src/schedules/submitOccurrence';
import {
  DEFAULT_TICK_SETTINGS,
  runTick,
  type TickDeps,
  type TickReport,
  type TickSettings,
} from '../../../src/schedules/tick';
import { BlobJsonStore } from '../../../src/storage/blobJson';
import { MemoryTelemetry } from '../../../src/telemetry';
import { startAmlTestBed, type AmlTestBed } from '../../support/amlTestBed';
import { azuriteConnectionString, uniqueContainerName } from '../../support/azurite';
import type { AmlSubmission } from '../../support/fakeAml';

export const PIPELINE_ID = 'pp-scheduled';

export interface Bed {
  readonly aml: AmlTestBed['aml'];
  /** The Azure ML v2 fake (pipeline jobs, batch endpoints); targets `train-v2` and `score-v2` use it. */
  readonly v2: AmlTestBed['v2'];
  readonly workspace: AmlTestBed['workspace'];
  readonly targets: ReadonlyMap<string, PipelineTarget>;
  /** A client with test-sized timings (2 attempts per submission, milliseconds apart). */
  client(): AmlPipelineClient;
  close(): Promise<void>;
}

export async function startBed(): Promise<Bed> {
  const bed = await startAmlTestBed();
  bed.aml.addPipeline({ id: PIPELINE_ID, kind: 'published', workspace: bed.workspace });
  const targets = new Map<string, PipelineTarget>([
    [
      'train',
      {
        name: 'train',
        workspace: bed.workspace,
        pipeline: { kind: 'published', pipelineId: PIPELINE_ID },
        experimentName: 'scheduled-training',
        parameterAssignments: { mode: 'full' },
        dataPathAssignments: {},
        tags: { team: 'ml' },
      },
    ],
    [
      'train-v2',
      {
        name: 'train-v2',
        workspace: bed.workspace,
        v2: { kind: 'pipeline_job', componentName: 'train', componentVersion: 'latest' },
        inputs: {},
        experimentName: 'scheduled-training',
        parameterAssignments: { mode: 'full' },
        dataPathAssignments: {},
        tags: { team: 'ml' },
      },
    ],
    [
      'score-v2',
      {
        name: 'score-v2',
        workspace: bed.workspace,
        v2: { kind: 'batch_endpoint', endpointName: 'score' },
        inputs: {},
        experimentName: 'scoring',
        parameterAssignments: { mode: 'full' },
        dataPathAssignments: {},
        tags: { team: 'ml' },
      },
    ],
  ]);
  bed.v2.addComponent(bed.workspace, 'train', ['1', '2']);
  bed.v2.addBatchEndpoint(bed.workspace, 'score');
  const clients: AmlPipelineClient[] = [];
  return {
    aml: bed.aml,
    v2: bed.v2,
    workspace: bed.workspace,
    targets,
    client() {
      const c = createPipelineClient({
        env: bed.env,
        settings: {
          attemptTimeoutMs: 2_000,
          deadlineMs: 4_000,
          reconcileDelayMs: 50,
          retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 10 },
        },
      });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await bed.close();
    },
  };
}

export interface Engine {
  readonly store: ScheduleStateStore;
  readonly registry: ScheduleRegistry;
  readonly telemetry: MemoryTelemetry;
  readonly lines: string[];
  tick(now: Date | string, options?: { isPastDue?: boolean }): Promise<TickReport>;
}

export interface EngineOptions {
  readonly container: string;
  readonly files: readonly ScheduleFile[];
  readonly client?: PipelineClient;
  readonly settings?: Partial<TickSettings>;
  readonly afterClaim?: TickDeps['afterClaim'];
  /** Clock for the registry's loading of files. */
  readonly loadedAt?: Date;
  /** Targets instead of the bed's (e.g. one whose endpoint goes through a fault proxy). */
  readonly targets?: ReadonlyMap<string, PipelineTarget>;
  /** The store's blob service (e.g. through a fault proxy in front of Azurite); default Azurite directly. */
  readonly blobService?: BlobServiceClient;
  /** A time authority for the engine (built over its own store); none by default: scenarios simulate time. */
  readonly timeAuthority?: (engine: Engine) => TickDeps['timeAuthority'];
}

export async function newContainer(): Promise<string> {
  const container = uniqueContainerName('tick');
  await storeFor(container).ensureContainer();
  return container;
}

export function storeFor(container: string): ScheduleStateStore {
  return new ScheduleStateStore(
    BlobJsonStore.forContainer(BlobServiceClient.fromConnectionString(azuriteConnectionString()), container),
  );
}

export function engine(bed: Bed, options: EngineOptions): Engine {
  const store = options.blobService
    ? new ScheduleStateStore(BlobJsonStore.forContainer(options.blobService, options.container))
    : storeFor(options.container);
  const loadedAt = options.loadedAt ?? new Date('2026-01-01T00:00:00Z');
  const registry = new ScheduleRegistry({ store, files: options.files, clock: () => loadedAt });
  const telemetry = new MemoryTelemetry();
  const lines: string[] = [];
  let deps: TickDeps = {
    store,
    registry,
    client: options.client ?? bed.client(),
    targets: () => options.targets ?? bed.targets,
    telemetry,
    log: {
      info: (l) => lines.push(`info: ${l}`),
      warn: (l) => lines.push(`warn: ${l}`),
      error: (l) => lines.push(`error: ${l}`),
    },
    settings: { ...DEFAULT_TICK_SETTINGS, owner: 'test', ...(options.settings ?? {}) },
    ...(options.afterClaim ? { afterClaim: options.afterClaim } : {}),
  };
  const built: Engine = {
    store,
    registry,
    telemetry,
    lines,
    tick: (now, tickOptions) => runTick(typeof now === 'string' ? new Date(now) : now, deps, tickOptions),
  };
  const authority = options.timeAuthority?.(built);
  if (authority) deps = { ...deps, timeAuthority: authority };
  return built;
}

export const scheduleFile = (schedules: readonly Record<string, unknown>[]): ScheduleFile[] => [
  { path: 'config/schedules/test.json', text: JSON.stringify(schedules) },
];

/** Submissions the fake Azure ML accepted for `schedule`, as [occurrence tag, trigger tag]. */
export function runsOf(aml: Bed['aml'], schedule: string): AmlSubmission[] {
  return aml.submissions.filter((s) => tags(s)[TAG_SCHEDULE] === schedule);
}

export function occurrencesOf(aml: Bed['aml'], schedule: string): string[] {
  return runsOf(aml, schedule).map((s) => tags(s)[TAG_OCCURRENCE] ?? '?');
}

export function triggerOf(s: AmlSubmission): string | undefined {
  return tags(s)[TAG_TRIGGER];
}

export function tags(s: AmlSubmission): Record<string, string> {
  return (s.body.Tags ?? {}) as Record<string, string>;
}

/** Instants from `from` (exclusive) to `to` (inclusive) every `stepMs`, each `jitterMs(i)` late. */
export function ticks(
  from: string,
  to: string,
  stepMs: number,
  jitterMs: (i: number) => number = (i) => (i * 7919) % 4000,
): Date[] {
  const out: Date[] = [];
  const end = Date.parse(to);
  for (let t = Date.parse(from) + stepMs, i = 0; t <= end; t += stepMs, i++) out.push(new Date(t + jitterMs(i)));
  return out;
}

/** `n` ISO instants from `first`, `stepMs` apart. */
export function series(first: string, stepMs: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    new Date(Date.parse(first) + i * stepMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  );
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
