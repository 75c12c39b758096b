// The watched storage account's Event Grid system topic. The postdeploy hook subscribes each reactive
// blob trigger to it (the webhook needs the blobs_extension key, which exists only after code deploy),
// with dead-lettering through this topic's identity to the host storage's dead-letter container.
// A storage account has at most one system topic: if the account already has one, deploy fails with
// ARM's message; delete it or subscribe to it by hand (docs/operations.md).
// Deploying a Microsoft.EventGrid resource needs the provider registered in the subscription: the
// preprovision hook registers it (`az provider register -n Microsoft.EventGrid`).
@description('Region of the watched account (a system topic lives in its source\'s region).')
param location string
param tags object
param resourceToken string
param storageAccountName string
@description('Action group of the delivery-failure alert (empty: none).')
param actionGroupId string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: 'evgt-amltrig-${resourceToken}'
  location: location
  tags: tags
  identity: { type: 'SystemAssigned' }
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// Event Grid could not deliver an event (the app answered an error or did not answer), or gave one up
// and dead-lettered it. One alert per metric: a metric alert's criteria all have to hold (AND).
var deliveryMetrics = [
  { name: 'DeliveryAttemptFailCount', key: 'delivery-failed', description: 'Event Grid failed to deliver blob events to the app (it retries for 24 h).' }
  { name: 'DeadLetteredCount', key: 'dead-lettered', description: 'Event Grid gave up on blob events and dead-lettered them (container eventgrid-deadletter on the app storage).' }
]

resource deliveryAlerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [
  for m in deliveryMetrics: {
    name: 'alert-amltrig-eventgrid-${m.key}-${resourceToken}'
    location: 'global'
    tags: tags
    properties: {
      description: '${m.description} See docs/operations.md, Alerts.'
      severity: 2
      enabled: true
      scopes: [topic.id]
      evaluationFrequency: 'PT5M'
      windowSize: 'PT15M'
      criteria: {
        'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
        allOf: [
          {
            criterionType: 'StaticThresholdCriterion'
            name: m.key
            metricNamespace: 'Microsoft.EventGrid/systemTopics'
            metricName: m.name
            operator: 'GreaterThan'
            threshold: 0
            timeAggregation: 'Total'
          }
        ]
      }
      actions: empty(actionGroupId) ? [] : [{ actionGroupId: actionGroupId }]
    }
  }
]

output systemTopicName string = topic.name
output systemTopicPrincipalId string = topic.identity.principalId
