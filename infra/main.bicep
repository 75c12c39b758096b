// Deploys aml-pipeline-triggers: a Flex Consumption Function App running as a user-assigned managed
// identity, its storage (shared keys off), Log Analytics + Application Insights (Entra-only ingestion),
// the role assignments the app needs (AzureML Data Scientist and Reader on the ML workspace), an
// availability test on GET /api/health and the alerts of docs/operations.md.
// `azd up` provisions this; the Event Grid subscriptions for reactive schedules are created after code
// deployment by infra/hooks/postdeploy.sh|ps1 (the blobs extension key exists only once code is deployed).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; used to derive unique resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource (one that offers Flex Consumption).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource id of the Azure ML workspace whose pipelines the app submits (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<name>). Empty: no role is assigned (assign AzureML Data Scientist and Reader yourself).')
param amlWorkspaceResourceId string = ''

@description('The targets file the app reads (AML_TARGETS_FILE), relative to host.json; scripts/package.mjs refuses to package without it.')
param amlTargetsFile string = 'config/pipelines.yaml'

@description('Default workspace for targets that name none (AML_SUBSCRIPTION_ID / AML_RESOURCE_GROUP / AML_WORKSPACE_NAME).')
param amlSubscriptionId string = ''
param amlResourceGroup string = ''
param amlWorkspaceName string = ''

@description('Name of an existing StorageV2 account whose containers reactive schedules watch. Empty: no reactive schedules.')
param dataStorageAccountName string = ''

@description('Resource group of dataStorageAccountName (default: the app\'s own resource group).')
param dataStorageResourceGroup string = ''

@description('Region of dataStorageAccountName (default: location).')
param dataStorageLocation string = ''

@description('Object id of the principal running azd, granted data access to the app storage for debugging. Empty: none.')
param principalId string = ''

@description('Kind of principalId: User when a person runs azd, ServicePrincipal in a pipeline (azd sets AZURE_PRINCIPAL_TYPE).')
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Node.js major version of the Functions runtime (20 reached end of life in April 2026).')
@allowed(['20', '22'])
param nodeVersion string = '22'

@description('E-mail address that receives the alerts. Empty: the alerts fire in the portal only.')
param alertEmail string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
}

// ARM evaluates a module's scope even when its condition is false, so an empty id must still split into
// enough segments: the placeholder is never deployed.
var amlWorkspaceSegments = split(empty(amlWorkspaceResourceId) ? '/subscriptions/none/resourceGroups/none/providers/none/none/none' : amlWorkspaceResourceId, '/')
var dataResourceGroup = empty(dataStorageResourceGroup) ? rg.name : dataStorageResourceGroup

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module app 'app/resources.bicep' = {
  name: 'aml-triggers-resources'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    nodeVersion: nodeVersion
    principalId: principalId
    principalType: principalType
    amlTargetsFile: amlTargetsFile
    amlSubscriptionId: amlSubscriptionId
    amlResourceGroup: amlResourceGroup
    amlWorkspaceName: amlWorkspaceName
    dataStorageAccountName: dataStorageAccountName
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'aml-triggers-monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    applicationInsightsName: app.outputs.applicationInsightsName
    functionAppName: app.outputs.functionAppName
    functionAppHostName: app.outputs.functionAppHostName
    alertEmail: alertEmail
  }
}

// The ML workspace usually lives in another resource group (or subscription): assign the role there.
module amlRole 'app/aml-role.bicep' = if (!empty(amlWorkspaceResourceId)) {
  name: 'aml-triggers-aml-role'
  scope: resourceGroup(amlWorkspaceSegments[2], amlWorkspaceSegments[4])
  params: {
    workspaceName: last(amlWorkspaceSegments)
    principalId: app.outputs.identityPrincipalId
  }
}

// The blob trigger (Event Grid source) reads blob properties and, as the Functions docs list for blob
// trigger connections, needs Blob Data Owner and Queue Data Contributor on the watched account (the
// extension's poison queue is created there). No Storage Account Contributor: it would allow listKeys,
// i.e. everything. Receipts and the trigger's work queue live on the host storage (AzureWebJobsStorage).
module dataRoles 'app/storage-roles.bicep' = if (!empty(dataStorageAccountName)) {
  name: 'aml-triggers-data-roles'
  scope: resourceGroup(dataResourceGroup)
  params: {
    storageAccountName: dataStorageAccountName
    principalId: app.outputs.identityPrincipalId
    roleIds: [roles.storageBlobDataOwner, roles.storageQueueDataContributor]
  }
}

// The watched account's Event Grid system topic (postdeploy subscribes the blob triggers to it), with
// an identity that writes undeliverable events to the host storage's dead-letter container.
module dataEvents 'app/data-events.bicep' = if (!empty(dataStorageAccountName)) {
  name: 'aml-triggers-data-events'
  scope: resourceGroup(dataResourceGroup)
  params: {
    location: empty(dataStorageLocation) ? location : dataStorageLocation
    tags: tags
    resourceToken: resourceToken
    storageAccountName: dataStorageAccountName
    actionGroupId: monitoring.outputs.actionGroupId
  }
}

module deadLetterRole 'app/storage-roles.bicep' = if (!empty(dataStorageAccountName)) {
  name: 'aml-triggers-deadletter-role'
  scope: rg
  params: {
    storageAccountName: app.outputs.storageAccountName
    principalId: dataEvents.?outputs.systemTopicPrincipalId ?? ''
    roleIds: [roles.storageBlobDataContributor]
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName
output SERVICE_API_NAME string = app.outputs.functionAppName
output APPLICATIONINSIGHTS_CONNECTION_STRING string = app.outputs.applicationInsightsConnectionString
output AZURE_STORAGE_ACCOUNT_NAME string = app.outputs.storageAccountName
output EVENTGRID_DEADLETTER_CONTAINER string = app.outputs.deadLetterContainer
output DATA_STORAGE_ACCOUNT_NAME string = dataStorageAccountName
output DATA_STORAGE_RESOURCE_GROUP string = dataResourceGroup
output DATA_STORAGE_SYSTEM_TOPIC string = dataEvents.?outputs.systemTopicName ?? ''
