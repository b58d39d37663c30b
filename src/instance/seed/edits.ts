import { SeedError } from './source';
import type { Seed, SeedAcl, SeedRateLimit, SeedUser } from './types';

/**
 * Small edits of a seed for tests (`startInstance({ seed: (s) => seedEdits.lockUser(s, 'svc_incident_io') })`).
 * Each edit fails loudly when what it names is not in the seed, so a typo cannot pass silently.
 */

function user(seed: Seed, userName: string): SeedUser {
  const found = seed.users.find((u) => u.user_name === userName);
  if (!found) throw new SeedError(`the seed has no user ${userName}`);
  return found;
}

export const seedEdits = {
  grantRole(seed: Seed, userName: string, role: string): Seed {
    const u = user(seed, userName);
    u.roles = [...new Set([...(u.roles ?? []), role])];
    return seed;
  },

  revokeRole(seed: Seed, userName: string, role: string): Seed {
    const u = user(seed, userName);
    if (!(u.roles ?? []).includes(role)) throw new SeedError(`user ${userName} has no role ${role} in the seed`);
    u.roles = (u.roles ?? []).filter((r) => r !== role);
    return seed;
  },

  lockUser(seed: Seed, userName: string): Seed {
    user(seed, userName).locked_out = true;
    return seed;
  },

  deactivateUser(seed: Seed, userName: string): Seed {
    user(seed, userName).active = false;
    return seed;
  },

  setPassword(seed: Seed, userName: string, password: string): Seed {
    user(seed, userName).password = password;
    return seed;
  },

  addUser(seed: Seed, newUser: SeedUser): Seed {
    if (seed.users.some((u) => u.user_name === newUser.user_name)) throw new SeedError(`the seed already has user ${newUser.user_name}`);
    seed.users.push(newUser);
    return seed;
  },

  removeAcl(seed: Seed, name: string, operation: SeedAcl['operation']): Seed {
    const before = seed.acls.length;
    seed.acls = seed.acls.filter((a) => !(a.name === name && a.operation === operation));
    if (seed.acls.length === before) throw new SeedError(`the seed has no ${operation} ACL named ${name}`);
    return seed;
  },

  addAcl(seed: Seed, acl: SeedAcl): Seed {
    seed.acls.push(acl);
    return seed;
  },

  addRateLimit(seed: Seed, rule: SeedRateLimit): Seed {
    seed.rateLimits.push(rule);
    return seed;
  },

  setProperty(seed: Seed, name: string, value: string, type?: string): Seed {
    const existing = seed.properties.find((p) => p.name === name);
    if (existing) {
      existing.value = value;
      if (type) existing.type = type;
    } else seed.properties.push({ name, value, ...(type ? { type } : {}) });
    return seed;
  },

  setTokenLifespans(seed: Seed, clientId: string, accessSeconds: number, refreshSeconds?: number): Seed {
    const client = seed.oauthClients.find((c) => c.client_id === clientId);
    if (!client) throw new SeedError(`the seed has no OAuth client ${clientId}`);
    client.access_token_lifespan = accessSeconds;
    if (refreshSeconds !== undefined) client.refresh_token_lifespan = refreshSeconds;
    return seed;
  },
};
