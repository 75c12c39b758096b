/**
 * The postdeploy hook's decisions (infra/hooks/postdeploy.mjs): which functions get an Event Grid
 * subscription, and the exact ARM body it PUTs: webhook to the app's own host name with the blobs
 * extension key, BlobCreated in the container's folder only for blob-creating APIs, Event Grid's longest
 * retry (24 h), then dead-lettering through the system topic's identity instead of dropping.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script (no types), imported for its pure functions.
import { BLOB_APIS, reactiveFunctions, subscriptionBody, subscriptionName } from '../../infra/hooks/postdeploy.mjs';

describe('postdeploy hook', () => {
  it('subscribes the reactive blob triggers only, whatever prefix az lists them with', () => {
    expect(
      reactiveFunctions(['func-x/reactiveBlob-landing', 'func-x/scheduleTimer', 'health', 'reactiveBlob-raw']),
    ).toEqual(['reactiveBlob-landing', 'reactiveBlob-raw']);
    expect(reactiveFunctions(['func-x/submitPipelineRun'])).toEqual([]);
    expect(subscriptionName('landing')).toBe('amltrig-landing');
  });

  it('writes the webhook, filter, 24 h retry and identity-based dead-lettering', () => {
    const body = subscriptionBody({
      hostName: 'func-amltrig-abc.azurewebsites.net',
      functionName: 'reactiveBlob-landing',
      key: 'k/ey+=',
      container: 'landing',
      deadLetterStorageId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st',
      deadLetterContainer: 'eventgrid-deadletter',
    });
    expect(body.properties.destination).toEqual({
      endpointType: 'WebHook',
      properties: {
        endpointUrl:
          'https://func-amltrig-abc.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.reactiveBlob-landing&code=k%2Fey%2B%3D',
      },
    });
    expect(body.properties.filter).toEqual({
      includedEventTypes: ['Microsoft.Storage.BlobCreated'],
      subjectBeginsWith: '/blobServices/default/containers/landing/blobs/',
      advancedFilters: [{ operatorType: 'StringIn', key: 'data.api', values: BLOB_APIS }],
    });
    expect(BLOB_APIS).toEqual(['PutBlob', 'PutBlockList', 'CopyBlob', 'FlushWithClose']);
    expect(body.properties.retryPolicy).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
    expect(body.properties.deadLetterWithResourceIdentity).toEqual({
      identity: { type: 'SystemAssigned' },
      deadLetterDestination: {
        endpointType: 'StorageBlob',
        properties: {
          resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st',
          blobContainerName: 'eventgrid-deadletter',
        },
      },
    });
  });
});
