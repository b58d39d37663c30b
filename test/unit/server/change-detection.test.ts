import { changedFields, isIntegrationUser } from '../../../src/server/lib/change-detection';
import { SYNCED_FIELDS } from '../../../src/server/contract/push-event';
import { recordOf } from '../../helpers/fake-glide';

describe('changedFields', () => {
  it('lists exactly the synced fields whose stored value changed', () => {
    const previous = recordOf({ state: '1', priority: '3', short_description: 'db down', work_notes: '' });
    const current = recordOf({ state: '2', priority: '3', short_description: 'db down', work_notes: 'x' });
    expect(changedFields(current, previous, SYNCED_FIELDS)).toEqual(['state']);
  });

  it('treats a cleared reference as a change and empty/null as equal', () => {
    const previous = recordOf({ assigned_to: 'a'.repeat(32), description: '' });
    const current = recordOf({ assigned_to: '', description: '' });
    expect(changedFields(current, previous, SYNCED_FIELDS)).toEqual(['assigned_to']);
  });

  it('on insert lists the fields that have a value, in the synced order', () => {
    const current = recordOf({ urgency: '1', short_description: 'x', impact: '2', number: 'INC1' });
    expect(changedFields(current, null, SYNCED_FIELDS)).toEqual(['short_description', 'impact', 'urgency']);
  });

  it('finds nothing when only unsynced fields differ', () => {
    const previous = recordOf({ state: '2', sys_mod_count: '4', comments: '' });
    const current = recordOf({ state: '2', sys_mod_count: '5', comments: 'hello' });
    expect(changedFields(current, previous, SYNCED_FIELDS)).toEqual([]);
  });
});

describe('isIntegrationUser', () => {
  it('matches the configured user name case-insensitively and trimmed', () => {
    expect(isIntegrationUser('svc_incident_io', 'svc_incident_io')).toBe(true);
    expect(isIntegrationUser('SVC_Incident_IO', ' svc_incident_io ')).toBe(true);
  });

  it('matches nobody else, and nobody when no integration user is configured', () => {
    expect(isIntegrationUser('itil.user', 'svc_incident_io')).toBe(false);
    expect(isIntegrationUser('svc_incident_io', '')).toBe(false);
    expect(isIntegrationUser('', '')).toBe(false);
    expect(isIntegrationUser(null, 'svc')).toBe(false);
  });
});
