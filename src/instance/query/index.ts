export * from './ast';
export { parseEncodedQuery, splitTerms, parseCondition, conditionsOf, invalidClausesOf } from './parse';
export { stringifyEncodedQuery, escapeQueryValue, queryCondition } from './encode';
export { compileQuery, classRestriction, type CompiledQuery, type CompileOptions, type InvalidCondition } from './sql';
export { evaluateQuery, type EvaluationContext } from './evaluate';
export { resolveFieldPath, resolveDynamicValues, type ResolvedPath, type DynamicValueResolver } from './fields';
