#!/bin/sh
# azd postdeploy hook: subscribe each reactive blob-trigger function to the watched storage account's
# BlobCreated events. Runs after code deployment because the webhook needs the `blobs_extension` system
# key, which exists only then. Function names come from the deployed app itself (one `reactiveBlob-<c>`
# per watched container), so this script never disagrees with the app about what is watched.
set -eu
if [ -z "${DATA_STORAGE_ACCOUNT_NAME:-}" ]; then
  echo "postdeploy: DATA_STORAGE_ACCOUNT_NAME is not set: no reactive schedules, no Event Grid subscription."
  exit 0
fi
APP="$AZURE_FUNCTION_APP_NAME"
RG="$AZURE_RESOURCE_GROUP"
DATA_RG="${DATA_STORAGE_RESOURCE_GROUP:-$RG}"
KEY=$(az functionapp keys list -n "$APP" -g "$RG" --query "systemKeys.blobs_extension" -o tsv)
if [ -z "$KEY" ]; then
  echo "postdeploy: the blobs_extension key is missing: is a reactive schedule deployed with REACTIVE_TRIGGER_SOURCE=EventGrid?" >&2
  exit 0
fi
STORAGE_ID=$(az storage account show -n "$DATA_STORAGE_ACCOUNT_NAME" -g "$DATA_RG" --query id -o tsv)
FUNCTIONS=$(az functionapp function list -n "$APP" -g "$RG" --query "[].name" -o tsv | sed 's#.*/##' | grep '^reactiveBlob-' || true)
for FN in $FUNCTIONS; do
  CONTAINER=${FN#reactiveBlob-}
  echo "postdeploy: subscribing $FN to BlobCreated in container $CONTAINER of $DATA_STORAGE_ACCOUNT_NAME"
  az eventgrid event-subscription create \
    --name "aml-triggers-$CONTAINER" \
    --source-resource-id "$STORAGE_ID" \
    --endpoint "https://$APP.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.$FN&code=$KEY" \
    --included-event-types Microsoft.Storage.BlobCreated \
    --subject-begins-with "/blobServices/default/containers/$CONTAINER/blobs/" \
    --advanced-filter data.api stringin PutBlob PutBlockList CopyBlob FlushWithClose \
    --output none
done
