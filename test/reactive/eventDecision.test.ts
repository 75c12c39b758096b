import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src/errors';
import type { BlobEvent } from '../../src/reactive/blobEvent';
import { decideEvent, type EventFacts } from '../../src/reactive/eventDecision';

const event = (over: Partial<BlobEvent> = {}): BlobEvent => ({
  kind: 'created',
  container: 'c',
  blobName: 'in/x.csv',
  folderMarker: false,
  origin: 'blobTrigger',
  ...over,
});
const facts = (over: Partial<EventFacts> = {}): EventFacts => ({
  parsed: ok(event()),
  matched: 1,
  canProbe: true,
  ...over,
});
const blob = { exists: true as const, etag: '"0xB"', contentLength: 5 };

describe('what to do with one blob event (eventDecision.ts)', () => {
  it('an unreadable event fails the invocation (never a silent success)', () => {
    const d = decideEvent(
      facts({
        parsed: err({
          code: 'reactive.event.invalid',
          message: 'no blobTrigger',
          field: 'triggerMetadata.blobTrigger',
        }),
        matched: 0,
      }),
    );
    expect(d).toMatchObject({ kind: 'fail', reason: 'unreadable' });
    expect(d.kind === 'fail' && d.message).toContain('triggerMetadata.blobTrigger');
  });

  it('events certainly not ours are ignored with their reason, before any probe', () => {
    expect(decideEvent(facts({ parsed: ok(event({ kind: 'deleted' })) }))).toEqual({
      kind: 'ignore',
      reason: 'deleted',
    });
    expect(decideEvent(facts({ parsed: ok(event({ kind: 'other' })) }))).toEqual({
      kind: 'ignore',
      reason: 'not-a-content-change',
    });
    expect(decideEvent(facts({ parsed: ok(event({ api: 'SetBlobMetadata' })) }))).toEqual({
      kind: 'ignore',
      reason: 'not-a-content-change',
    });
    expect(decideEvent(facts({ parsed: ok(event({ folderMarker: true })) }))).toEqual({
      kind: 'ignore',
      reason: 'folder-marker',
    });
    expect(decideEvent(facts({ parsed: ok(event({ blobName: 'in/dir/' })) }))).toEqual({
      kind: 'ignore',
      reason: 'folder-marker',
    });
    expect(decideEvent(facts({ parsed: ok(event({ contentLength: 0 })) }))).toEqual({
      kind: 'ignore',
      reason: 'zero-length',
    });
    expect(decideEvent(facts({ matched: 0 }))).toEqual({ kind: 'ignore', reason: 'no-matching-schedule' });
  });

  it('a matched event reads the blob first when it can, whatever the event says about the version', () => {
    for (const etag of [undefined, '0xA'])
      expect(decideEvent(facts({ parsed: ok(event(etag ? { etag } : {})) }))).toEqual({ kind: 'probe' });
  });

  it("the version acted on is the blob's own ETag", () => {
    expect(decideEvent(facts({ probe: blob }))).toEqual({ kind: 'act', etag: '0xB', source: 'blob' });
    expect(decideEvent(facts({ parsed: ok(event({ etag: '0xB' })), probe: blob }))).toEqual({
      kind: 'act',
      etag: '0xB',
      source: 'blob',
    });
  });

  it('what the blob itself says: gone, replaced, folder marker, empty → ignore; no ETag → fail', () => {
    expect(decideEvent(facts({ probe: { exists: false } }))).toEqual({ kind: 'ignore', reason: 'deleted' });
    expect(decideEvent(facts({ parsed: ok(event({ etag: '0xA' })), probe: blob }))).toEqual({
      kind: 'ignore',
      reason: 'superseded',
    });
    expect(decideEvent(facts({ probe: { ...blob, folderMarker: true } }))).toEqual({
      kind: 'ignore',
      reason: 'folder-marker',
    });
    expect(decideEvent(facts({ probe: { ...blob, contentLength: 0 } }))).toEqual({
      kind: 'ignore',
      reason: 'zero-length',
    });
    expect(decideEvent(facts({ probe: { ...blob, etag: '' } }))).toMatchObject({ kind: 'fail', reason: 'no-version' });
  });

  it('a probe that failed fails the invocation (retried later)', () => {
    const d = decideEvent(
      facts({ probe: { failed: { code: 'storage.unavailable', message: 'ECONNRESET', transient: true } } }),
    );
    expect(d).toMatchObject({ kind: 'fail', reason: 'probe-failed' });
    expect(d.kind === 'fail' && d.message).toContain('ECONNRESET');
  });

  it("without a probe: the event's ETag is trusted; without one the version cannot be learnt → fail, naming REACTIVE_STORAGE", () => {
    expect(decideEvent(facts({ canProbe: false, parsed: ok(event({ etag: '0xA' })) }))).toEqual({
      kind: 'act',
      etag: '0xA',
      source: 'event',
    });
    const d = decideEvent(facts({ canProbe: false }));
    expect(d).toMatchObject({ kind: 'fail', reason: 'no-version' });
    expect(d.kind === 'fail' && d.message).toContain('REACTIVE_STORAGE');
  });
});
