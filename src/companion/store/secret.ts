import { createHash, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';

const SHOWN = '[secret]';

/**
 * A secret value (password, client secret, signing secret). Its text is only available through
 * `reveal()`: `String(secret)`, `JSON.stringify`, template strings, `console.log` and pino all see
 * "[secret]", so handing a whole connection to a logger or to `--json` output cannot leak it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    if (typeof value !== 'string' || value === '') throw new TypeError('A secret must be a non-empty string.');
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  /** Constant-time comparison (of digests, so different lengths take the same time too). */
  equals(other: Secret | null | undefined): boolean {
    if (!other) return false;
    const a = createHash('sha256').update(this.#value).digest();
    const b = createHash('sha256').update(other.reveal()).digest();
    return timingSafeEqual(a, b);
  }

  toString(): string {
    return SHOWN;
  }

  toJSON(): string {
    return SHOWN;
  }

  [inspect.custom](): string {
    return `Secret(${SHOWN})`;
  }
}

/** True when both are null, or both hold the same value. */
export function sameSecret(a: Secret | null, b: Secret | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}
