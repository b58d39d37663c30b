/**
 * The ATF step types the local instance runs, by the platform's step config sys_id (what a
 * `now-sdk build` writes in sys_atf_step.step_config), with the field name of each input variable
 * sys_id (sys_variable_value.variable). The ids are the platform's; the Now SDK's own table
 * (@servicenow/sdk-build-plugins, atf/step-configs) is where they come from, and
 * test/unit/instance/atf/step-configs.test.ts keeps this list equal to it.
 */

export type StepKind =
  | 'impersonate'
  | 'createUser'
  | 'log'
  | 'recordInsert'
  | 'recordUpdate'
  | 'recordDelete'
  | 'recordQuery'
  | 'recordValidation'
  | 'runServerSideScript'
  | 'sendRestRequest'
  | 'assertStatusCode'
  | 'assertResponsePayload'
  | 'assertResponseHeader'
  | 'assertResponseJSONPayloadIsValid'
  | 'assertJsonResponsePayloadElement';

export interface StepConfig {
  kind: StepKind;
  /** The step config's name on the platform. */
  name: string;
  /** Input variable sys_id → input field name. */
  inputs: Readonly<Record<string, string>>;
}

export const STEP_CONFIGS: Readonly<Record<string, StepConfig>> = {
  '071ee5b253331200040729cac2dc348d': { kind: 'impersonate', name: 'Impersonate', inputs: { '586e2c4253e0220002c6435723dc3415': 'user' } },
  d9bc5f21ff6033008d3f5d9ad53bf12d: {
    kind: 'createUser',
    name: 'Create a User',
    inputs: {
      '1778a7480f20101091d0f00c97767e03': 'field_values',
      '1985e0ceff2433008d3f5d9ad53bf1ba': 'first_name',
      '6f69fc4aff6433008d3f5d9ad53bf18c': 'last_name',
      '8c07aba5ff6033008d3f5d9ad53bf13b': 'roles',
      '98c44875ffa033008d3f5d9ad53bf1fa': 'impersonate',
      b27b2b29ff6033008d3f5d9ad53bf164: 'groups',
      ff06ab840f20101091d0f00c97767e6d: 'table',
    },
  },
  '58ab71985f30220012b44adb7f46661e': { kind: 'log', name: 'Log', inputs: { '523c79985f30220012b44adb7f46663a': 'log' } },
  '8df72288df60220062fe6c7a4df2636d': {
    kind: 'recordDelete',
    name: 'Record Delete',
    inputs: {
      '3d6d8b935320220002c6435723dc349c': 'table',
      '8f7d0f935320220002c6435723dc3471': 'record_id',
      c7e483f3671003007ba405225685effb: 'assert_type',
      d13d0b935320220002c6435723dc34c8: 'enforce_security',
    },
  },
  '14872288df60220062fe6c7a4df26319': {
    kind: 'recordInsert',
    name: 'Record Insert',
    inputs: {
      '90144b535320220002c6435723dc3488': 'table',
      '9024a37f671003007ba405225685efe5': 'assert_type',
      dd54cf535320220002c6435723dc34fd: 'field_values',
      e6e3c7535320220002c6435723dc3496: 'enforce_security',
    },
  },
  '17a72288df60220062fe6c7a4df26397': {
    kind: 'recordUpdate',
    name: 'Record Update',
    inputs: {
      '334b7bb7675003007ba405225685ef72': 'assert_type',
      '46dbcb535320220002c6435723dc3409': 'enforce_security',
      '501c8f535320220002c6435723dc34da': 'record_id',
      '53fb0f535320220002c6435723dc34ec': 'table',
      bc4c43935320220002c6435723dc34a2: 'field_values',
    },
  },
  '1f39a288df60220062fe6c7a4df2639d': {
    kind: 'recordValidation',
    name: 'Record Validation',
    inputs: {
      '52ed1e5b5360220002c6435723dc3421': 'record_id',
      '67400008676003007ba405225685efa4': 'assert_type',
      '6aad5a575360220002c6435723dc34b0': 'table',
      cbddfa135320220002c6435723dc3415: 'enforce_security',
      ff6e125353a0220002c6435723dc3442: 'field_values',
    },
  },
  '2d82e3c7531400109e02ddeeff7b12a7': {
    kind: 'recordQuery',
    name: 'Record Query',
    inputs: {
      '02fb0027531000109e02ddeeff7b120b': 'enforce_security',
      '78b8d86b531000109e02ddeeff7b12f3': 'table',
      '915990ab531000109e02ddeeff7b12f8': 'field_values',
      b86c0427531000109e02ddeeff7b1227: 'assert_type',
    },
  },
  '41de4a935332120028bc29cac2dc349a': {
    kind: 'runServerSideScript',
    name: 'Run Server Side Script',
    inputs: { '42f2564b73031300440211d8faf6a777': 'jasmine_version', '989d9e235324220002c6435723dc3484': 'script' },
  },
  e00571a10b3222000b7da95e93673a8f: {
    kind: 'sendRestRequest',
    name: 'Send REST Request - Inbound',
    inputs: {
      '020a6af09fd32200ef4afa7dc67fcfec': 'basic_auth',
      '50bff9250b3222000b7da95e93673a9b': 'end_point',
      '58408e250b3222000b7da95e93673a5c': 'query_params',
      '59877da10b3222000b7da95e93673a56': 'http_method',
      '6cdd0ab543010210b6f9a0246bb8f2f2': 'auth_type',
      '81e042650b3222000b7da95e93673aa2': 'request_body',
      '89ad06b543010210b6f9a0246bb8f2d7': 'mutual_auth',
      cec002650b3222000b7da95e93673aae: 'headers',
    },
  },
  '2f4fa7309f132200ef4afa7dc67fcf0f': {
    kind: 'assertStatusCode',
    name: 'Assert Status Code',
    inputs: { '1d94cb1f3b8032000774229c93efc419': 'response_operation', '9f5f67709f132200ef4afa7dc67fcf94': 'status_code' },
  },
  d53e40d59f132200ef4afa7dc67fcfc7: {
    kind: 'assertResponsePayload',
    name: 'Assert Response Payload',
    inputs: { ccae44d59f132200ef4afa7dc67fcf1e: 'response_operation', f0eec4d59f132200ef4afa7dc67fcf6d: 'response_body' },
  },
  ccd64c519f132200ef4afa7dc67fcf6a: {
    kind: 'assertResponseHeader',
    name: 'Assert Response Header',
    inputs: {
      '19280c919f132200ef4afa7dc67fcf16': 'header_value',
      '416784919f132200ef4afa7dc67fcff4': 'response_operation',
      cd4744919f132200ef4afa7dc67fcf6e: 'header_name',
    },
  },
  f100f7079f132200ef4afa7dc67fcf42: { kind: 'assertResponseJSONPayloadIsValid', name: 'Assert Response JSON Payload Is Valid', inputs: {} },
  afc114199f132200ef4afa7dc67fcf64: {
    kind: 'assertJsonResponsePayloadElement',
    name: 'Assert JSON Response Payload Element',
    inputs: {
      '2db298199f132200ef4afa7dc67fcfbc': 'response_operation',
      '5a9258199f132200ef4afa7dc67fcfb4': 'element_name',
      '7b139c199f132200ef4afa7dc67fcfb3': 'element_value',
    },
  },
};

/** The step types of the REST category: their assertions read the answer of the last Send REST Request. */
export const REST_ASSERTIONS: ReadonlySet<StepKind> = new Set([
  'assertStatusCode',
  'assertResponsePayload',
  'assertResponseHeader',
  'assertResponseJSONPayloadIsValid',
  'assertJsonResponsePayloadElement',
]);
