import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { azuriteConnectionString, uniqueContainerName } from '../support/azurite';

describe('test bed: Azurite', () => {
  it('stores and returns a blob', async () => {
    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    const container = service.getContainerClient(uniqueContainerName('smoke'));
    await container.create();
    await container.getBlockBlobClient('a.txt').upload('hello', 5);
    const text = (await container.getBlockBlobClient('a.txt').downloadToBuffer()).toString();
    expect(text).toBe('hello');
  });
});
