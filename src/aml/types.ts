/**
 * The Azure ML published-pipeline contract as the rest of the app sees it (../shared/spec/aml-rest.md).
 * No Functions types here: the timer, blob and HTTP sides all submit through `PipelineClient`.
 */
import type { AppError, Result } from '../errors';

export type ParameterValue = string | number | boolean;

export interface DataPathAssignment {
  DataStoreName: string;
  RelativePath: string;
}

export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
}

/** Which pipeline a target submits to, when no explicit endpoint URL is configured. */
export type PipelineRef =
  | { kind: 'published'; pipelineId: string }
  | { kind: 'endpoint'; pipelineEndpointId: string; version?: string }
  | { kind: 'endpointByName'; pipelineEndpointName: string; version?: string };

/**
 * An Azure ML v2 input (spec aml-v2.md), in the app's own terms; each wire format spells it its own way
 * (pipeline job: `{jobInputType: "uri_file", uri}`; batch invoke: `{JobInputType: "UriFile", Uri}`).
 * `uri` / `value` may be absent in a target's declaration: the input's type is then declared for a
 * request or a blob to fill, and it is not sent when nothing does.
 */
export type V2Input = { type: V2DataType; uri?: string; mode?: string } | { type: 'literal'; value?: string };

/**
 * The v2 input types that point at data (`uri`, `mode`). `mltable` only for pipeline jobs: batch
 * endpoints do not take tables ("Data assets of type table (MLTable) aren't currently supported", Learn,
 * "Create jobs and input data for batch endpoints"), so v2Body.ts refuses them there.
 */
export const V2_DATA_TYPES = ['uri_file', 'uri_folder', 'mltable'] as const;
export type V2DataType = (typeof V2_DATA_TYPES)[number];

/** A v2 target's own part: what to create, besides the workspace and the inputs. */
export type V2Target =
  | {
      kind: 'pipeline_job';
      componentName: string;
      /** A version, or `latest` (resolved through ARM at each submission). */
      componentVersion: string;
      displayName?: string;
      settings?: { continueOnStepFailure?: boolean; defaultCompute?: string; defaultDatastore?: string };
    }
  | { kind: 'batch_endpoint'; endpointName: string; deployment?: string };

/** A named, configured pipeline: the only things the app ever submits to. */
export interface PipelineTarget {
  name: string;
  description?: string;
  /** Workspace the pipeline lives in; needed unless `endpointUrl` is given. */
  workspace?: WorkspaceRef;
  /** Explicit full submit URL; always preferred over one derived from ids. */
  endpointUrl?: string;
  pipeline?: PipelineRef;
  /** Default experiment for runs of this target. */
  experimentName: string;
  parameterAssignments: Record<string, ParameterValue>;
  dataPathAssignments: Record<string, DataPathAssignment>;
  continueOnStepFailure?: boolean;
  tags?: Record<string, string>;
  /** Set for Azure ML v2 targets (`pipeline_job`, `batch_endpoint`); v1 targets have `pipeline`/`endpointUrl`. */
  v2?: V2Target;
  /** v2 targets: declared inputs by name (the file's `inputs`). */
  inputs?: Record<string, V2Input>;
}

/** The JSON body of a published-pipeline submission, PascalCase as the service reads it. */
export interface SubmissionBody {
  ExperimentName: string;
  ParameterAssignments?: Record<string, ParameterValue>;
  DataPathAssignments?: Record<string, DataPathAssignment>;
  RunSource?: string;
  Description?: string;
  Tags?: Record<string, string>;
  DataSetDefinitionValueAssignments?: Record<string, { SavedDataSetReference: { Id: string } }>;
  /** The SDK's `continue_run_on_step_failure` (aml-rest.md "Request"). */
  ContinueRunOnStepFailure?: boolean;
  /**
   * Run properties (immutable on the service side). The client adds the submission key here as
   * `aml_triggers_key` (see `SUBMISSION_KEY_NAME`); callers need not set it.
   */
  Properties?: Record<string, string>;
  /**
   * v2 inputs set by the submission itself (the reactive blob as a uri_file); only for v2 targets, whose
   * wire body is built from this one (v2Body.ts). Never sent to a v1 pipeline.
   */
  Inputs?: Record<string, V2Input>;
}

export interface SubmitResult {
  /** The new pipeline run's id (`Id` of the service's answer). */
  runId: string;
  /** The whole run object the service answered with. */
  run: Record<string, unknown>;
  /** HTTP attempts made, 1 when the first one succeeded. */
  attempts: number;
  /** The URL the run was submitted to. */
  endpointUrl: string;
  /**
   * True when the submit attempt's outcome was unknown (its answer was lost) and the run was then found
   * in Azure ML by its submission key: `run` is then the run-history record, not the submit answer.
   */
  reconciled?: boolean;
  /** The submission key the run carries (property and tag `aml_triggers_key`), when one was given. */
  key?: string;
}

export interface SubmitOptions {
  /** Abort the submission (and its retries). */
  signal?: AbortSignal;
  /** Total time budget across all attempts, in milliseconds. */
  deadlineMs?: number;
  /** W3C traceparent to propagate, for correlation with the host's trace. */
  traceParent?: string;
  /**
   * The submission's identity (`[A-Za-z0-9_-]`, at most 64 characters; derive it with `submissionKey`).
   * The client writes it into the run's Properties and Tags as `aml_triggers_key`; after an attempt
   * whose outcome is unknown it looks the run up by it (reconcile). Without a key an unknown outcome
   * cannot be reconciled and is returned as unknown at once.
   */
  key?: string;
}

/** What to look a run up by (`RunLookup.findRun`). */
export interface RunQuery {
  /** The experiment the run was submitted under (the body's `ExperimentName`). */
  experimentName: string;
  /** The submission key (`aml_triggers_key`). */
  key: string;
  /**
   * Ignore runs created before this instant (less a few minutes for clock skew), so a key reused long
   * after (e.g. a caller's Idempotency-Key) does not match an old run. Optional.
   */
  submittedAfter?: Date;
}

/** A run found by its submission key. */
export interface FoundRun {
  runId: string;
  /** Run-history status, e.g. `NotStarted`, `Running`, `Completed`, when given. */
  status?: string;
  /** When the service created it (ISO 8601), when given. */
  createdUtc?: string;
  /** Which field carried the key. */
  matchedBy: 'properties' | 'tags' | 'job_name';
  /** Top-level runs carrying the key; more than 1 means duplicates exist (the earliest is returned). */
  matches: number;
  /** The run-history record as Azure ML returned it. */
  run: Record<string, unknown>;
}

/**
 * Finds the run a submission created, by its submission key (runLookup.ts over the v1 run-history query).
 * `ok(undefined)` means Azure ML answered and has no such run (yet); an error means it could not be asked.
 */
export interface RunLookup {
  findRun(
    target: PipelineTarget,
    query: RunQuery,
    options?: { signal?: AbortSignal },
  ): Promise<Result<FoundRun | undefined, AmlError>>;
}

/** What the client knows about a submission whose outcome stayed unknown (on `AmlError.submission`). */
export interface UnknownSubmission {
  /** The submission key, when one was given. */
  key?: string;
  experimentName: string;
  /** When the attempt whose outcome is unknown was sent (ISO 8601). */
  sentAt: string;
  /** What the reconcile look-up gave: no key to look by, not attempted (cancelled), not found, or failed. */
  lookup: { result: 'no_key' | 'not_attempted' | 'not_found' } | { result: 'failed'; code: string; message: string };
}

/**
 * An `aml.*` error as the Azure ML client returns it: an `AppError`, plus what the submission left behind
 * (`outcome`) and how long Azure ML asked to wait when its last answer said so.
 */
export interface AmlError extends AppError {
  /**
   * What the failed submission left behind: `not_created` (certainly no run: nothing was sent, or Azure
   * ML refused it) or `unknown` (a run may exist: never send it again blindly; see `submission`).
   */
  readonly outcome: 'not_created' | 'unknown';
  /** Set when `outcome` is `unknown`: the key, experiment and what the reconcile look-up gave. */
  readonly submission?: UnknownSubmission;
  /**
   * Seconds Azure ML asked the app to wait before trying again: the `Retry-After` of the answer that ended
   * the submission (delta-seconds as given, or an HTTP date measured from that answer's own `Date`
   * header, else from when it arrived; never negative, may be fractional). Set only on transient errors
   * (429, 408, 5xx, and the deadline error that such an answer caused); absent when Azure ML gave none.
   * The HTTP functions pass it on to their caller as a `Retry-After` header (src/http/problem.ts).
   */
  readonly retryAfterSeconds?: number;
}

/**
 * Submits runs and finds them again. Never throws for service or network failures: those come back as
 * an `AmlError` whose code starts with `aml.`, with `status` (the HTTP status the app should answer its
 * own caller with), `transient` (worth retrying later: only ever set when `outcome` is `not_created`),
 * `outcome` and a message that says what to do. Read `retryAfterSeconds` for Azure ML's own hint of
 * when to try again. An error with `outcome: 'unknown'` must not lead to a resubmission: look the run
 * up with `findRun` (by the same key) first.
 */
export interface PipelineClient extends RunLookup {
  submit(
    target: PipelineTarget,
    body: SubmissionBody,
    options?: SubmitOptions,
  ): Promise<Result<SubmitResult, AmlError>>;
}
