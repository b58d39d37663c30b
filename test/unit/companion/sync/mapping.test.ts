import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import {
  DEFAULT_MAPPING,
  impactUrgencyForSeverity,
  loadMappingFile,
  MappingError,
  parseMapping,
  resolutionValues,
  severityForPriority,
  shouldDeclare,
  stateForStatus,
  statusForState,
} from '../../../../src/companion/sync/mapping';
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES } from '../../../../src/companion/store/sync-store';

/** ServiceNow's priority from impact × urgency (a base instance's lookup). */
function platformPriority(impact: string, urgency: string): string {
  const sum = Number(impact) + Number(urgency);
  return String(Math.min(5, sum - 1));
}

describe('the default mapping', () => {
  it('is what an empty mapping file gives, and it is valid', () => {
    expect(parseMapping(undefined)).toEqual(DEFAULT_MAPPING);
    expect(parseMapping({})).toEqual(DEFAULT_MAPPING);
  });

  it('writes each status as the guide says: triage 1, investigating/fixing/monitoring 2, resolved 6, closed 7, declined 8', () => {
    expect(Object.fromEntries(INCIDENT_STATUSES.map((s) => [s, stateForStatus(DEFAULT_MAPPING, s)]))).toEqual({
      triage: '1',
      investigating: '2',
      fixing: '2',
      monitoring: '2',
      resolved: '6',
      closed: '7',
      declined: '8',
    });
  });

  it('round-trips every severity through impact × urgency and the priority ServiceNow computes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...INCIDENT_SEVERITIES), (severity) => {
        const { impact, urgency } = impactUrgencyForSeverity(DEFAULT_MAPPING, severity);
        expect(severityForPriority(DEFAULT_MAPPING, platformPriority(impact, urgency))).toBe(severity);
      }),
    );
    expect(impactUrgencyForSeverity(DEFAULT_MAPPING, 'critical')).toEqual({ impact: '1', urgency: '1' });
    expect(['1', '2', '3', '4', '5'].map((p) => severityForPriority(DEFAULT_MAPPING, p))).toEqual(['critical', 'major', 'minor', 'minor', 'minor']);
    expect(severityForPriority(DEFAULT_MAPPING, '9')).toBeUndefined();
  });
});

describe('ServiceNow state → incident.io status', () => {
  const open = ['triage', 'investigating', 'fixing', 'monitoring'] as const;

  it('an open state never moves an open status (no regression)', () => {
    fc.assert(
      fc.property(fc.constantFrom('1', '2', '3', '4', '5'), fc.constantFrom(...open), (state, current) => {
        expect(statusForState(DEFAULT_MAPPING, state, current)).toBe(current);
      }),
    );
  });

  it('an open state reopens a closed status: as the status that writes it, else the reopened status', () => {
    expect(statusForState(DEFAULT_MAPPING, '1', 'resolved')).toBe('triage');
    expect(statusForState(DEFAULT_MAPPING, '2', 'closed')).toBe('investigating');
    expect(statusForState(DEFAULT_MAPPING, '3', 'declined')).toBe('investigating');
    expect(statusForState(parseMapping({ status: { reopenedStatus: 'fixing' } }), '3', 'resolved')).toBe('fixing');
  });

  it('completed and canceled states close the incident, whatever its status', () => {
    expect(statusForState(DEFAULT_MAPPING, '6', 'fixing')).toBe('resolved');
    expect(statusForState(DEFAULT_MAPPING, '7', 'resolved')).toBe('closed');
    expect(statusForState(DEFAULT_MAPPING, '8', 'triage')).toBe('declined');
  });

  it('custom states map through the configuration; an unknown state leaves the status alone', () => {
    const custom = parseMapping({
      status: { fromState: { '10': 'monitoring', '1': 'triage' }, openStates: ['1', '2', '3', '10', '11'], completedStates: ['6', '7', '12'] },
    });
    expect(statusForState(custom, '10', 'fixing')).toBe('monitoring');
    expect(statusForState(custom, '11', 'fixing')).toBe('fixing');
    expect(statusForState(custom, '12', 'fixing')).toBe('resolved');
    // Explicitly mapped: "New" takes an open incident back to triage.
    expect(statusForState(custom, '1', 'fixing')).toBe('triage');
    expect(statusForState(DEFAULT_MAPPING, '42', 'fixing')).toBeUndefined();
  });
});

describe('a mapping file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-mapping-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is merged onto the defaults key by key', () => {
    const file = path.join(dir, 'mapping.json');
    fs.writeFileSync(file, JSON.stringify({ status: { toState: { monitoring: '3' } }, assignmentGroup: 'Network', createFields: { category: 'network', contact_type: 'phone' } }));
    const mapping = loadMappingFile(file);
    expect(mapping.status.toState).toEqual({ ...DEFAULT_MAPPING.status.toState, monitoring: '3' });
    expect(mapping.assignmentGroup).toBe('Network');
    expect(mapping.createFields).toEqual({ category: 'network', contact_type: 'phone' });
    expect(mapping.severity).toEqual(DEFAULT_MAPPING.severity);
  });

  it.each([
    [{ status: { toState: { triage: 'one' } } }, 'status.toState.triage: must be a choice value'],
    [{ colour: 'blue' }, 'colour'],
    [{ status: { openStates: ['1', '6'] } }, 'status.completedStates: state "6" is also in status.openStates'],
    [{ createFields: { correlation_id: 'x' } }, 'createFields.correlation_id: set by the sync itself'],
    [{ severity: { fromPriority: { '1': 'catastrophic' } } }, 'severity.fromPriority.1'],
    [{ resolution: { closeCode: '' } }, 'resolution.closeCode'],
    [[1, 2], 'must be a JSON object'],
  ])('refuses %j, naming what is wrong', (content, expected) => {
    expect(() => parseMapping(content)).toThrow(MappingError);
    expect(() => parseMapping(content)).toThrow(expected);
  });

  it('that is missing or not JSON is refused with the file name', () => {
    expect(() => loadMappingFile(path.join(dir, 'nope.json'))).toThrow(/Cannot read the mapping file .*nope\.json: ENOENT/);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{ "status": ');
    expect(() => loadMappingFile(bad)).toThrow(/The mapping file .*bad\.json is not JSON/);
  });
});

describe('resolution and declaring', () => {
  it('fills the resolution notes with the incident', () => {
    expect(resolutionValues(DEFAULT_MAPPING, { reference: 'INC-7', name: 'DB down' })).toEqual({ close_code: 'Solution provided', close_notes: 'Resolved in incident.io (INC-7).' });
    const custom = parseMapping({ resolution: { closeNotes: '{name} — see {reference}' } });
    expect(resolutionValues(custom, { reference: 'INC-7', name: 'DB down' }).close_notes).toBe('DB down — see INC-7');
  });

  it('declares nothing by default; only listed priorities (and active ones) when configured', () => {
    expect(shouldDeclare(DEFAULT_MAPPING, { priority: '1', active: true })).toBe(false);
    const p12 = parseMapping({ declare: { priorities: ['1', '2'] } });
    expect(shouldDeclare(p12, { priority: '2', active: true })).toBe(true);
    expect(shouldDeclare(p12, { priority: '3', active: true })).toBe(false);
    expect(shouldDeclare(p12, { priority: '1', active: false })).toBe(false);
    expect(shouldDeclare(parseMapping({ declare: { priorities: ['1'], activeOnly: false } }), { priority: '1', active: false })).toBe(true);
  });
});
