import { expectStatus, expectThat, resultOf, type ConformanceCase } from '../case';
import { SOURCES } from './sources';

interface Stats {
  count?: string;
  avg?: Record<string, string>;
  min?: Record<string, string>;
  max?: Record<string, string>;
  sum?: Record<string, string>;
}
interface Group {
  stats: Stats;
  groupby_fields: Array<{ field: string; value: string }>;
}

export const AGGREGATE_API_CASES: readonly ConformanceCase[] = [
  {
    name: 'Aggregate API: count, avg, min, max and sum over a query',
    source: SOURCES.aggregateApi,
    async run({ client, marker, createIncident }) {
      await createIncident({ impact: '1', urgency: '3' });
      await createIncident({ impact: '3', urgency: '3' });
      const res = await client.request('GET', '/api/now/stats/incident', {
        query: {
          sysparm_query: `short_descriptionSTARTSWITH${marker} Aggregate API: count`,
          sysparm_count: 'true',
          sysparm_avg_fields: 'impact',
          sysparm_min_fields: 'impact',
          sysparm_max_fields: 'impact',
          sysparm_sum_fields: 'impact',
        },
      });
      expectStatus(res, 200, 'GET /api/now/stats/incident');
      const stats = resultOf<{ stats: Stats }>(res).stats;
      expectThat(stats.count === '2', `count should be "2", got ${String(stats.count)}`);
      expectThat(Number(stats.avg?.impact) === 2, `avg impact should be 2, got ${String(stats.avg?.impact)}`);
      expectThat(stats.min?.impact === '1' && stats.max?.impact === '3', `min/max impact should be 1/3, got ${String(stats.min?.impact)}/${String(stats.max?.impact)}`);
      expectThat(Number(stats.sum?.impact) === 4, `sum impact should be 4, got ${String(stats.sum?.impact)}`);
    },
  },
  {
    name: 'Aggregate API: sysparm_group_by and sysparm_having',
    source: SOURCES.aggregateApi,
    async run({ client, marker, createIncident }) {
      await createIncident({ impact: '1' });
      await createIncident({ impact: '1' });
      await createIncident({ impact: '2' });
      const query = { sysparm_query: `short_descriptionSTARTSWITH${marker} Aggregate API: sysparm_group_by`, sysparm_count: 'true', sysparm_group_by: 'impact' };
      const res = await client.request('GET', '/api/now/stats/incident', { query });
      expectStatus(res, 200, 'GET stats grouped by impact');
      const groups = resultOf<Group[]>(res);
      const byImpact = new Map(groups.map((g) => [g.groupby_fields[0]?.value, g.stats.count]));
      expectThat(byImpact.get('1') === '2' && byImpact.get('2') === '1', `groups should be impact 1: 2, impact 2: 1; got ${JSON.stringify(groups)}`);
      expectThat(groups.every((g) => g.groupby_fields[0]?.field === 'impact'), 'groupby_fields should name the field');
      const having = await client.request('GET', '/api/now/stats/incident', { query: { ...query, sysparm_having: 'count^impact^>^1' } });
      const kept = resultOf<Group[]>(having);
      expectThat(kept.length === 1 && kept[0].groupby_fields[0]?.value === '1', `having count>1 should keep only impact 1, got ${JSON.stringify(kept)}`);
    },
  },
];
