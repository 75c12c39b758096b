// Everything in the app's resource group. Native resource declarations (no registry modules), so the
// template can be read top to bottom and deployed offline by `az deployment sub create` as well as azd.
param location string
param tags object
param resourceToken string
param nodeVersion string
param principalId string
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string
param amlTargetsFile string
param amlSubscriptionId string
param amlResourceGroup string
param amlWorkspaceName string
param dataStorageAccountName string

@description('Flex Consumption instance memory (MB): 512 is enough for this app (docs/operations.md, Cost).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 512
@description('Flex Consumption scale-out cap.')
param maximumInstanceCount int = 40

var functionAppName = 'func-amltrig-${resourceToken}'
var storageAccountName = 'stamltrig${take(resourceToken, 13)}'
var deploymentContainer = 'app-package-${take(resourceToken, 20)}'
var stateContainer = 'aml-triggers'
// Event Grid writes events it could not deliver within its retry policy (24 h) here.
var deadLetterContainer = 'eventgrid-deadletter'

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-amltrig-${resourceToken}'
  location: location
  tags: tags
}

// Host storage: AzureWebJobsStorage (timer singleton lease, blob-trigger queue), the deployment package,
// and the schedule state container. Shared-key access is off: everything goes through the identity.
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
  resource blobs 'blobServices' = {
    name: 'default'
    resource deployment 'containers' = { name: deploymentContainer }
    resource state 'containers' = { name: stateContainer }
    resource deadLetter 'containers' = { name: deadLetterContainer }
  }
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-amltrig-${resourceToken}'
  location: location
  tags: tags
  properties: {
    retentionInDays: 30
    sku: { name: 'PerGB2018' }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-amltrig-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-amltrig-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: { minTlsVersion: '1.2' }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
        }
      }
      scaleAndConcurrency: { instanceMemoryMB: instanceMemoryMB, maximumInstanceCount: maximumInstanceCount }
      runtime: { name: 'node', version: nodeVersion }
    }
  }
  resource settings 'config' = {
    name: 'appsettings'
    properties: {
      // Host storage by identity (functions-host.md: identity-based connections).
      AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
      AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
      AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.properties.clientId
      // Application Insights with Entra-only ingestion.
      APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
      // The app's own settings (see local.settings.sample.json and README "Settings").
      AML_MANAGED_IDENTITY_CLIENT_ID: identity.properties.clientId
      AML_TARGETS_FILE: amlTargetsFile
      AML_SUBSCRIPTION_ID: amlSubscriptionId
      AML_RESOURCE_GROUP: amlResourceGroup
      AML_WORKSPACE_NAME: amlWorkspaceName
      SCHEDULE_STATE_CONTAINER: stateContainer
      // Reactive schedules: the watched account, by identity; the Event Grid source (no polling).
      REACTIVE_TRIGGER_SOURCE: 'EventGrid'
      REACTIVE_STORAGE__blobServiceUri: empty(dataStorageAccountName) ? '' : 'https://${dataStorageAccountName}.blob.${environment().suffixes.storage}/'
      REACTIVE_STORAGE__queueServiceUri: empty(dataStorageAccountName) ? '' : 'https://${dataStorageAccountName}.queue.${environment().suffixes.storage}/'
      REACTIVE_STORAGE__credential: 'managedidentity'
      REACTIVE_STORAGE__clientId: identity.properties.clientId
    }
  }
}

resource hostStorageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]: {
    name: guid(storage.id, identity.id, role)
    scope: storage
    properties: {
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

resource developerStorageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in (empty(principalId) ? [] : [roles.storageBlobDataOwner, roles.storageQueueDataContributor]): {
    name: guid(storage.id, principalId, role)
    scope: storage
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

resource telemetryRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

output functionAppName string = functionApp.name
output functionAppHostName string = functionApp.properties.defaultHostName
output applicationInsightsName string = appInsights.name
output storageAccountName string = storage.name
output deadLetterContainer string = deadLetterContainer
output identityPrincipalId string = identity.properties.principalId
output identityClientId string = identity.properties.clientId
output applicationInsightsConnectionString string = appInsights.properties.ConnectionString
