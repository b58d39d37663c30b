import fs from 'node:fs';
import path from 'node:path';
import { InstanceError } from '../errors';
import { seedSchema, type Seed, type SeedInput } from './types';

/** Where the default seed lives (a plain JSON file, documented in docs/local-instance.md). */
export const DEFAULT_SEED_FILE = path.join(__dirname, 'default-seed.json');

/**
 * A seed as given to startInstance: a file path, a seed object (complete, or `extends: "default"`),
 * a function that edits a fresh copy of the default seed (and may return a replacement), or a list
 * of those applied in order (the first one gives the base).
 */
export type SeedSource = string | SeedInput | ((seed: Seed) => Seed | void);
export type SeedOption = SeedSource | SeedSource[];

export class SeedError extends InstanceError {}

const LISTS = ['properties', 'roles', 'users', 'groups', 'oauthClients', 'acls', 'rateLimits', 'records'] as const;

/** Natural keys: an overlay entry with the same key replaces the base entry. */
const KEYS: Record<(typeof LISTS)[number], ((item: never) => string) | null> = {
  properties: (p: { name: string }) => p.name,
  roles: (r: { name: string }) => r.name,
  users: (u: { user_name: string }) => u.user_name,
  groups: (g: { name: string }) => g.name,
  oauthClients: (c: { client_id: string }) => c.client_id,
  acls: (a: { name: string; operation: string; type?: string }) => `${a.type ?? 'record'}|${a.operation}|${a.name}`,
  rateLimits: (r: { name: string }) => r.name,
  records: null,
};

function validate(input: unknown, origin: string): SeedInput {
  const parsed = seedSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)';
    throw new SeedError(`${origin}: ${where}: ${issue.message}`, { code: 'invalid_seed' });
  }
  return parsed.data;
}

function complete(input: SeedInput): Seed {
  return {
    properties: input.properties ?? [],
    roles: input.roles ?? [],
    users: input.users ?? [],
    groups: input.groups ?? [],
    oauthClients: input.oauthClients ?? [],
    acls: input.acls ?? [],
    rateLimits: input.rateLimits ?? [],
    records: input.records ?? [],
  };
}

/** A fresh copy of the default seed (safe to edit). */
export function loadDefaultSeed(): Seed {
  return complete(validate(JSON.parse(fs.readFileSync(DEFAULT_SEED_FILE, 'utf8')), DEFAULT_SEED_FILE));
}

/** `overlay` on top of `base`: entries with the same natural key replace the base's, others are appended. */
export function mergeSeeds(base: Seed, overlay: SeedInput): Seed {
  const out = structuredClone(base);
  for (const list of LISTS) {
    const items = overlay[list] as unknown[] | undefined;
    if (!items) continue;
    const keyOf = KEYS[list] as ((item: unknown) => string) | null;
    const target = out[list] as unknown[];
    for (const item of items) {
      const index = keyOf ? target.findIndex((existing) => keyOf(existing) === keyOf(item)) : -1;
      if (index >= 0) target[index] = structuredClone(item);
      else target.push(structuredClone(item));
    }
  }
  return out;
}

function readSeedFile(file: string): SeedInput {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SeedError(`cannot read the seed file ${file}: ${(err as Error).message}`, { code: 'invalid_seed', cause: err });
  }
  try {
    return validate(JSON.parse(text), file);
  } catch (err) {
    if (err instanceof SeedError) throw err;
    throw new SeedError(`the seed file ${file} is not valid JSON: ${(err as Error).message}`, { code: 'invalid_seed', cause: err });
  }
}

function applySource(base: Seed | null, source: SeedSource): Seed {
  if (typeof source === 'function') {
    const seed = base ?? loadDefaultSeed();
    const replaced = source(seed);
    return replaced ?? seed;
  }
  const input = typeof source === 'string' ? readSeedFile(path.resolve(source)) : validate(source, 'seed');
  if (input.extends === 'default' || base !== null) return mergeSeeds(base ?? loadDefaultSeed(), input);
  return complete(structuredClone(input));
}

/** The seed to load for an option (undefined: the default seed). */
export function resolveSeed(option?: SeedOption): Seed {
  if (option === undefined) return loadDefaultSeed();
  const sources = Array.isArray(option) ? option : [option];
  let seed: Seed | null = null;
  for (const source of sources) seed = applySource(seed, source);
  return seed ?? loadDefaultSeed();
}
