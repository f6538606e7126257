/**
 * Sparse fieldsets: `fields=id,slug,headline` answers only those top-level fields of each item. Unknown names are a
 * 400 listing the known ones. A projected response is serialised with JSON.stringify, since the route's schema
 * (which requires every field) describes the full shape.
 */
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { invalidField } from './errors.js'

export const FieldsQuery = Type.String({
  pattern: '^[A-Za-z]+(,[A-Za-z]+)*$',
  maxLength: 500,
  description:
    'Only these top-level fields, comma-separated (e.g. `id,slug,headline,publishedAt`); an unknown name is a 400. Without it, every field.',
})

/** The requested fields, checked against the schema's properties; undefined for "all". */
export function requestedFields(raw: string | undefined, known: readonly string[]): string[] | undefined {
  if (raw === undefined) return undefined
  const fields = [...new Set(raw.split(','))]
  const unknown = fields.filter((f) => !known.includes(f))
  if (unknown.length > 0)
    throw invalidField('query/fields', `has unknown fields ${unknown.join(', ')}; known: ${known.join(', ')}`)
  return fields
}

/** Typed as the full item, which the route's schema names; the fields left out are documented as such. */
export function project<T extends object>(item: T, fields: readonly string[] | undefined): T {
  if (fields === undefined) return item
  const out: Record<string, unknown> = {}
  for (const field of fields) if (field in item) out[field] = (item as Record<string, unknown>)[field]
  return out as T
}

/** Projected responses no longer match the full schema's required fields: serialise them as they are. */
export function serialiseProjected(reply: FastifyReply, fields: readonly string[] | undefined) {
  if (fields !== undefined) reply.serializer(JSON.stringify)
}
