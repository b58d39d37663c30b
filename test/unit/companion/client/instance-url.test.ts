import fc from 'fast-check';
import { InvalidInstanceAddressError } from '../../../../src/companion/client/errors';
import { parseInstanceUrl } from '../../../../src/companion/client/instance-url';

function problemOf(input: string): string {
  try {
    parseInstanceUrl(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInstanceAddressError);
    return (err as InvalidInstanceAddressError).problem;
  }
  throw new Error(`${JSON.stringify(input)} was accepted`);
}

describe('parseInstanceUrl', () => {
  it.each([
    'hyper-payments',
    'Hyper-Payments',
    'hyper-payments.service-now.com',
    'hyper-payments.service-now.com/',
    'HYPER-PAYMENTS.SERVICE-NOW.COM',
    'https://hyper-payments.service-now.com',
    'https://hyper-payments.service-now.com/',
    'HTTPS://Hyper-Payments.Service-Now.com/',
    'https://hyper-payments.service-now.com:443/',
    '  hyper-payments \n',
  ])('reads %j as the hosted instance', (input) => {
    expect(parseInstanceUrl(input)).toBe('https://hyper-payments.service-now.com');
  });

  it.each([
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['https://foo.servicenowservices.com', 'https://foo.servicenowservices.com'],
    ['https://FOO.servicenowservices.com/', 'https://foo.servicenowservices.com'],
    ['https://snow.example.org:8443', 'https://snow.example.org:8443'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
    ['dev12345', 'https://dev12345.service-now.com'],
    ['a', 'https://a.service-now.com'],
  ])('accepts %j as %j', (input, expected) => {
    expect(parseInstanceUrl(input)).toBe(expected);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['hyper payments', 'whitespace_or_control_characters'],
    ['hyper-payments\t.service-now.com', 'whitespace_or_control_characters'],
    ['https://exa\nmple.com', 'whitespace_or_control_characters'],
    ['https:\\\\example.com', 'whitespace_or_control_characters'],
    ['ftp://hyper-payments.service-now.com', 'unsupported_scheme'],
    ['file:///etc/passwd', 'unsupported_scheme'],
    ['javascript://alert(1)', 'unsupported_scheme'],
    ['https://admin:secret@hyper-payments.service-now.com', 'credentials'],
    ['https://@hyper-payments.service-now.com', 'credentials'],
    ['https://hyper-payments.service-now.com/?x=1', 'query'],
    ['https://hyper-payments.service-now.com?', 'query'],
    ['https://hyper-payments.service-now.com/#top', 'fragment'],
    ['https://hyper-payments.service-now.com/now/nav/ui', 'path'],
    ['https://hyper-payments.service-now.com//', 'path'],
    ['https://hyper-payments.service-now.com/.', 'path'],
    ['hyper-payments.service-now.com/now/nav/ui/classic', 'path'],
    ['https://', 'invalid_host'],
    ['https://:8080', 'invalid_host'],
    ['https://exa%mple.com', 'invalid_host'],
    ['http://127.0.0.1:99999', 'invalid_host'],
    ['http://hyper-payments.service-now.com', 'plain_http_to_service_now'],
    ['127.0.0.1', 'missing_scheme'],
    ['127.0.0.1:8080', 'missing_scheme'],
    ['foo.servicenowservices.com', 'missing_scheme'],
    ['-hyper', 'not_an_address'],
    ['hyper-', 'not_an_address'],
    ['hyper_payments', 'not_an_address'],
    ['a'.repeat(64), 'not_an_address'],
    ['//hyper-payments.service-now.com', 'missing_scheme'],
  ])('refuses %j (%s)', (input, problem) => {
    expect(problemOf(input)).toBe(problem);
  });

  it('says what is expected, with an example', () => {
    expect(() => parseInstanceUrl('hyper payments')).toThrow(
      /"hyper payments" is not a ServiceNow instance address: .*Expected a subdomain such as "hyper-payments".*"https:\/\/hyper-payments\.service-now\.com"/,
    );
  });

  it('never repeats credentials pasted into the address', () => {
    try {
      parseInstanceUrl('https://admin:hunter2@hyper-payments.service-now.com');
      throw new Error('accepted');
    } catch (err) {
      const error = err as InvalidInstanceAddressError;
      expect(error.message).not.toContain('hunter2');
      expect(JSON.stringify(error)).not.toContain('hunter2');
      expect(String(error)).not.toContain('hunter2');
    }
  });

  it('has a stable code', () => {
    expect(() => parseInstanceUrl('')).toThrow(expect.objectContaining({ code: 'invalid_instance_address' }));
  });

  describe('properties', () => {
    const interesting = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.webUrl(),
      fc.domain(),
      fc.ipV4(),
      fc
        .tuple(
          fc.constantFrom('', 'http://', 'https://', 'ftp://', 'HTTPS://', '//'),
          fc.oneof(fc.domain(), fc.ipV4(), fc.string()),
          fc.constantFrom('', '/', ':8080', ':8080/', '/x', '?a', '#b', '.service-now.com', '.service-now.com/'),
        )
        .map(([a, b, c]) => a + b + c),
    );

    it('throws nothing but InvalidInstanceAddressError', () => {
      fc.assert(
        fc.property(interesting, (input) => {
          try {
            parseInstanceUrl(input);
          } catch (err) {
            return err instanceof InvalidInstanceAddressError;
          }
          return true;
        }),
        { numRuns: 5000 },
      );
    });

    it('only returns origins that parse back to themselves, without path, query or credentials', () => {
      fc.assert(
        fc.property(interesting, (input) => {
          let result: string;
          try {
            result = parseInstanceUrl(input);
          } catch {
            return true;
          }
          const url = new URL(result);
          return (
            (url.protocol === 'https:' || url.protocol === 'http:') &&
            url.origin === result &&
            url.pathname === '/' &&
            url.search === '' &&
            url.hash === '' &&
            url.username === '' &&
            url.password === ''
          );
        }),
        { numRuns: 5000 },
      );
    });

    it('is idempotent: an accepted result is accepted as itself', () => {
      fc.assert(
        fc.property(interesting, (input) => {
          let result: string;
          try {
            result = parseInstanceUrl(input);
          } catch {
            return true;
          }
          return parseInstanceUrl(result) === result;
        }),
        { numRuns: 2000 },
      );
    });

    it('refuses an invalid punycode label in every form, and keeps a valid one', () => {
      for (const form of ['xn--a', 'xn--a.service-now.com', 'https://xn--a.service-now.com/']) {
        expect(() => parseInstanceUrl(form)).toThrow(InvalidInstanceAddressError);
      }
      expect(parseInstanceUrl('xn--bcher-kva')).toBe('https://xn--bcher-kva.service-now.com');
    });

    it('maps every valid subdomain to its service-now.com origin', () => {
      // "xn--…" labels are punycode and mostly invalid; they have their own test below.
      const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/).filter((l) => !l.startsWith('xn--'));
      fc.assert(
        fc.property(label, (subdomain) => {
          const expected = `https://${subdomain}.service-now.com`;
          return (
            parseInstanceUrl(subdomain) === expected &&
            parseInstanceUrl(`${subdomain}.service-now.com`) === expected &&
            parseInstanceUrl(`https://${subdomain}.service-now.com/`) === expected
          );
        }),
      );
    });
  });
});
