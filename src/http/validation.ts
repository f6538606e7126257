/**
 * Validation: bodies are checked strictly as sent (a string is never coerced into a number or an array), while
 * query strings, path parameters and headers, which are text on the wire, are coerced to their schema's types.
 * In both, unknown properties are errors rather than silently dropped, and every bad field is reported.
 */
import { Ajv, type Options } from 'ajv'
import formats from 'ajv-formats'
import type { FastifyBodyParser, FastifySchemaCompiler } from 'fastify'
import { invalidField } from './errors.js'

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
  // Stricter than RFC 3339's grammar: the string must name a real instant (no 23:59:60, no 30 February).
  instance.addFormat('date-time', {
    type: 'string',
    validate: (value: string) => instantOf(value) !== undefined,
  })
  return instance
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/

/**
 * Milliseconds since the epoch of an RFC 3339 date-time that names a real instant, or undefined. Leap seconds are
 * refused: JavaScript time has none, so `23:59:60` would silently become the next day or NaN.
 */
export function instantOf(value: string): number | undefined {
  const m = DATE_TIME.exec(value)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[]
  const daysInMonth = new Date(Date.UTC(year as number, month as number, 0)).getUTCDate()
  if ((year as number) < 1 || (month as number) < 1 || (month as number) > 12) return undefined
  if ((day as number) < 1 || (day as number) > daysInMonth) return undefined
  if ((hour as number) > 23 || (minute as number) > 59 || (second as number) > 59) return undefined
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined
  const ms = Date.parse(value)
  return Number.isFinite(ms) ? ms : undefined
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = ajv({ coerceTypes: false })
  const coercing = ajv({ coerceTypes: 'array' })
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object)
}

/** The instant a validated date-time names; a 400 naming `path` if it somehow names none. */
export function parseInstant(value: string, path: string): number {
  const ms = instantOf(value)
  if (ms === undefined) throw invalidField(path, 'must be an RFC 3339 date-time naming a real instant')
  return ms
}

/** A UTF-16 surrogate without its pair: JSON can spell one (`"\\ud800"`), but it is not text and UTF-8 cannot store it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F][0-9a-fA-F]{2}/

/** Wraps the JSON parser so that a body with a lone surrogate anywhere (keys included) is a 400. */
export function wellFormedJson(parse: FastifyBodyParser<string>): FastifyBodyParser<string> {
  return (request, body, done) =>
    parse(request, body, (error, value) => {
      if (error || !SURROGATE_ESCAPE.test(body) || wellFormed(value)) return done(error, value)
      done(
        invalidField('body', 'contains a lone UTF-16 surrogate (\\uD800-\\uDFFF), which is not text'),
        undefined,
      )
    })
}

function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return !LONE_SURROGATE.test(value)
  if (Array.isArray(value)) return value.every(wellFormed)
  if (value !== null && typeof value === 'object')
    return Object.entries(value).every(([key, v]) => !LONE_SURROGATE.test(key) && wellFormed(v))
  return true
}
