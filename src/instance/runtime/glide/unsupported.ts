import { IncidentSnError } from '../../../shared/errors';
/**
 * Glide APIs the local instance does not implement fail loudly with an error that names them, instead
 * of a vague "undefined is not a function". Objects handed to scripts are wrapped so that any unknown
 * member becomes a function throwing that error.
 */

export class UnsupportedGlideApiError extends IncidentSnError {
  constructor(readonly api: string) {
    super(`${api} is not supported by the local instance: use a supported API (docs/local-instance.md lists them), or test on a real instance`, { code: 'glide_api_unsupported' });
  }
}

/** A function (also usable with `new`) that throws the "not supported" error for `api`. */
export function unsupportedFunction(api: string): (...args: unknown[]) => never {
  return function unsupported(): never {
    throw new UnsupportedGlideApiError(api);
  };
}

/**
 * Property names that tooling and the language probe on any object (JSON.stringify, promises, jest,
 * util.inspect): answering them with a throwing function would break innocent code.
 */
const PROBED = new Set([
  'then',
  'toJSON',
  'constructor',
  'prototype',
  'valueOf',
  'toString',
  'inspect',
  'nodeType',
  'asymmetricMatch',
  'length',
  'name',
  'caller',
  'arguments',
]);

function isProbe(prop: string | symbol): boolean {
  return typeof prop === 'symbol' || PROBED.has(prop) || prop.startsWith('_') || prop.startsWith('@@') || prop.startsWith('$$');
}

/**
 * Wraps an object so that reading a member it does not have returns a function that throws
 * "<label>.<member> is not supported by the local instance". Writes pass through.
 */
export function withUnsupportedMembers<T extends object>(target: T, label: string): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      if (prop in obj || isProbe(prop)) return Reflect.get(obj, prop, receiver);
      return unsupportedFunction(`${label}.${String(prop)}`);
    },
  });
}

/** A class-like function whose construction (or call) throws the "not supported" error. */
export function unsupportedClass(api: string): new (...args: unknown[]) => never {
  return unsupportedFunction(api) as unknown as new (...args: unknown[]) => never;
}

/**
 * A namespace object (`@servicenow/glide`, `sn_ws`): known members as given, any other member an
 * unsupported class named after it.
 */
export function glideNamespace<T extends Record<string, unknown>>(label: string, members: T): T {
  const target = Object.assign(Object.create(null) as object, members) as T;
  return new Proxy(target, {
    get(obj, prop, receiver) {
      if (prop in obj || isProbe(prop)) return Reflect.get(obj, prop, receiver);
      return unsupportedClass(`${label}.${String(prop)}`);
    },
  });
}
