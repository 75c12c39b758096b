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
  ContinueOnStepFailure?: boolean;
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
}

export interface SubmitOptions {
  /** Abort the submission (and its retries). */
  signal?: AbortSignal;
  /** Total time budget across all attempts, in milliseconds. */
  deadlineMs?: number;
  /** W3C traceparent to propagate, for correlation with the host's trace. */
  traceParent?: string;
}

/**
 * An `aml.*` error as the Azure ML client returns it: an `AppError`, plus how long Azure ML asked to wait
 * when its last answer said so. Any `AppError` is an `AmlError` (the extra member is optional).
 */
export interface AmlError extends AppError {
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
 * Submits runs. Never throws for service or network failures: those come back as an `AppError` whose
 * code starts with `aml.`, with `status` (the HTTP status the app should answer its own caller with),
 * `transient` (worth retrying later) and a message that says what to do. The client's errors are
 * `AmlError`s: read `retryAfterSeconds` for Azure ML's own hint of when to try again.
 */
export interface PipelineClient {
  submit(target: PipelineTarget, body: SubmissionBody, options?: SubmitOptions): Promise<Result<SubmitResult, AppError>>;
}
