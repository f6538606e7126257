import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import t from 'tap'
import { startServer } from './server-process.js'

const ARTICLE = 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'

function storedViews(dbFile: string): number {
  const db = new SQLite(dbFile, { readonly: true })
  try {
    const row = db.prepare('select coalesce(sum(views), 0) as views from view_buckets').get() as {
      views: number
    }
    return row.views
  } finally {
    db.close()
  }
}

const send = (url: string, n: number) =>
  fetch(`${url}/v1/articles/${ARTICLE}/views`, {
    method: 'POST',
    headers: { 'user-agent': `Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0 reader-${n}` },
  })

t.test('SIGTERM writes every buffered view before the database closes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-views-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const dbFile = join(dir, 'views.db')
  // A long interval: nothing is flushed by the timer, so only the shutdown flush can save these counts.
  const server = await startServer({
    VIEWS_PER_ADDRESS_HOURLY: '1000000',
    DATABASE_URL: `file:${dbFile}`,
    VIEWS_FLUSH_INTERVAL_MS: '3600000',
    VIEWS_RATE_LIMIT: '1000000',
  })
  const baseline = storedViews(dbFile)
  let accepted = 0
  for (let batch = 0; batch < 10; batch++) {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => send(server.url, batch * 25 + i)))
    accepted += results.filter((r) => r.status === 202).length
  }
  t.equal(accepted, 250)
  t.equal(storedViews(dbFile), baseline, 'nothing written yet')
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)
  t.equal(storedViews(dbFile) - baseline, 250, 'all 250 views were written at shutdown')
})

t.test(
  'kill -9 during a stream of beacons: the file stays sound and at most one flush interval is lost',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-views-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const dbFile = join(dir, 'views.db')
    const interval = 200
    const env = {
      DATABASE_URL: `file:${dbFile}`,
      VIEWS_FLUSH_INTERVAL_MS: String(interval),
      VIEWS_RATE_LIMIT: '1000000',
      VIEWS_PER_ADDRESS_HOURLY: '1000000',
    }
    const server = await startServer(env)
    const baseline = storedViews(dbFile)

    const acks: number[] = []
    let n = 0
    let killed = false
    const stream = async () => {
      while (!killed) {
        try {
          const res = await send(server.url, n++)
          if (res.status === 202) acks.push(Date.now())
        } catch {
          return // the server is gone
        }
      }
    }
    const streams = Promise.all(Array.from({ length: 8 }, stream))
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const killedAt = Date.now()
    server.child.kill('SIGKILL')
    killed = true
    await streams
    t.equal(await server.exited, 'SIGKILL')
    t.ok(acks.length > 100, `${acks.length} beacons were acknowledged`)

    const db = new SQLite(dbFile)
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'PRAGMA integrity_check = ok')
    db.close()
    const stored = storedViews(dbFile) - baseline
    const lost = acks.length - stored
    // One interval, plus slack for the timer firing late on a busy machine and the flush's own transaction.
    const slack = 250
    const lastInterval = acks.filter((at) => at > killedAt - interval - slack).length
    t.ok(lost >= 0, `no view was counted twice (stored ${stored} of ${acks.length})`)
    t.ok(
      lost <= lastInterval,
      `lost ${lost} views, at most the ${lastInterval} acknowledged in the last flush interval`,
    )

    // The server starts again on the same file and keeps counting.
    const again = await startServer(env)
    t.equal((await send(again.url, 999_999)).status, 202)
    again.child.kill('SIGTERM')
    t.equal(await again.exited, 0)
    t.equal(storedViews(dbFile) - baseline, stored + 1)
  },
)
