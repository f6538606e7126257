/**
 * Response serialisers: fast-json-stringify, as Fastify builds them, from the route schemas with one change. A
 * nullable field (`anyOf: [S, null]`, what `Nullable` declares) is serialised as `nullable` S: fast-json-stringify
 * picks an `anyOf` branch by validating the value against each branch with Ajv, on every response (a date-time's
 * format is parsed again for each summary in a list), while `nullable` is one `=== null` test. The OpenAPI
 * document and request validation keep the schemas as they are.
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

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

export function nullableForSerialization(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullableForSerialization)
  if (!isObject(schema)) return schema
  const branch = nullableBranch(schema)
  if (branch !== undefined) {
    const { anyOf: _, ...siblings } = schema
    return { ...(nullableForSerialization(branch) as Schema), ...siblings, nullable: true }
  }
  const out: Schema = {}
  for (const [key, value] of Object.entries(schema)) out[key] = nullableForSerialization(value)
  return out
}

type Factory = ReturnType<typeof SerializerSelector>

/** For Fastify's `schemaController.compilersFactory.buildSerializer`. */
export const buildSerializer: Factory = (externalSchemas, options) => {
  const shared = Object.fromEntries(
    Object.entries(externalSchemas ?? {}).map(([id, s]) => [id, nullableForSerialization(s)]),
  ) as typeof externalSchemas
  const build = SerializerSelector()(shared, options)
  return (route) => build({ ...route, schema: nullableForSerialization(route.schema) as typeof route.schema })
}
