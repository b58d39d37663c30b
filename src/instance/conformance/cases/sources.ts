/** Where the conformance cases' expectations come from (cited by each case). */
export const SOURCES = {
  tableApi: 'ServiceNow docs, REST API reference > Table API (https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html)',
  statusCodes:
    'ServiceNow docs, REST API HTTP response codes: 406 "endpoint does not support the response format in Accept", 415 "endpoint does not support the format of the request body"',
  aggregateApi: 'ServiceNow docs, REST API reference > Aggregate API (https://www.servicenow.com/docs/r/api-reference/rest-apis/c_AggregateAPI.html)',
  attachmentApi: 'ServiceNow docs, REST API reference > Attachment API (https://www.servicenow.com/docs/r/api-reference/rest-apis/c_AttachmentAPI.html)',
  restExplorerXml: 'ServiceNow REST API Explorer: XML request bodies are <request><entry>…</entry></request>',
  clients: 'issue 13: Table API clients from the npm registry (a Table API client, Backstage\'s ServiceNow backend, its OpenAPI-generated client) read these fields',
} as const;
