import { inspect } from 'node:util';
import pino from 'pino';
import { Writable } from 'node:stream';
import { Secret, sameSecret } from '../../../../src/companion/store';

describe('Secret', () => {
  const secret = new Secret('hunter2-very-secret');

  it('reveals its value only through reveal()', () => {
    expect(secret.reveal()).toBe('hunter2-very-secret');
    expect(String(secret)).toBe('[secret]');
    expect(`${secret}`).toBe('[secret]');
    expect(JSON.stringify({ password: secret })).toBe('{"password":"[secret]"}');
    expect(inspect({ nested: { secret } }, { depth: 5 })).not.toContain('hunter2');
  });

  it('never reaches a pino log line, even under an unredacted key', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    pino({}, sink).info({ connection: { anything: secret } }, 'saved');
    expect(lines.join('')).toContain('[secret]');
    expect(lines.join('')).not.toContain('hunter2');
  });

  it('compares by value', () => {
    expect(secret.equals(new Secret('hunter2-very-secret'))).toBe(true);
    expect(secret.equals(new Secret('hunter2-very-secreT'))).toBe(false);
    expect(secret.equals(null)).toBe(false);
    expect(sameSecret(null, null)).toBe(true);
    expect(sameSecret(secret, null)).toBe(false);
  });

  it('refuses an empty value', () => {
    expect(() => new Secret('')).toThrow(TypeError);
  });
});
