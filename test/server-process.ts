/** Starts the real server as a child process, for tests of start-up, signals and crashes. */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'

export interface RunningServer {
  child: ChildProcess
  url: string
  output: () => string
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string | null>
}

export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string | null)
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
    if (match?.[1]) return { child, url: match[1], output: () => output, exited }
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill('SIGKILL')
  throw new Error(`server did not start:\n${output}`)
}
