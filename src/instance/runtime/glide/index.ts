import { cryptoClasses } from './crypto';
import { glideAggregateClass } from './glide-aggregate';
import { glideDateTimeClass } from './glide-date-time';
import { glideRecordClasses, GlideElementImpl } from './glide-record';
import { createGs } from './gs';
import type { GlideHost } from './host';
import { RESTAPIRequestImpl, RESTAPIResponseImpl } from './rest-api';
import { restMessageClasses } from './rest-message';
import { serviceErrorClasses } from './service-error';
import { glideNamespace, unsupportedClass } from './unsupported';

/**
 * The Glide APIs of one runtime: the globals classic scripts see, and the modules server modules
 * import (`@servicenow/glide`, `…/sn_ws`, `…/sn_ws_err`, `…/sn_ws_int`). Anything else a script
 * reaches for names itself in an error.
 */
export interface GlideApis {
  globals: Record<string, unknown>;
  modules: Record<string, unknown>;
}

/** Common Glide classes the local instance does not implement (a script using one gets a clear error). */
const UNSUPPORTED_CLASSES = [
  'GlideDate',
  'GlideTime',
  'GlideDuration',
  'GlideSchedule',
  'GlideSysAttachment',
  'GlideEmailOutbound',
  'GlideFilter',
  'GlideScopedEvaluator',
  'GlideSecureRandomUtil',
  'GlideTableHierarchy',
  'GlideQuery',
  'GlideJsonPath',
  'XMLDocument2',
  'GlideLocale',
  'GlideSession',
];

export function createGlideApis(host: GlideHost): GlideApis {
  const gs = createGs(host);
  const { GlideRecord, GlideRecordSecure } = glideRecordClasses(host);
  const GlideDateTime = glideDateTimeClass(host);
  const GlideAggregate = glideAggregateClass(host);
  const crypto = cryptoClasses(host);
  const rest = restMessageClasses(host);
  const errors = serviceErrorClasses();
  const unsupported = Object.fromEntries(UNSUPPORTED_CLASSES.map((name) => [name, unsupportedClass(name)]));

  const sn_ws = glideNamespace('sn_ws', { ...rest });
  const sn_ws_err = glideNamespace('sn_ws_err', { ...errors });
  const sn_ws_int = glideNamespace('sn_ws_int', { RESTAPIRequest: RESTAPIRequestImpl, RESTAPIResponse: RESTAPIResponseImpl });
  // What a script sees both as globals and as the exports of '@servicenow/glide'.
  const glideApis = {
    gs,
    GlideRecord,
    GlideRecordSecure,
    GlideAggregate,
    GlideElement: GlideElementImpl,
    GlideDateTime,
    ...crypto,
    ...unsupported,
  };
  const glide = glideNamespace('@servicenow/glide', glideApis);

  return {
    globals: {
      ...glideApis,
      sn_ws,
      sn_ws_err,
      sn_ws_int,
    },
    modules: {
      '@servicenow/glide': glide,
      '@servicenow/glide/sn_ws': sn_ws,
      '@servicenow/glide/sn_ws_err': sn_ws_err,
      '@servicenow/glide/sn_ws_int': sn_ws_int,
    },
  };
}
