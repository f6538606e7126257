/**
 * Response serialisers: fast-json-stringify, as Fastify builds them, from the route schemas with two changes.
 * fast-json-stringify picks a branch of an `anyOf` or `oneOf` by validating the value against each branch in turn
 * with Ajv, on every response: a date-time's format parsed again for each summary in a list, every body block
 * checked against each block type (with its length limits) until one fits. So, for serialising only:
 * - a nullable field (`anyOf: [S, null]`, what `Nullable` declares) becomes `nullable` S: one `=== null` test;
 * - a union with a `discriminator` whose variants each fix that property with `const` (body blocks, by `type`)
 *   becomes a chain of `if: { type: const }`, `then: variant`: one property compared per variant tried.
 * The OpenAPI document and request validation keep the schemas as they are.
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyReply } from 'fastify'

type Schema = Record<string, unknown>

const isObject = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** S of `anyOf: [S, { type: 'null' }]` when S is one plain type that `nullable` can stand beside. */
function nullableBranch(schema: Schema): Schema | undefined {
  const options = schema.anyOf
  if (!Array.isArray(options) || options.length !== 2) return undefined
  const nulls = options.filter((o) => isObject(o) && o.type === 'null' && Object.keys(o).length === 1)
  const [other] = options.filter((o) => !nulls.includes(o))
  if (nulls.length !== 1 || !isObject(other) || typeof other.type !== 'string') return undefined
  if (['$ref', 'anyOf', 'oneOf', 'allOf', 'if', 'nullable'].some((k) => k in other)) return undefined
  return other
}

/** The discriminator's name and each variant's value of it, when every variant fixes it with `const`. */
function discriminatorOf(
  schema: Schema,
): { name: string; values: unknown[]; variants: Schema[] } | undefined {
  const variants = schema.oneOf ?? schema.anyOf
  const name = isObject(schema.discriminator) ? schema.discriminator.propertyName : undefined
  if (typeof name !== 'string' || !Array.isArray(variants) || variants.length === 0) return undefined
  const values: unknown[] = []
  for (const variant of variants) {
    const property = isObject(variant) && isObject(variant.properties) ? variant.properties[name] : undefined
    if (!isObject(property) || typeof property.const !== 'string') return undefined
    values.push(property.const)
  }
  return { name, values, variants }
}

export function forSerialization(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forSerialization)
  if (!isObject(schema)) return schema
  const branch = nullableBranch(schema)
  if (branch !== undefined) {
    const { anyOf: _, ...siblings } = schema
    return { ...(forSerialization(branch) as Schema), ...siblings, nullable: true }
  }
  const union = discriminatorOf(schema)
  if (union !== undefined) {
    const { discriminator: _d, oneOf: _o, anyOf: _a, ...siblings } = schema
    const { name, values, variants } = union
    // From the last variant back: each `else` tries the next one; a value of no variant keeps the siblings only.
    let chain: Schema | undefined
    for (let i = variants.length - 1; i >= 0; i--) {
      chain = {
        if: { type: 'object', properties: { [name]: { const: values[i] } }, required: [name] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, not a promise
        then: forSerialization(variants[i]),
        ...(chain ? { else: chain } : {}),
      }
    }
    return { ...(forSerialization(siblings) as Schema), ...chain }
  }
  const out: Schema = {}
  for (const [key, value] of Object.entries(schema)) out[key] = forSerialization(value)
  return out
}

type Factory = ReturnType<typeof SerializerSelector>

/** For Fastify's `schemaController.compilersFactory.buildSerializer`. */
export const buildSerializer: Factory = (externalSchemas, options) => {
  const shared = Object.fromEntries(
    Object.entries(externalSchemas ?? {}).map(([id, s]) => [id, forSerialization(s)]),
  ) as typeof externalSchemas
  const build = SerializerSelector()(shared, options)
  return (route) => build({ ...route, schema: forSerialization(route.schema) as typeof route.schema })
}

/**
 * Sends JSON a route has already written, as its schema's serialiser would have (parts stored at write time,
 * joined): no second serialisation.
 */
export const sendJson = (reply: FastifyReply, json: string) =>
  reply
    .type('application/json; charset=utf-8')
    .serializer(asWritten)
    .send(json as never)

const asWritten = (payload: unknown) => payload as string

const EMPTY_DATA = '"data":[]'

/**
 * A list response with its items, each already JSON: `empty` is the response as the route's serialiser writes it
 * with `data: []`. (Inside a JSON string every quote is escaped, so `"data":[]` is the property itself.) Undefined
 * if it has no such property.
 */
export function withData(empty: string, items: readonly string[]): string | undefined {
  const at = empty.indexOf(EMPTY_DATA)
  if (at < 0) return undefined
  return `${empty.slice(0, at)}"data":[${items.join(',')}]${empty.slice(at + EMPTY_DATA.length)}`
}
