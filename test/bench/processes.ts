/** What every benchmark needs: servers started as child processes, and load runs in processes of their own. */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface Result {
  requestsPerSecond: number
  p50: number
  p99: number
  total: number
  non2xx: number
  errors: number
}

/** Starts a server and answers its address once `ready` matches its output (which is then no longer kept). */
export function start(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output: string | null = ''
    // The parent must not grow with the server's logs, nor spend the load's CPU reading them.
    const onData = (chunk: Buffer) => {
      if (output === null) return
      output += chunk
      const match = ready.exec(output)
      if (match?.[1]) {
        output = null
        resolve({ child, url: match[1] })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}: ${output ?? ''}`)))
  })
}

/** One bounded load run (test/bench/load.ts) in its own process; its result. */
export async function load(options: Record<string, unknown>): Promise<Result> {
  // An argument may be at most 128 KiB (Linux): thousands of paths go through a file, named as `@FILE`.
  const json = JSON.stringify(options)
  const file =
    json.length > 65_536 ? join(mkdtempSync(join(tmpdir(), 'newsdesk-load-')), 'options.json') : null
  if (file) writeFileSync(file, json)
  try {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'test/bench/load.ts', file ? `@${file}` : json],
      { maxBuffer: 10 * 1024 * 1024 },
    )
    return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Result
  } finally {
    if (file) rmSync(dirname(file), { recursive: true, force: true })
  }
}
