import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import t from 'tap'
import { startServer } from './server-process.js'

t.test('a fresh start migrates, loads the demo data, and SIGTERM drains and closes cleanly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-server-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const dbFile = join(dir, 'nested', 'newsdesk.db')
  const server = await startServer({ DATABASE_URL: `file:${dbFile}` })

  const list = await fetch(`${server.url}/v1/articles`)
  t.equal(list.status, 200)
  t.equal(((await list.json()) as any).page.total, 6, 'demo data loaded on first start')
  t.equal((await fetch(`${server.url}/ready`)).status, 200)

  // Requests in flight when SIGTERM arrives still get their whole answer; keep-alive sockets do not hold it open.
  const inFlight = Array.from({ length: 20 }, () =>
    fetch(`${server.url}/v1/articles/azerbaijani-and-armenian-foreign-ministers-meet-in-new-york`)
      .then(async (res) => ({
        status: res.status,
        type: res.headers.get('content-type'),
        body: await res.text(),
      }))
      .catch((error: Error) => ({ status: 0, type: null, body: error.message })),
  )
  await new Promise((resolve) => setTimeout(resolve, 5))
  const started = Date.now()
  server.child.kill('SIGTERM')
  const results = await Promise.all(inFlight)
  t.equal(await server.exited, 0, 'exits with 0')
  t.ok(Date.now() - started < 8000, 'does not hang on keep-alive connections')
  for (const result of results) {
    if (result.status === 200) t.ok(JSON.parse(result.body).headline, 'a complete answer')
    else if (result.status === 503)
      t.equal(result.type, 'application/problem+json; charset=utf-8', 'or a 503 problem')
    else t.equal(result.status, 0, 'or a refused connection, never a truncated answer')
  }
  t.match(server.output(), /shutting down/)

  const db = new SQLite(dbFile)
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok')
  db.close()

  // A second start keeps the data and does not load the demo twice.
  const again = await startServer({ DATABASE_URL: `file:${dbFile}` })
  t.equal(((await (await fetch(`${again.url}/v1/articles`)).json()) as any).page.total, 6)
  again.child.kill('SIGTERM')
  t.equal(await again.exited, 0)
})

t.test('DEMO_DATA=false starts empty; bad configuration stops start-up with a clear message', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-server-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const server = await startServer({ DATABASE_URL: `file:${join(dir, 'x.db')}`, DEMO_DATA: 'false' })
  t.equal(((await (await fetch(`${server.url}/v1/articles`)).json()) as any).page.total, 0)
  server.child.kill('SIGTERM')
  await server.exited

  await t.rejects(
    startServer({ PORT: 'eighty', DATABASE_URL: `file:${join(dir, 'y.db')}` }),
    /PORT="eighty" is not valid/,
  )
  await t.rejects(
    startServer({ HEAP_GROWTH_PERCENT: 'lots', DATABASE_URL: `file:${join(dir, 'z.db')}` }),
    /HEAP_GROWTH_PERCENT="lots" is not valid/,
  )
})
