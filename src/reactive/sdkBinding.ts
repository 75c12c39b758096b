/**
 * Keeping the blob's bytes out of the worker (issue 5, point 5).
 *
 * Findings (@azure/functions 4.16.5, read in node_modules/@azure/functions):
 *  - A plain blob trigger makes the host download the whole blob and send it over gRPC; the handler's
 *    first argument is a Buffer of the full content (fromRpcTypedData: `bytes` → Buffer). A `dataType`
 *    setting only changes string vs binary; it never avoids the download.
 *  - `sdkBinding: true` on the trigger (types/storage.d.ts `StorageBlobOptions.sdkBinding`) sets the
 *    binding property `supportsDeferredBinding: "true"` (converters/toCoreFunctionMetadata.ts). The host
 *    then sends `modelBindingData` — a reference `{ Connection, ContainerName, BlobName }` as JSON, source
 *    `AzureStorageBlobs` — instead of the content, and the library turns it into the handler's argument
 *    through `ResourceFactoryResolver.getInstance().createClient(source, data)` from
 *    `@azure/functions-extensions-base` (a dependency of @azure/functions, installed with it, version
 *    pinned to 0.3.0 by @azure/functions 4.16.5; the library `require`s it as an external, so the
 *    singleton we register with is the one it reads).
 *  - The official factory, `@azure/functions-extensions-blob` (preview), is not on the npm registry this
 *    project can use (`npm view @azure/functions-extensions-blob` → 404, as is
 *    `@azure/functions-extensions-bindings-blob`); it would build a storage client we do not need anyway.
 *    So we register our own tiny factory for `AzureStorageBlobs` that returns the reference itself: the
 *    handler gets names, never bytes, and reads ETag/length/content type from `context.triggerMetadata`.
 *  - If a host or extension bundle too old for deferred binding ignores the flag, the handler still works
 *    (it never reads its first argument) but the bytes do travel; `describeBlobArgument` lets the
 *    function log a warning once so operators notice. `REACTIVE_TRIGGER_SOURCE=EventGridTrigger` avoids
 *    the question entirely (an Event Grid trigger never touches the blob; see docs/reactive.md).
 */
import type { ModelBindingData } from '@azure/functions-extensions-base';

/**
 * `require`, not `import`: the package's ESM build exports only `default`, and the singleton must be the
 * CommonJS instance that @azure/functions (a CommonJS bundle) `require`s, also when tests run as ESM.
 */
type ExtensionsBase = typeof import('@azure/functions-extensions-base');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ResourceFactoryResolver } = require('@azure/functions-extensions-base') as ExtensionsBase;

export const AZURE_STORAGE_BLOBS = 'AzureStorageBlobs';

/** The resolver @azure/functions asks for SDK-binding arguments (the same singleton). */
export function resourceFactoryResolver(): ReturnType<typeof ResourceFactoryResolver.getInstance> {
  return ResourceFactoryResolver.getInstance();
}

/** What the handler receives instead of the content when deferred binding is in effect. */
export interface BlobReference {
  readonly kind: 'blobReference';
  readonly connection?: string;
  readonly containerName?: string;
  readonly blobName?: string;
}

function referenceFrom(data: ModelBindingData): BlobReference {
  let content: unknown;
  try {
    const raw = data.content;
    const text = raw === null || raw === undefined ? '' : Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
    content = text ? JSON.parse(text) : {};
  } catch {
    content = {};
  }
  const c = (typeof content === 'object' && content !== null ? content : {}) as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof c[k] === 'string' ? (c[k] as string) : undefined);
  const connection = str('Connection');
  const containerName = str('ContainerName');
  const blobName = str('BlobName');
  return {
    kind: 'blobReference',
    ...(connection !== undefined ? { connection } : {}),
    ...(containerName !== undefined ? { containerName } : {}),
    ...(blobName !== undefined ? { blobName } : {}),
  };
}

/**
 * Registers the reference-only factory for `AzureStorageBlobs` unless one is registered already
 * (e.g. the official extension, if a deployment adds it: then the argument is its client, still no bytes).
 * Idempotent; returns whether ours is the registered one.
 */
export function registerBlobReferenceFactory(): boolean {
  const resolver = ResourceFactoryResolver.getInstance();
  if (resolver.hasResourceFactory(AZURE_STORAGE_BLOBS)) return false;
  resolver.registerResourceFactory(AZURE_STORAGE_BLOBS, (data) =>
    Array.isArray(data) ? data.map(referenceFrom) : referenceFrom(data),
  );
  return true;
}

/** What the first argument of a blob trigger handler is, for a log line: never its content. */
export function describeBlobArgument(arg: unknown): {
  readonly bytes: number;
  readonly kind: 'reference' | 'content' | 'other';
} {
  if (Buffer.isBuffer(arg)) return { bytes: arg.length, kind: 'content' };
  if (typeof arg === 'string') return { bytes: Buffer.byteLength(arg), kind: 'content' };
  if (typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === 'blobReference')
    return { bytes: 0, kind: 'reference' };
  return { bytes: 0, kind: 'other' };
}
