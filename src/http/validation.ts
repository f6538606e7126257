/**
 * Validation: bodies are checked strictly as sent (a string is never coerced into a number or an array), while
 * query strings, path parameters and headers, which are text on the wire, are coerced to their schema's types.
 * In both, unknown properties are errors rather than silently dropped, and every bad field is reported.
 */
import { Ajv, type Options } from 'ajv'
import formats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const common: Options = {
  removeAdditional: false,
  allErrors: true,
  discriminator: true,
  useDefaults: true,
  strict: false,
}

// ajv-formats is CommonJS with `exports.default`: under Node's ESM interop the plugin sits one level down.
const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (
  ajv: Ajv,
) => Ajv

function ajv(options: Options) {
  const instance = new Ajv({ ...common, ...options })
  addFormats(instance)
  return instance
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = ajv({ coerceTypes: false })
  const coercing = ajv({ coerceTypes: 'array' })
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object)
}
