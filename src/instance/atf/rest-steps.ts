import { StepFailure, type RestAnswer, type StepContext, type StepHandler } from './context';
import { objectInput } from './inputs';

/**
 * The REST category: "Send REST Request - Inbound" sends a real HTTP request to the instance itself
 * (authenticated with a basic auth profile's credentials), and the assertions that follow it read
 * its answer. As on the platform, an assertion must come right after the request (or after another
 * assertion of it).
 */

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

function basicCredentials(ctx: StepContext, profileId: string): string {
  const profile = ctx.engine.get('sys_auth_profile_basic', profileId, { session: ctx.engine.systemSession() });
  if (!profile) throw new StepFailure(`no basic auth profile ${profileId} (sys_auth_profile_basic)`);
  const password = profile.values.password ? ctx.engine.decrypt(profile.values.password) : '';
  return Buffer.from(`${profile.values.username ?? ''}:${password}`).toString('base64');
}

const sendRestRequest: StepHandler = async (ctx, inputs) => {
  const method = (inputs.http_method || 'get').toLowerCase();
  if (!METHODS.has(method)) throw new StepFailure(`unknown HTTP method ${method}`);
  const path = inputs.end_point ?? '';
  if (!path.startsWith('/')) throw new StepFailure(`the path must start with / (a path on this instance), not ${JSON.stringify(path)}`);
  const url = new URL(path, ctx.baseUrl);
  for (const [name, value] of Object.entries(objectInput(inputs.query_params, 'query parameters'))) url.searchParams.append(name, value);
  const headers = objectInput(inputs.headers, 'headers');
  const auth = inputs.auth_type ?? 'basic';
  if (auth === 'basic') {
    if (!inputs.basic_auth) throw new StepFailure('basic authentication needs a basic auth profile (basicAuthentication is empty)');
    headers.Authorization = `Basic ${basicCredentials(ctx, inputs.basic_auth)}`;
  } else if (auth === 'mutual') {
    throw new StepFailure('mutual authentication is not supported by the local instance');
  }
  const body = inputs.request_body ?? '';
  let response: Response;
  try {
    response = await fetch(url, { method: method.toUpperCase(), headers, body: body !== '' && method !== 'get' ? body : undefined });
  } catch (err) {
    throw new StepFailure(`the request to ${url.pathname} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const answer: RestAnswer = { status: response.status, statusText: response.statusText, headers: {}, body: await response.text() };
  response.headers.forEach((value, name) => {
    answer.headers[name.toLowerCase()] = value;
  });
  ctx.lastResponse = answer;
  return { message: `${method.toUpperCase()} ${url.pathname}${url.search}: ${answer.status}` };
};

function answerOf(ctx: StepContext): RestAnswer {
  if (!ctx.lastResponse) throw new StepFailure('a REST assertion must follow a Send REST Request - Inbound step (or another assertion of its answer)');
  return ctx.lastResponse;
}

function compareNumbers(actual: number, operation: string, expected: number): boolean {
  switch (operation) {
    case 'equals':
      return actual === expected;
    case 'not_equals':
      return actual !== expected;
    case 'less_than':
      return actual < expected;
    case 'greater_than':
      return actual > expected;
    case 'less_than_equals':
      return actual <= expected;
    case 'greater_than_equals':
      return actual >= expected;
    default:
      throw new StepFailure(`unknown operation ${operation}`);
  }
}

function compareText(actual: string | undefined, operation: string, expected: string): boolean {
  switch (operation) {
    case 'exists':
      return actual !== undefined;
    case 'equals':
      return actual === expected;
    case 'not_equals':
      return actual !== expected;
    case 'contains':
      return actual !== undefined && actual.includes(expected);
    case 'does_not_contain':
      return actual === undefined || !actual.includes(expected);
    default:
      throw new StepFailure(`unknown operation ${operation}`);
  }
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

const assertStatusCode: StepHandler = (ctx, inputs) => {
  const answer = answerOf(ctx);
  const operation = inputs.response_operation || 'equals';
  const expected = Number(inputs.status_code);
  if (!Number.isInteger(expected)) throw new StepFailure(`status code ${JSON.stringify(inputs.status_code)} is not a number`);
  if (!compareNumbers(answer.status, operation, expected)) throw new StepFailure(`status ${answer.status} is not ${operation} ${expected}: ${excerpt(answer.body)}`);
  return { message: `Status ${answer.status} ${operation} ${expected}` };
};

const assertResponsePayload: StepHandler = (ctx, inputs) => {
  const answer = answerOf(ctx);
  const operation = inputs.response_operation || 'contains';
  const expected = inputs.response_body ?? '';
  if (!compareText(answer.body, operation, expected)) throw new StepFailure(`the response body does not satisfy "${operation} ${expected}": ${excerpt(answer.body)}`);
  return { message: `Response body ${operation} ${expected}` };
};

const assertResponseHeader: StepHandler = (ctx, inputs) => {
  const answer = answerOf(ctx);
  const name = (inputs.header_name ?? '').toLowerCase();
  const operation = inputs.response_operation || 'exists';
  const actual = answer.headers[name];
  if (!compareText(actual, operation, inputs.header_value ?? '')) {
    throw new StepFailure(`header ${inputs.header_name} (${actual === undefined ? 'absent' : JSON.stringify(actual)}) does not satisfy "${operation} ${inputs.header_value ?? ''}"`);
  }
  return { message: `Header ${inputs.header_name} ${operation} ${inputs.header_value ?? ''}` };
};

function parsedBody(answer: RestAnswer): unknown {
  try {
    return JSON.parse(answer.body);
  } catch {
    throw new StepFailure(`the response body is not valid JSON: ${excerpt(answer.body)}`);
  }
}

const assertResponseJSONPayloadIsValid: StepHandler = (ctx) => {
  parsedBody(answerOf(ctx));
  return { message: 'The response body is valid JSON' };
};

/** The element at a slash-separated path (`/result/app/scope`; array items by index). */
function elementAt(root: unknown, path: string): string | undefined {
  let node: unknown = root;
  for (const key of path.split('/').filter((k) => k !== '')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
    if (node === undefined) return undefined;
  }
  if (node === null) return 'null';
  return typeof node === 'object' ? JSON.stringify(node) : String(node);
}

const assertJsonResponsePayloadElement: StepHandler = (ctx, inputs) => {
  const answer = answerOf(ctx);
  const path = inputs.element_name ?? '';
  const operation = inputs.response_operation || 'exists';
  const actual = elementAt(parsedBody(answer), path);
  if (!compareText(actual, operation, inputs.element_value ?? '')) {
    throw new StepFailure(`element ${path} (${actual === undefined ? 'absent' : JSON.stringify(actual)}) does not satisfy "${operation} ${inputs.element_value ?? ''}"`);
  }
  return { message: `Element ${path} ${operation} ${inputs.element_value ?? ''}` };
};

export const REST_STEPS = {
  sendRestRequest,
  assertStatusCode,
  assertResponsePayload,
  assertResponseHeader,
  assertResponseJSONPayloadIsValid,
  assertJsonResponsePayloadElement,
} as const;
