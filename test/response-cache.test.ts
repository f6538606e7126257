import t from 'tap'
import { ResponseCache } from '../src/http/cache.js'

/** A response of 1,000 bytes. */
const response = (n: number) => ({
  body: Buffer.alloc(1000, n),
  hash: `hash-${n}`,
  contentType: 'application/json; charset=utf-8',
  link: undefined,
  keys: [`article:${n}`],
  vary: 'Authorization, Accept-Encoding',
  otherHeaders: {},
})

t.test('the least recently read response goes first, however often the newest is read', async (t) => {
  // Ten responses of 1,270 bytes (body, URL, 256 for the rest), and room to spare for a slightly longer URL.
  const cache = new ResponseCache(10 * 1_270 + 100)
  for (let i = 0; i < 10; i++) t.ok(cache.set(`/v1/articles/${i}`, response(i)), `response ${i} kept`)
  t.equal(cache.count, 10)
  // The newest, read again and again (a story everyone reads), stays where it is; the oldest, read once, moves
  // to the back.
  let hits = 0
  for (let i = 0; i < 1_000; i++) if (cache.get('/v1/articles/9')) hits++
  t.equal(hits, 1_000)
  t.ok(cache.get('/v1/articles/0'))
  // A newcomer asked for often enough to be let in pushes out the least recently read: 1, then 2.
  for (let i = 0; i < 20; i++) cache.get('/v1/articles/new')
  t.ok(cache.set('/v1/articles/new', response(99)))
  t.equal(cache.get('/v1/articles/1', false), undefined, 'the least recently read went')
  for (const n of [0, 2, 9]) t.ok(cache.get(`/v1/articles/${n}`, false), `${n} is still there`)
  for (let i = 0; i < 20; i++) cache.get('/v1/articles/newer')
  t.ok(cache.set('/v1/articles/newer', response(98)))
  t.equal(cache.get('/v1/articles/3', false), undefined, 'then the next least recently read')
  for (const n of [0, 2, 9]) t.ok(cache.get(`/v1/articles/${n}`, false), `${n} is still there`)
  t.ok(cache.size <= cache.budget)
  t.equal(cache.stats.evicted, 2)
})
