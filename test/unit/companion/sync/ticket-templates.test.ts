import { MappingError, parseMapping } from '../../../../src/companion/sync/mapping';
import { checkTemplatesAgainstDictionary, type IncidentDictionary } from '../../../../src/companion/sync/template-dictionary';
import {
  chooseTemplate,
  conditionsMatch,
  fillPlaceholders,
  TicketTemplateSchema,
  type TemplateIncident,
  type TicketTemplate,
} from '../../../../src/companion/sync/ticket-templates';

const incident = (overrides: Partial<TemplateIncident> = {}): TemplateIncident => ({
  id: 'a1',
  reference: 'INC-7',
  name: 'Checkout errors',
  summary: 'Card payments fail',
  status: 'investigating',
  severity: 'minor',
  lead: null,
  private: false,
  type: null,
  customFields: {},
  ...overrides,
});

const template = (input: Record<string, unknown>): TicketTemplate => TicketTemplateSchema.parse(input);

describe('conditionsMatch', () => {
  it('matches everything without conditions', () => {
    expect(conditionsMatch(undefined, incident())).toBe(true);
    expect(conditionsMatch({}, incident({ private: true }))).toBe(true);
  });

  it.each([
    [{ severity: ['critical', 'major'] }, { severity: 'major' }, true],
    [{ severity: ['critical'] }, { severity: 'major' }, false],
    [{ status: ['triage'] }, { status: 'triage' }, true],
    [{ status: ['triage'] }, { status: 'fixing' }, false],
    [{ type: ['Security'] }, { type: 'Security' }, true],
    [{ type: ['Security'] }, { type: null }, false],
    [{ type: ['Security'] }, { type: 'security' }, false],
    [{ private: true }, { private: true }, true],
    [{ private: true }, { private: false }, false],
    [{ private: false }, { private: false }, true],
    [{ custom_fields: { team: ['payments'] } }, { customFields: { team: 'payments' } }, true],
    [{ custom_fields: { team: ['payments'] } }, { customFields: { team: 'search' } }, false],
    [{ custom_fields: { team: ['payments'] } }, { customFields: {} }, false],
    [{ custom_fields: { regions: ['eu'] } }, { customFields: { regions: ['us', 'eu'] } }, true],
    [{ custom_fields: { regions: ['eu'] } }, { customFields: { regions: ['us'] } }, false],
  ] as const)('%j on %j: %s', (conditions, values, expected) => {
    expect(conditionsMatch(conditions as never, incident(values as Partial<TemplateIncident>))).toBe(expected);
  });

  it('needs every condition (and) and any value of each (or)', () => {
    const both = { severity: ['critical' as const], type: ['Security'] };
    expect(conditionsMatch(both, incident({ severity: 'critical', type: 'Security' }))).toBe(true);
    expect(conditionsMatch(both, incident({ severity: 'critical', type: 'Outage' }))).toBe(false);
    expect(conditionsMatch(both, incident({ severity: 'minor', type: 'Security' }))).toBe(false);
  });
});

describe('chooseTemplate', () => {
  const critical = template({ name: 'critical', conditions: { severity: ['critical'] } });
  const security = template({ name: 'security', conditions: { type: ['Security'] }, allowPrivate: true });
  const fallback = template({ name: 'fallback' });

  it('exports everything with the built-in mapping (no templates), private or not', () => {
    expect(chooseTemplate([], null, incident({ private: true }))).toEqual({ export: true, template: null });
  });

  it('takes the first template for every incident when no template has conditions', () => {
    const first = template({ name: 'first' });
    expect(chooseTemplate([first, fallback], null, incident({ severity: 'critical' }))).toEqual({ export: true, template: first });
  });

  it('takes the first template whose conditions match, in order', () => {
    expect(chooseTemplate([critical, security], null, incident({ severity: 'critical', type: 'Security' }))).toMatchObject({ template: { name: 'critical' } });
    expect(chooseTemplate([security, critical], null, incident({ severity: 'critical', type: 'Security' }))).toMatchObject({ template: { name: 'security' } });
  });

  it('makes no ticket when templates have conditions and none matches, unless the no-match fallback names one', () => {
    expect(chooseTemplate([critical, security], null, incident())).toEqual({ export: false, reason: 'no ticket template matches it' });
    expect(chooseTemplate([critical, security], 'security', incident())).toEqual({ export: true, template: security });
  });

  it('treats a template without conditions among others as matching every incident', () => {
    expect(chooseTemplate([critical, fallback], null, incident())).toEqual({ export: true, template: fallback });
  });

  it('refuses a private incident unless the chosen template allows it (no falling through to a later one)', () => {
    const open = template({ name: 'open', conditions: { severity: ['critical'] } });
    const decision = chooseTemplate([open, security], null, incident({ severity: 'critical', type: 'Security', private: true }));
    expect(decision).toEqual({ export: false, reason: 'it is private and the template "open" does not allow private incidents' });
    expect(chooseTemplate([security], null, incident({ type: 'Security', private: true }))).toEqual({ export: true, template: security });
  });
});

describe('fillPlaceholders', () => {
  it('fills in the incident, the computed values and custom fields (multi-selects joined)', () => {
    const text = '{reference} {name}: {summary} [{severity}/{status}/{type}] {impact}{urgency}{state} {url} {custom_fields.team} {custom_fields.regions} {custom_fields.none}.';
    const filled = fillPlaceholders(text, incident({ type: 'Outage', customFields: { team: 'payments', regions: ['eu', 'us'] } }), {
      state: '2',
      impact: '1',
      urgency: '3',
      url: 'https://x.test/a1',
    });
    expect(filled).toBe('INC-7 Checkout errors: Card payments fail [minor/investigating/Outage] 132 https://x.test/a1 payments eu, us .');
  });
});

describe('templates in a mapping', () => {
  const problems = (input: unknown): string => {
    try {
      parseMapping(input);
    } catch (err) {
      expect(err).toBeInstanceOf(MappingError);
      return (err as Error).message;
    }
    throw new Error('expected the mapping to be refused');
  };

  it('keeps the built-in behaviour without templates, and defaults allowPrivate and fields', () => {
    expect(parseMapping({}).templates).toEqual([]);
    expect(parseMapping({ templates: [{ name: 't' }] }).templates).toEqual([{ name: 't', allowPrivate: false, fields: {} }]);
  });

  it('names a bad shape with its path', () => {
    expect(problems({ templates: [{ name: 'a' }, { name: 'b', conditions: { severity: ['huge'] } }] })).toMatch(/templates\[1\]\.conditions\.severity\[0\]/);
    expect(problems({ templates: [{ name: 'a', fields: { u_team: { lookup: 'x' } } }] })).toMatch(/templates\[0\]\.fields\.u_team/);
    expect(problems({ templates: [{ name: 'a', conditionz: {} }] })).toMatch(/templates\[0\]: Unrecognized key/);
    expect(problems({ templates: { name: 'a' } })).toMatch(/templates: /);
  });

  it('refuses duplicate names, a fallback naming nothing, reserved fields, unknown placeholders and {url} without incidentUrl', () => {
    expect(problems({ templates: [{ name: 'a' }, { name: 'a' }] })).toMatch(/templates\[1\]\.name: "a" is the name of an earlier template/);
    expect(problems({ templates: [{ name: 'a' }], noMatchTemplate: 'b' })).toMatch(/noMatchTemplate: no template is named "b"/);
    expect(problems({ templates: [{ name: 'a', fields: { correlation_id: 'x' } }] })).toMatch(/templates\[0\]\.fields\.correlation_id \(template "a"\)/);
    expect(problems({ templates: [{ name: 'a', fields: { description: '{sumary}' } }] })).toMatch(/unknown placeholder \{sumary\}/);
    expect(problems({ templates: [{ name: 'a', fields: { description: '{url}' } }] })).toMatch(/\{url\} needs "incidentUrl"/);
    expect(parseMapping({ incidentUrl: 'https://app.example/incidents/{id}', templates: [{ name: 'a', fields: { description: '{summary} {url}' } }] }).incidentUrl).toBe(
      'https://app.example/incidents/{id}',
    );
  });
});

describe('checkTemplatesAgainstDictionary', () => {
  const dictionary: IncidentDictionary = {
    tables: ['incident', 'task'],
    fields: new Set(['short_description', 'category', 'impact', 'u_team']),
    choices: new Map([
      ['category', new Set(['software', 'network'])],
      ['impact', new Set(['1', '2', '3'])],
    ]),
  };

  it('accepts known fields, choice values, placeholders and lookups', () => {
    const mapping = parseMapping({
      templates: [
        { name: 'ok', fields: { category: 'network', impact: 1, u_team: '{custom_fields.team}', short_description: '{name}' } },
        { name: 'mapped', fields: { category: { map: '{type}', values: { Outage: 'network' }, default: 'software' }, impact: '{impact}' } },
      ],
    });
    expect(checkTemplatesAgainstDictionary(mapping, dictionary, 'local')).toEqual([]);
  });

  it('names an unknown field and an unknown choice with the template and path', () => {
    const mapping = parseMapping({
      templates: [
        { name: 'first', fields: { category: 'software' } },
        { name: 'second', fields: { u_teem: 'x', category: { map: '{type}', values: { Outage: 'hardware' } } } },
      ],
    });
    const found = checkTemplatesAgainstDictionary(mapping, dictionary, 'local');
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^templates\[1\]\.fields\.u_teem \(template "second"\): the incident table on "local" has no field "u_teem"/);
    expect(found[1]).toMatch(/^templates\[1\]\.fields\.category \(template "second"\): "hardware" is not a choice of incident\.category on "local" \(its choices: network, software\)/);
  });
});
