// On the Azure ML workspace: AzureML Data Scientist lets the app's identity submit published-pipeline
// runs; Reader lets it read the workspace (service host discovery) and its datastores through ARM.
param workspaceName string
param principalId string

var roles = [
  'f6c7c914-8db3-469d-8ca1-694a8f32e121' // AzureML Data Scientist
  'acdd72a7-3385-48ef-bd42-f606fba81ae7' // Reader
]

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' existing = {
  name: workspaceName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in roles: {
    name: guid(workspace.id, principalId, role)
    scope: workspace
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]
