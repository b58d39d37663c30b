import { ConnectionProblems } from '../../../../src/companion/sync/connection-problems';

describe('ConnectionProblems: a refused sign-in, as /healthz shows it', () => {
  const t0 = new Date('2026-11-30T10:00:00Z');
  const t1 = new Date('2026-11-30T10:00:05Z');

  it('records a refused sign-in with what to do, counts repeats from the first time, and clears on success', () => {
    const problems = new ConnectionProblems();
    expect(problems.list()).toEqual([]);
    problems.authenticationFailed('acme', 'ServiceNow answered 401 to the token request (invalid_grant)', t0);
    problems.authenticationFailed('acme', 'ServiceNow answered 401 to the token request (invalid_grant)', t1);
    const [problem] = problems.list();
    expect(problem).toMatchObject({ connection: 'acme', kind: 'authentication', since: t0, lastSeenAt: t1, failures: 2 });
    expect(problem.message).toMatch(/refused the service account's sign-in/);
    expect(problem.message).toMatch(/incident-sn connect/);
    problems.cleared('other');
    expect(problems.list()).toHaveLength(1);
    problems.cleared('acme');
    expect(problems.list()).toEqual([]);
  });
});
