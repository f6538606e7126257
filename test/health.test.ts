import t from 'tap'
import { build } from './helper.js'

t.test('health and readiness', async (t) => {
  const { app, database } = await build(t)
  const health = await app.inject('/health')
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  t.equal(health.headers['cache-control'], 'no-store')
  t.match(health.headers['x-request-id'], /^[0-9a-f]{12}-[0-9a-z]+$/)

  const ready = await app.inject('/ready')
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready' })

  database.close()
  const notReady = await app.inject('/ready')
  t.equal(notReady.statusCode, 503)
  t.equal(notReady.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(notReady.json().status, 503)
})

t.test('request ids: a caller-supplied one is echoed back', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ url: '/health', headers: { 'x-request-id': 'trace-123' } })
  t.equal(res.headers['x-request-id'], 'trace-123')
})

t.test('CORS: browsers on other origins may read, and send writes with a bearer token', async (t) => {
  const { app } = await build(t)
  const read = await app.inject({ url: '/v1/articles', headers: { origin: 'https://partner.example' } })
  t.equal(read.headers['access-control-allow-origin'], '*')
  t.match(read.headers['access-control-expose-headers'], /Link/)
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/v1/articles/some-article',
    headers: {
      origin: 'https://cms.example',
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization, content-type, if-match',
    },
  })
  t.equal(preflight.statusCode, 204)
  t.match(preflight.headers['access-control-allow-methods'], /PATCH/)
  t.match(preflight.headers['access-control-allow-headers'], /If-Match/)
})
