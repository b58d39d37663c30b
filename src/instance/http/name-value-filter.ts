import { queryCondition } from '../query';
import type { InstanceEngine } from '../records/engine';
import { isSysId } from '../records/values';

type Query = Record<string, string | string[] | undefined>;

const FIELD_NAME = /^[a-z0-9_]+$/;

/**
 * The name-value pair filters of the Table and Aggregate APIs (`?active=true&number=INC0010002`),
 * ANDed in front of sysparm_query. A choice or reference field also takes its display value
 * (`?state=Closed`, `?caller_id=Abel Tuter`), as the API documentation describes. Parameters that
 * are not fields of the table are ignored (as is every sysparm_ parameter).
 */
export function nameValueFilter(engine: InstanceEngine, table: string, params: Query, sysparmQuery: string): string {
  const meta = engine.tableMeta(table);
  const dictionary = engine.dictionary();
  const conditions: string[] = [];
  for (const [name, raw] of Object.entries(params)) {
    if (name.startsWith('sysparm_') || !FIELD_NAME.test(name)) continue;
    const column = meta.columns.get(name);
    if (!column || raw === undefined) continue;
    for (const given of Array.isArray(raw) ? raw : [raw]) {
      let value = given;
      if (column.type === 'reference' && column.reference && value !== '' && !isSysId(value)) {
        value = engine.lookupReference(column.reference, value, false) ?? value;
      } else if (dictionary.hasChoices(meta.name, name) && value !== '' && dictionary.choiceLabel(meta.name, name, value) === undefined) {
        value = dictionary.choiceValue(meta.name, name, value) ?? value;
      }
      conditions.push(queryCondition(name, '=', value));
    }
  }
  if (conditions.length === 0) return sysparmQuery;
  return sysparmQuery.trim() === '' ? conditions.join('^') : `${conditions.join('^')}^${sysparmQuery}`;
}
