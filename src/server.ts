/** Entry point: read config, open the database, build the app, listen, and shut down gracefully on SIGTERM. */
import { setFlagsFromString } from 'node:v8'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { openDatabase } from './db/client.js'
import { isEmpty, seedDemo } from './demo/seed.js'

async function main() {
  const config = loadConfig(process.env)
  // Read by V8 at every full collection, so it applies from here on. Under load the responses being written
  // outlive the young generation; by V8's own rule the old one then grows to about four times what is live.
  if (config.heapGrowthPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`)
  const database = await openDatabase(config.database)
  if (config.demoData && (await isEmpty(database.db))) await seedDemo(database.db)
  // Humans at a terminal get readable lines; everything else (containers, log shippers) gets JSON.
  const logger = process.stdout.isTTY
    ? {
        level: config.logLevel,
        transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } },
      }
    : { level: config.logLevel }
  const app = await buildApp(config, { database, logger })

  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: finishing in-flight requests')
    // Stops accepting, answers in-flight requests with `Connection: close`, closes idle keep-alive sockets and
    // runs the onClose hooks (the last view flush). A client that holds a request open past the timeout is cut
    // off, but the buffered views are written all the same.
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), config.shutdownTimeoutMs)
    })
    let clean = true
    try {
      if ((await Promise.race([app.close(), timedOut])) === 'timeout') {
        app.log.warn('in-flight requests did not finish in time; closing their connections')
        app.server.closeAllConnections()
        clean = (await app.flushViews()) && clean
      }
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed')
      clean = false
    }
    clearTimeout(timer)
    try {
      clean = (await app.flushViews()) && clean
      await database.close()
    } catch (error) {
      app.log.error({ err: error }, 'closing the database failed')
      clean = false
    }
    process.exit(clean ? 0 : 1)
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
  process.once('SIGINT', () => void shutdown('SIGINT'))

  if (!config.siteConfigured)
    app.log.warn(
      `SITE_URL is not set: canonical links and links in article bodies point at ${config.site.url}. Set SITE_URL (and SITE_*_PATH) to the website.`,
    )
  await app.listen({ port: config.port, host: config.host })
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message)
    process.exit(2)
  }
  console.error('Newsdesk failed to start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
