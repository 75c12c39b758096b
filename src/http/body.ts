/**
 * Reading a request body with a size limit, before any parsing: a body over the limit is refused as
 * soon as the limit is passed (or straight from `Content-Length`), never buffered whole.
 */
import type { HttpRequest } from '@azure/functions';
import type { AppError, Result } from '../errors';
import { err, ok } from '../errors';

/** 1 MiB: far above any real submission (a body is a few hundred bytes), far below the host's limit. */
export const MAX_BODY_BYTES = 1024 * 1024;

function tooLarge(limit: number, seen: string): AppError {
  return {
    code: 'request.body.too_large',
    status: 413,
    field: 'body',
    message: `The request body is ${seen}; the limit is ${limit} bytes (1 MiB). Send only the submission fields.`,
  };
}

/** Refuses up front when `Content-Length` already says the body is too large (or is not a number). */
export function checkContentLength(header: string | null, limit = MAX_BODY_BYTES): AppError | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (!/^\d+$/.test(header.trim())) {
    return {
      code: 'request.header.invalid',
      status: 400,
      field: 'Content-Length',
      value: header,
      message: `Content-Length ${JSON.stringify(header)} is not a byte count.`,
    };
  }
  const length = Number(header.trim());
  return length > limit ? tooLarge(limit, `${length} bytes (Content-Length)`) : undefined;
}

/**
 * The body as UTF-8 text, at most `limit` bytes. Invalid UTF-8 is refused rather than silently replaced,
 * since a replaced character in a parameter value would reach the pipeline unnoticed.
 */
export async function readBodyText(request: HttpRequest, limit = MAX_BODY_BYTES): Promise<Result<string, AppError>> {
  const stream = request.body;
  if (!stream) return ok('');
  const reader = stream.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return err(tooLarge(limit, `over ${limit} bytes`));
    }
    chunks.push(value);
  }
  try {
    return ok(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Buffer.concat(chunks)));
  } catch {
    return err({
      code: 'request.body.encoding',
      status: 400,
      field: 'body',
      message: 'The request body is not valid UTF-8 text. Send JSON encoded as UTF-8.',
    });
  }
}
