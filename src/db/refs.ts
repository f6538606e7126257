/** Resolving "an id or a slug" references, the way every write shape refers to other resources. */
import transliterate from '@sindresorhus/transliterate'
import { inArray, or } from 'drizzle-orm'
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Db } from './client.js'

/** A table whose rows have an id and a slug: what "an id or a slug" can refer to. */
export type Referable = SQLiteTable & { id: SQLiteColumn; slug: SQLiteColumn }

/**
 * Maps each reference to its row's id, in order. Unknown references become field errors at `path/i`.
 */
export async function resolveRefs(
  db: Db,
  target: Referable,
  refs: readonly string[],
  path: string,
  noun: string,
  errors: { path: string; message: string }[],
): Promise<string[]> {
  if (refs.length === 0) return []
  const rows = (await db
    .select({ id: target.id, slug: target.slug })
    .from(target)
    .where(or(inArray(target.id, [...refs]), inArray(target.slug, [...refs])))) as {
    id: string
    slug: string
  }[]
  const byRef = new Map<string, string>()
  for (const row of rows) {
    byRef.set(row.id, row.id)
    byRef.set(row.slug, row.id)
  }
  const ids: string[] = []
  refs.forEach((ref, i) => {
    const id = byRef.get(ref)
    if (id === undefined)
      errors.push({ path: `${path}/${i}`, message: `no ${noun} has the id or slug "${ref}"` })
    else ids.push(id)
  })
  return ids
}

const ID_SHAPED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * Lowercase kebab-case from a headline or title: other scripts transliterated (the archive has Armenian,
 * Georgian, Russian and Azerbaijani names), diacritics dropped, never shaped like an id.
 */
export function slugify(text: string, maxLength = 80): string {
  const slug = transliterate(text)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  const cut = slug.slice(0, maxLength).replace(/-+[^-]*$/, (tail) => (slug.length > maxLength ? '' : tail))
  const result = cut.replace(/-+$/g, '') || 'untitled'
  return ID_SHAPED.test(result) ? `${result.slice(0, 35)}-x` : result
}
