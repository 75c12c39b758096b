// Deploys aml-pipeline-triggers: a Flex Consumption Function App running as a user-assigned managed
// identity, its storage (shared keys off), Log Analytics + Application Insights (Entra-only ingestion),
// and the role assignments the app needs, including AzureML Data Scientist on the ML workspace.
// `azd up` provisions this; the Event Grid subscription for reactive schedules is created after code
// deployment by infra/hooks/postdeploy.sh (the blobs extension key exists only once code is deployed).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; used to derive unique resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource (one that offers Flex Consumption).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource id of the Azure ML workspace whose pipelines the app submits. Empty: no role is assigned (assign AzureML Data Scientist yourself).')
param amlWorkspaceResourceId string = ''

@description('Default workspace for targets that name none (AML_SUBSCRIPTION_ID / AML_RESOURCE_GROUP / AML_WORKSPACE_NAME).')
param amlSubscriptionId string = ''
param amlResourceGroup string = ''
param amlWorkspaceName string = ''

@description('Name of an existing storage account whose containers reactive schedules watch. Empty: no reactive schedules.')
param dataStorageAccountName string = ''

@description('Resource group of dataStorageAccountName (default: the app\'s own resource group).')
param dataStorageResourceGroup string = ''

@description('Object id of the deploying user, granted data access to the app storage for debugging. Empty: none.')
param principalId string = ''

@description('Node.js major version of the Functions runtime.')
@allowed(['20', '22'])
param nodeVersion string = '20'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

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
    amlSubscriptionId: amlSubscriptionId
    amlResourceGroup: amlResourceGroup
    amlWorkspaceName: amlWorkspaceName
    dataStorageAccountName: dataStorageAccountName
  }
}

// The ML workspace usually lives in another resource group (or subscription): assign the role there.
module amlRole 'app/aml-role.bicep' = if (!empty(amlWorkspaceResourceId)) {
  name: 'aml-triggers-aml-role'
  scope: resourceGroup(split(amlWorkspaceResourceId, '/')[2], split(amlWorkspaceResourceId, '/')[4])
  params: {
    workspaceName: last(split(amlWorkspaceResourceId, '/'))
    principalId: app.outputs.identityPrincipalId
  }
}

module dataRoles 'app/data-storage-roles.bicep' = if (!empty(dataStorageAccountName)) {
  name: 'aml-triggers-data-roles'
  scope: resourceGroup(empty(dataStorageResourceGroup) ? rg.name : dataStorageResourceGroup)
  params: {
    storageAccountName: dataStorageAccountName
    principalId: app.outputs.identityPrincipalId
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName
output SERVICE_API_NAME string = app.outputs.functionAppName
output APPLICATIONINSIGHTS_CONNECTION_STRING string = app.outputs.applicationInsightsConnectionString
output DATA_STORAGE_ACCOUNT_NAME string = dataStorageAccountName
output DATA_STORAGE_RESOURCE_GROUP string = empty(dataStorageResourceGroup) ? rg.name : dataStorageResourceGroup
