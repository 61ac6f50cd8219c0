// A development chain for the examples (and the tests): anvil, the EVM that npm's
// @foundry-rs/anvil ships, on 127.0.0.1 with its ten well-known funded accounts.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

// @foundry-rs/anvil ships the binary in a package per platform (its optional dependencies),
// named as its bin wrapper names them. The wrapper's postinstall only checks; npm need not run it.
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' }

/** The anvil binary npm installed, or undefined. */
export function anvilBinary (): string | undefined {
  const name = `@foundry-rs/anvil-${process.platform}-${ARCH[process.arch] ?? process.arch}`
  try {
    const path = join(dirname(createRequire(import.meta.url).resolve(`${name}/package.json`)), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
    return existsSync(path) ? path : undefined
  } catch {
    return undefined
  }
}

/** Asks the node at `url` one JSON-RPC question. */
export async function rpc (url: string, method: string, params: unknown[] = [], signal?: AbortSignal): Promise<unknown> {
  const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal })
  const { result, error } = await answer.json() as { result?: unknown, error?: { message: string } }
  if (error !== undefined) throw new Error(`${method}: ${error.message}`)
  return result
}

export interface Anvil {
  url: string
  process: ChildProcess
  /** Its last 4000 characters of output. */
  output: () => string
}

/**
 * anvil from `binary` on 127.0.0.1:`port` (0: one the system picks) with `args`, once it
 * answers (within `ms`); rejects, naming its output, when it exits or does not answer.
 * The caller stops it.
 */
export async function spawnAnvil (binary: string, port: number, args: string[] = [], ms = 60_000): Promise<Anvil> {
  let output = ''
  let url: string | undefined
  const node = spawn(binary, ['--host', '127.0.0.1', '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  node.stdout.on('data', chunk => {
    output = (output + String(chunk)).slice(-4000)
    url ??= /Listening on (127\.0\.0\.1:\d+)/.exec(output)?.[1]?.replace(/^/, 'http://')
  })
  node.stderr.on('data', chunk => { output = (output + String(chunk)).slice(-4000) })
  let failed: Error | undefined
  node.on('error', err => { failed = err })
  const deadline = Date.now() + ms
  for (;;) {
    if (failed !== undefined) throw failed
    if (node.exitCode !== null || node.signalCode !== null) throw new Error(`anvil exited (${node.exitCode ?? node.signalCode}): ${output}`)
    // Each try is bounded: on a loaded machine a first connection can hang past the deadline.
    if (url !== undefined && await rpc(url, 'eth_chainId', [], AbortSignal.timeout(2000)).catch(() => undefined) !== undefined) break
    if (Date.now() > deadline) {
      node.kill('SIGKILL')
      throw new Error(`anvil did not answer within ${ms} ms: ${output}`)
    }
    await sleep(50)
  }
  return { url: url!, process: node, output: () => output }
}
