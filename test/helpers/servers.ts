import { spawn, type SpawnOptions } from 'node:child_process'
import { once } from 'node:events'
import { appendFileSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Notes that this test file skipped for want of `server`, for the summary at the end of
 * `npm test` (scripts/skipped-servers.mjs). tap runs each file in a process of its own,
 * started as `node <file>`.
 */
export function noteSkip (server: string): void {
  mkdirSync(`${ROOT}.tap`, { recursive: true })
  appendFileSync(`${ROOT}.tap/skipped-servers.jsonl`, JSON.stringify({ server, file: relative(ROOT, process.argv[1] ?? '') }) + '\n')
}

/**
 * A test that needs a server this machine lacks: skipped with a line naming what is
 * missing, or failed when COMPUTE_TEST_REQUIRE_SERVERS=1 (CI, which installs them).
 */
export function serverMissing (t: Test, what: string): void {
  const message = `${what} is not installed`
  if (process.env.COMPUTE_TEST_REQUIRE_SERVERS === '1') t.fail(`${message}, and COMPUTE_TEST_REQUIRE_SERVERS=1 requires it`)
  else {
    noteSkip(message)
    t.test(`tests that need ${what}`, { skip: message }, () => {})
  }
}

/** A port nobody listens on right now, on 127.0.0.1. */
export async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

/** Runs a command to its end; rejects with its output when it fails. */
export async function run (command: string, args: string[], options: SpawnOptions = {}): Promise<void> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', chunk => { output += String(chunk) })
  child.stderr!.on('data', chunk => { output += String(chunk) })
  const [code] = await once(child, 'exit') as [number | null]
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${output}`)
}
