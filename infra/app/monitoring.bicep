// Operator's view (docs/operations.md, Alerts): an availability test on GET /api/health and the alerts
// on what the app and the Functions host write to Application Insights. Query alerts run every 5
// minutes over the last 15 (the timer one over 10), against the Application Insights resource.
param location string
param tags object
param resourceToken string
param applicationInsightsName string
param functionAppName string
param functionAppHostName string
@description('E-mail address that receives the alerts. Empty: no action group; alerts show in the portal only.')
param alertEmail string

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-amltrig-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'amltriggers'
    enabled: true
    emailReceivers: [{ name: 'operator', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

var actions = empty(alertEmail) ? [] : [actionGroup.id]

// Standard availability test: GET https://<defaultHostName>/api/health from three regions every 5
// minutes; the endpoint answers 503 when a dependency is down or the timer stopped ticking.
resource healthTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: 'webtest-amltrig-health-${resourceToken}'
  location: location
  tags: union(tags, { 'hidden-link:${appInsights.id}': 'Resource' })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: 'webtest-amltrig-health-${resourceToken}'
    Name: '${functionAppName} /api/health'
    Description: 'GET /api/health answers 200 (docs/operations.md, Health).'
    Enabled: true
    Frequency: 300
    Timeout: 60
    Kind: 'standard'
    RetryEnabled: true
    Locations: [{ Id: 'emea-nl-ams-azr' }, { Id: 'us-va-ash-azr' }, { Id: 'apac-sg-sin-azr' }]
    Request: {
      RequestUrl: 'https://${functionAppHostName}/api/health'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

resource healthAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-amltrig-health-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'GET /api/health failed from 2 or more locations: see its body for the failing check.'
    severity: 1
    enabled: true
    scopes: [healthTest.id, appInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: healthTest.id
      componentId: appInsights.id
      failedLocationCount: 2
    }
    actions: [for id in actions: { actionGroupId: id }]
  }
}

// One log alert per condition. Each query returns the matching rows; the alert counts them
// (timeAggregation Count). `code` is the app's error code in its events (customDimensions.code) and in
// its log lines (traces).
var queryAlerts = [
  {
    key: 'failed-invocations'
    severity: 2
    window: 'PT15M'
    description: 'A function invocation failed (requests with success == false): timer ticks that could not run, blob events that failed (the host retries them, then poison-queues them), HTTP calls answered 5xx.'
    query: 'requests | where success == false'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    key: 'unknown-outcomes'
    severity: 1
    window: 'PT15M'
    description: 'A submission may or may not have reached Azure ML (outcome unknown): never resent; check the run list in Azure ML, then the schedule history (docs/operations.md).'
    query: 'union customEvents, traces | where tostring(customDimensions.code) has "outcome_unknown" or tostring(customDimensions.status) == "unknown" or message has "outcome_unknown"'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    key: 'aml-forbidden'
    severity: 1
    window: 'PT15M'
    description: 'Azure ML refused the app\'s identity (aml.forbidden): assign AzureML Data Scientist (and Reader) on the workspace to the app\'s managed identity.'
    query: 'union customEvents, traces, exceptions | where tostring(customDimensions.code) == "aml.forbidden" or message has "aml.forbidden" or outerMessage has "aml.forbidden"'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    key: 'timer-not-ticking'
    severity: 1
    window: 'PT10M'
    description: 'The schedule timer has not run for 10 minutes (it ticks every minute): the app is stopped, failing to start, or the timer lease is stuck.'
    query: 'requests | where operation_Name == "scheduleTimer"'
    operator: 'LessThan'
    threshold: 1
  }
  {
    key: 'poison-queue'
    severity: 2
    window: 'PT15M'
    description: 'The Functions host moved a blob-trigger message to the webjobs-blobtrigger-poison queue (5 failed attempts): that blob was not handled. Inspect that queue on the watched storage account (docs/operations.md).'
    query: 'traces | where message has "webjobs-blobtrigger-poison"'
    operator: 'GreaterThan'
    threshold: 0
  }
]

resource alerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for a in queryAlerts: {
    name: 'alert-amltrig-${a.key}-${resourceToken}'
    location: location
    tags: tags
    properties: {
      displayName: '${functionAppName}: ${a.key}'
      description: a.description
      severity: a.severity
      enabled: true
      scopes: [appInsights.id]
      evaluationFrequency: 'PT5M'
      windowSize: a.window
      criteria: {
        allOf: [
          {
            query: a.query
            timeAggregation: 'Count'
            operator: a.operator
            threshold: a.threshold
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
          }
        ]
      }
      actions: { actionGroups: actions }
    }
  }
]

output actionGroupId string = empty(alertEmail) ? '' : actionGroup.id
