/**
 * Every error leaves the API as RFC 9457 problem+json. Features throw the coded factories below; the one
 * handler here turns those, Fastify's own errors and validation failures into problems, and hides the cause
 * of anything unexpected (it is logged with the request id instead).
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isBusy, isUnavailable, isUniqueViolation } from '../db/errors.js'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

export interface FieldError {
  path: string
  message: string
}

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  errors?: FieldError[]
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
    this.name = 'HttpProblem'
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new HttpProblem(400, 'invalid-request', detail, errors)
export const invalidField = (path: string, message: string) =>
  badRequest(`${path}: ${message}`, [{ path, message }])
export const unauthorized = (detail: string) =>
  new HttpProblem(401, 'unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="newsdesk"' })
export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', detail)
export const notFound = (detail: string) => new HttpProblem(404, 'not-found', detail)
export const conflict = (detail: string, errors?: FieldError[]) =>
  new HttpProblem(409, 'conflict', detail, errors)
export const preconditionFailed = (detail: string) => new HttpProblem(412, 'precondition-failed', detail)
export const tooManyRequests = (retryAfterSeconds: number) =>
  new HttpProblem(429, 'rate-limited', `Too many requests; retry after ${retryAfterSeconds} s.`, undefined, {
    'retry-after': String(retryAfterSeconds),
  })

const TYPE_BASE = 'urn:newsdesk:problem:'

export function problem(status: number, code: string, detail: string, errors?: FieldError[]): ProblemBody {
  const body: ProblemBody = {
    type: `${TYPE_BASE}${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
  }
  if (errors && errors.length > 0) body.errors = errors
  return body
}

interface AjvError {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

const CONTEXT_NAMES: Record<string, string> = {
  querystring: 'query',
  params: 'path',
  body: 'body',
  headers: 'header',
}

/** Ajv's errors as `{ path, message }`, with paths such as `body/authors/0` or `query/limit`. */
export function fieldErrors(context: string, validation: AjvError[]): FieldError[] {
  const root = CONTEXT_NAMES[context] ?? context
  const seen = new Set<string>()
  const out: FieldError[] = []
  for (const error of validation) {
    // oneOf/anyOf/if wrappers only repeat what their branches said.
    if (['oneOf', 'anyOf', 'if'].includes(error.keyword) && validation.length > 1) continue
    let path = `${root}${error.instancePath}`
    let message = error.message ?? 'is invalid'
    if (error.keyword === 'required') {
      path += `/${String(error.params.missingProperty)}`
      message = 'is required'
    } else if (error.keyword === 'discriminator') {
      path += `/${String(error.params.tag)}`
      message = 'is not a known type'
    } else if (error.keyword === 'additionalProperties') {
      path += `/${String(error.params.additionalProperty)}`
      message = 'is not a known property'
    }
    const key = `${path}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ path, message })
  }
  return out
}

export function sendProblem(reply: FastifyReply, body: ProblemBody, headers: Record<string, string> = {}) {
  return reply
    .code(body.status)
    .headers({ ...headers, 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' })
    .send(body)
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpProblem) {
    return sendProblem(reply, problem(error.status, error.code, error.message, error.errors), error.headers)
  }
  if (error.validation) {
    const errors = fieldErrors(error.validationContext ?? 'request', error.validation as AjvError[])
    const detail = errors.map((e) => `${e.path} ${e.message}`).join('; ')
    return sendProblem(reply, problem(400, 'invalid-request', detail || 'The request is invalid.', errors))
  }
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const headers: Record<string, string> = {}
    if (status === 429 && reply.getHeader('retry-after'))
      headers['retry-after'] = String(reply.getHeader('retry-after'))
    return sendProblem(reply, problem(status, codeFor(status), clientMessage(error)), headers)
  }
  if (isBusy(error)) {
    // Another process held the write lock past the busy timeout: nothing was written; the client may retry.
    request.log.warn({ err: error }, 'database busy')
    return sendProblem(
      reply,
      problem(503, 'busy', 'The database is busy with other writes; nothing was changed. Retry shortly.'),
      { 'retry-after': '1' },
    )
  }
  if (isUnavailable(error)) {
    // The connection died, timed out or was refused: the transaction did not commit.
    request.log.error({ err: error }, 'database unavailable')
    return sendProblem(
      reply,
      problem(503, 'unavailable', 'The service is briefly unavailable; nothing was changed. Retry shortly.'),
      { 'retry-after': '1' },
    )
  }
  request.log.error({ err: error }, 'request failed')
  return sendProblem(reply, problem(500, 'internal', 'Something went wrong on our side; it has been logged.'))
}

function codeFor(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z]+/g, '-')
}

/** Fastify's own 4xx messages are about the request; strip anything that names internals anyway. */
function clientMessage(error: FastifyError): string {
  if (error instanceof SyntaxError) return 'The request body is not valid JSON.'
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'Send the request body as application/json.'
  return error.message.replace(/^FST_[A-Z_]+:\s*/, '')
}

/** Runs a write that may hit a unique slug, turning the violation into a 409 that names the field. */
export async function withUniqueSlug<T>(noun: string, slug: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict(`The slug "${slug}" is already used by ${noun}.`, [
        { path: 'body/slug', message: 'is already used' },
      ])
    }
    throw error
  }
}
