/**
 * Finds a run by its submission key (`aml_triggers_key`) through the v1 run-history query, so that a
 * submission whose outcome is unknown is reconciled instead of resent (route, body, filter and where
 * each was found: constants.ts "Run-history look-up").
 *
 *   POST {history host}/history/v1.0/subscriptions/{s}/resourceGroups/{rg}/providers/
 *        Microsoft.MachineLearningServices/workspaces/{ws}/experiments/{experiment}/runs:query
 *   { "filter": "(Properties/aml_triggers_key eq \"<key>\")", "top": 50, "continuationToken": null }
 *
 * Pages are followed by re-sending the body with the answer's `continuationToken` until there is none.
 * The key is looked for in Properties first, then Tags. Every run returned is checked to really carry
 * the key (a service that ignored the filter must not make an unrelated run count as found), child runs
 * (pipeline steps) are skipped, and so are runs created well before `submittedAfter`.
 *
 * Where: a target with workspace ids uses the discovery document's `history` host (workspace.ts); a
 * target with only an explicit endpoint URL uses that URL's host and the subscription, resource group
 * and workspace named in its path.
 */
import { err, ok, type Result } from '../errors';
import type { Telemetry } from '../telemetry';
import {
  HISTORY_PATH_PREFIX,
  LOOKUP_MAX_PAGES,
  LOOKUP_PAGE_SIZE,
  runQueryFilter,
  SUBMISSION_KEY_NAME,
} from './constants';
import { workspaceArmId } from './endpoint';
import { lookupError } from './errors';
import { isSubmissionKey } from './submissionKey';
import type { Transport } from './transport';
import type { AmlError, FoundRun, PipelineTarget, RunLookup, RunQuery, WorkspaceRef } from './types';

/** Runs created this long before `submittedAfter` still count (clock skew between the app and Azure ML). */
export const SUBMITTED_AFTER_SKEW_MS = 5 * 60_000;

const WORKSPACE_IN_PATH =
  /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/?#]+)/i;

/** Where a target's run history lives: from its explicit endpoint URL, or to be resolved from its workspace ids. */
export function historyLocation(
  target: PipelineTarget,
): { origin: string; workspace: WorkspaceRef } | { resolve: WorkspaceRef } | undefined {
  if (target.endpointUrl) {
    try {
      const url = new URL(target.endpointUrl);
      const match = WORKSPACE_IN_PATH.exec(url.pathname);
      if (match?.[1] && match[2] && match[3]) {
        return {
          origin: url.origin,
          workspace: {
            subscriptionId: decodeURIComponent(match[1]),
            resourceGroup: decodeURIComponent(match[2]),
            workspaceName: decodeURIComponent(match[3]),
          },
        };
      }
    } catch {
      // not a URL: fall through to the workspace ids, if any
    }
  }
  return target.workspace ? { resolve: target.workspace } : undefined;
}

/** The runs:query URL of an experiment. */
export function runQueryUrl(historyOrigin: string, workspace: WorkspaceRef, experimentName: string): string {
  return `${historyOrigin.replace(/\/+$/, '')}${HISTORY_PATH_PREFIX}${workspaceArmId(workspace)}/experiments/${encodeURIComponent(experimentName)}/runs:query`;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A member by its camelCase or PascalCase name. */
function member(run: Record<string, unknown>, name: string): unknown {
  return run[name] ?? run[name.charAt(0).toUpperCase() + name.slice(1)];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Whether a run from the answer is the one asked for: top-level, carrying the key, not too old. */
function matches(run: Record<string, unknown>, field: 'properties' | 'tags', query: RunQuery): boolean {
  if (text(member(run, 'parentRunId'))) return false;
  if (record(member(run, field))?.[SUBMISSION_KEY_NAME] !== query.key) return false;
  const created = Date.parse(text(member(run, 'createdUtc')) ?? '');
  if (
    query.submittedAfter &&
    !Number.isNaN(created) &&
    created < query.submittedAfter.getTime() - SUBMITTED_AFTER_SKEW_MS
  )
    return false;
  return true;
}

export interface RunLookupDeps {
  transport: Transport;
  /** An access token for Azure ML (the same audience as submissions); throws when none can be had. */
  token(signal?: AbortSignal): Promise<string>;
  /** The run-history host of a workspace (discovery's `history`). */
  resolveHistoryHost(workspace: WorkspaceRef, signal?: AbortSignal): Promise<Result<string, AmlError>>;
  attemptTimeoutMs: number;
  userAgent: string;
  telemetry: Telemetry;
  now: () => number;
}

export function createRunLookup(deps: RunLookupDeps): RunLookup {
  return {
    async findRun(target, query, options = {}): Promise<Result<FoundRun | undefined, AmlError>> {
      const signal = options.signal;
      if (!isSubmissionKey(query.key))
        return err(
          lookupError(
            target,
            'invalid_key',
            `the key ${JSON.stringify(query.key)} is not 1-64 characters of A-Z, a-z, 0-9, "_" or "-"`,
          ),
        );
      const where = historyLocation(target);
      if (!where)
        return err(
          lookupError(
            target,
            'no_workspace',
            'the target names no workspace (neither ids nor an endpoint URL with /subscriptions/…/workspaces/… in its path)',
          ),
        );
      let origin: string;
      let workspace: WorkspaceRef;
      if ('origin' in where) ({ origin, workspace } = where);
      else {
        const host = await deps.resolveHistoryHost(where.resolve, signal);
        if (!host.ok) return host;
        origin = host.value;
        workspace = where.resolve;
      }
      const url = runQueryUrl(origin, workspace, query.experimentName);
      let token: string;
      try {
        token = await deps.token(signal);
      } catch (error) {
        return err(
          lookupError(
            target,
            'credential',
            error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error),
            url,
          ),
        );
      }

      for (const [field, filterField] of [
        ['properties', 'Properties'],
        ['tags', 'Tags'],
      ] as const) {
        const found: Array<Record<string, unknown>> = [];
        let continuationToken: string | null = null;
        for (let page = 0; page < LOOKUP_MAX_PAGES; page++) {
          const started = deps.now();
          const answer = await deps.transport.send({
            method: 'POST',
            url,
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json; charset=utf-8',
              accept: 'application/json',
              'user-agent': deps.userAgent,
            },
            body: JSON.stringify({
              filter: runQueryFilter(filterField, query.key),
              top: LOOKUP_PAGE_SIZE,
              continuationToken,
            }),
            timeoutMs: deps.attemptTimeoutMs,
            ...(signal ? { signal } : {}),
          });
          const success = answer.kind === 'response' && answer.status === 200;
          deps.telemetry.dependency({
            name: 'POST Azure ML run history query',
            target: new URL(url).host,
            data: url,
            durationMs: deps.now() - started,
            success,
            resultCode: answer.kind === 'response' ? answer.status : answer.kind,
            properties: { target: target.name, key: query.key, page },
          });
          if (answer.kind !== 'response')
            return err(
              lookupError(
                target,
                answer.kind,
                answer.kind === 'network'
                  ? `${answer.code}: ${answer.message}`
                  : answer.kind === 'timeout'
                    ? `no answer within ${answer.afterMs} ms`
                    : 'cancelled',
                url,
              ),
            );
          if (!success)
            return err(
              lookupError(
                target,
                'status',
                `HTTP ${answer.status}${answer.text ? `: ${answer.text.slice(0, 200)}` : ''}`,
                url,
                answer.status,
              ),
            );
          let body: Record<string, unknown> | undefined;
          try {
            body = record(JSON.parse(answer.text));
          } catch {
            body = undefined;
          }
          const value = body ? member(body, 'value') : undefined;
          if (!body || !Array.isArray(value))
            return err(
              lookupError(
                target,
                'bad_answer',
                `the answer is not a run list ({"value": [...]}): ${answer.text.slice(0, 200)}`,
                url,
              ),
            );
          for (const item of value) {
            const run = record(item);
            if (run && matches(run, field, query)) found.push(run);
          }
          continuationToken = text(member(body, 'continuationToken')) ?? null;
          if (continuationToken === null) break;
        }
        if (found.length > 0) {
          const byCreation = [...found].sort((a, b) =>
            (text(member(a, 'createdUtc')) ?? '').localeCompare(text(member(b, 'createdUtc')) ?? ''),
          );
          const run = byCreation[0] as Record<string, unknown>;
          const runId = text(member(run, 'runId'));
          if (!runId) return err(lookupError(target, 'bad_answer', 'a run carrying the key has no runId', url));
          const status = text(member(run, 'status'));
          const createdUtc = text(member(run, 'createdUtc'));
          return ok({
            runId,
            matchedBy: field,
            matches: found.length,
            run,
            ...(status ? { status } : {}),
            ...(createdUtc ? { createdUtc } : {}),
          });
        }
      }
      return ok(undefined);
    },
  };
}
