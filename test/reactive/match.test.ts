import { describe, expect, it } from 'vitest';
import type { BlobEvent } from '../../src/reactive/blobEvent';
import { folderOf, ignoreReason, isDirectlyIn, matchingSchedules } from '../../src/reactive/match';

const long = `in/${'é'.repeat(500)}x.csv`;

describe('isDirectlyIn: a blob fires a watch only directly inside its folder (literal, segment-wise)', () => {
  const cases: Array<[string, string, string, boolean]> = [
    // folder, blob name, why, fires
    ['in', 'in/a.csv', 'direct child', true],
    ['in', 'in/sub/a.csv', 'subfolder (the SDK rule)', false],
    ['in', 'in/../x.csv', '".." is a literal subfolder segment', false],
    ['in', 'in/./x.csv', '"." is a literal subfolder segment', false],
    ['in', 'in//x.csv', 'empty segment is a subfolder', false],
    ['in', 'inbox/a.csv', 'prefix of another folder name', false],
    ['in', 'in', 'the folder name itself', false],
    ['in', 'in/', 'folder marker', false],
    ['in', 'a.csv', 'top level', false],
    ['', 'a.csv', 'top level watch', true],
    ['', 'in/a.csv', 'top-level watch, blob in a folder', false],
    ['', '/a.csv', 'leading slash means an empty first segment', false],
    ['', '../a.csv', '".." at the top is a folder named ".."', false],
    ['in/daily', 'in/daily/a b #1 %20 ?.csv', 'odd characters', true],
    ['in/daily', 'in/daily/ünï©ødé 日本.csv', 'unicode', true],
    ['in', long, 'very long name', true],
    ['in/..', 'in/../x.csv', 'only a watch literally named ".." would match', true],
  ];
  it.each(cases)('folder %j, blob %j (%s) → %s', (folder, name, _why, fires) => {
    expect(isDirectlyIn({ container: 'data', folder }, 'data', name)).toBe(fires);
  });

  it('requires the same container', () => {
    expect(isDirectlyIn({ container: 'data', folder: '' }, 'other', 'a.csv')).toBe(false);
  });
});

describe('folderOf normalises path_on_datastore as users write it', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['/', ''],
    ['in', 'in'],
    ['in/', 'in'],
    ['/in/daily/', 'in/daily'],
  ])('%j → %j', (input, folder) => expect(folderOf(input)).toBe(folder));
});

describe('matchingSchedules', () => {
  it('returns every schedule watching the folder, in order, and no other', () => {
    const schedules = [
      { name: 'a', watch: { container: 'data', folder: 'in' } },
      { name: 'b', watch: { container: 'data', folder: 'in' } },
      { name: 'c', watch: { container: 'data', folder: '' } },
      { name: 'd', watch: { container: 'other', folder: 'in' } },
    ];
    expect(matchingSchedules(schedules, 'data', 'in/x.csv').map((s) => s.name)).toEqual(['a', 'b']);
    expect(matchingSchedules(schedules, 'data', 'x.csv').map((s) => s.name)).toEqual(['c']);
    expect(matchingSchedules(schedules, 'data', 'in/sub/x.csv')).toEqual([]);
  });
});

describe('ignoreReason', () => {
  const event = (over: Partial<BlobEvent>): BlobEvent => ({
    kind: 'created',
    container: 'data',
    blobName: 'in/a.csv',
    etag: '0x1',
    contentLength: 10,
    folderMarker: false,
    origin: 'eventGrid',
    ...over,
  });
  it.each<[Partial<BlobEvent>, string | undefined]>([
    [{}, undefined],
    [{ api: 'PutBlob' }, undefined],
    [{ api: 'PutBlockList' }, undefined],
    [{ api: 'CopyBlob' }, undefined],
    [{ api: 'FlushWithClose' }, undefined],
    [{ api: 'CreateFile', contentLength: 0 }, 'not-a-content-change'],
    [{ kind: 'deleted', api: 'DeleteBlob' }, 'deleted'],
    [{ blobName: 'in/sub/' }, 'folder-marker'],
    [{ folderMarker: true, contentLength: 0 }, 'folder-marker'],
    [{ contentLength: 0 }, 'zero-length'],
    [{ contentLength: undefined }, undefined],
  ])('%j → %s', (over, reason) => expect(ignoreReason(event(over))).toBe(reason));
});
