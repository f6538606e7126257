/** Entry point: read config, open the database, build the app, listen, and shut down gracefully on SIGTERM. */
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { openDatabase } from './db/client.js'
import { isEmpty, seedDemo } from './demo/seed.js'

async function main() {
  const config = loadConfig(process.env)
  const database = openDatabase(config.databasePath)
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
    const timer = setTimeout(() => {
      app.log.error('shutdown timed out; exiting')
      process.exit(1)
    }, config.shutdownTimeoutMs)
    timer.unref()
    try {
      await app.close() // stops accepting, drains requests, closes idle keep-alive sockets, runs onClose hooks
      database.close()
      process.exit(0)
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed')
      process.exit(1)
    }
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
  process.once('SIGINT', () => void shutdown('SIGINT'))

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
