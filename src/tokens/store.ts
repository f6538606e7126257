/** API tokens: shown once at creation, stored only as a SHA-256 hash. */
import { createHash, randomBytes } from 'node:crypto'
import { and, asc, eq, isNotNull, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { isBusy } from '../db/errors.js'
import { uuidv7 } from '../db/ids.js'
import { apiTokens } from '../db/schema.js'

export const SCOPES = ['content:write', 'facts:write', 'metrics:read', 'syndication:read', 'admin'] as const
export type Scope = (typeof SCOPES)[number]

export interface TokenRecord {
  id: string
  name: string
  scopes: Scope[]
  createdAt: number
  lastUsedAt: number | null
  revokedAt: number | null
  /** Partner keys: the partner's name (as articles' rights name it) and its rate-limit tier. */
  partner: string | null
  tier: string | null
}

// 256 random bits: a fast hash is enough, there is nothing to brute-force.
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value)
}

export async function createToken(
  db: Db,
  name: string,
  scopes: Scope[],
  now = Date.now(),
  partner: { partner: string; tier: string } | null = null,
) {
  const token = `nd_${randomBytes(32).toString('base64url')}`
  const record: TokenRecord = {
    id: uuidv7(now),
    name,
    scopes,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
    partner: partner?.partner ?? null,
    tier: partner?.tier ?? null,
  }
  await db.insert(apiTokens).values({ ...record, tokenHash: hashToken(token) })
  return { token, record }
}

export async function listTokens(db: Db): Promise<TokenRecord[]> {
  const rows = await db.select().from(apiTokens).orderBy(asc(apiTokens.createdAt))
  return rows.map(({ tokenHash: _hash, ...record }) => ({ ...record, scopes: record.scopes as Scope[] }))
}

/** Moves a partner key (by id or name) to another tier; answers how many keys changed. */
export async function retierToken(db: Db, idOrName: string, tier: string): Promise<number> {
  const retier = (match: SQL) =>
    db
      .update(apiTokens)
      .set({ tier })
      .where(and(match, isNotNull(apiTokens.partner)))
      .returning({ id: apiTokens.id, partner: apiTokens.partner })
  const byId = await retier(eq(apiTokens.id, idOrName))
  const changed = byId.length > 0 ? byId : await retier(eq(apiTokens.name, idOrName))
  return changed.length
}

/** Revokes by id or by name; answers how many tokens were revoked. */
export async function revokeToken(db: Db, idOrName: string, now = Date.now()): Promise<number> {
  const revoke = (match: SQL) =>
    db.update(apiTokens).set({ revokedAt: now }).where(match).returning({ id: apiTokens.id })
  const byId = await revoke(eq(apiTokens.id, idOrName))
  if (byId.length > 0) return byId.length
  return (await revoke(eq(apiTokens.name, idOrName))).length
}

/** The live token behind a bearer string, or null; records when it was last used. */
export async function useToken(db: Db, token: string, now = Date.now()): Promise<TokenRecord | null> {
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.tokenHash, hashToken(token)))
    .limit(1)
  if (!row || row.revokedAt !== null) return null
  // One write a minute at most per token keeps reads of editors cheap.
  if (row.lastUsedAt === null || now - row.lastUsedAt > 60_000) {
    try {
      await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id))
    } catch (error) {
      // Bookkeeping only: a database busy with another process's write must not fail the request.
      if (!isBusy(error)) throw error
    }
  }
  const { tokenHash: _hash, ...record } = row
  return { ...record, scopes: record.scopes as Scope[] }
}
