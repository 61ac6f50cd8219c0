import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Test } from 'tap'
import { freePort, serverMissing } from './servers.js'
import { until } from './until.js'

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

/**
 * A throwaway anvil (a real EVM, from npm's @foundry-rs/anvil) on 127.0.0.1, with its
 * ten well-known funded accounts, stopped at the end of `t`; undefined (the test
 * skipped or failed) when npm did not install it for this platform.
 */
export async function startAnvil (t: Test, args: string[] = []): Promise<{ url: string } | undefined> {
  const binary = anvilBinary()
  if (binary === undefined) {
    serverMissing(t, `anvil (npm @foundry-rs/anvil for ${process.platform}-${process.arch})`)
    return undefined
  }
  const port = await freePort()
  let output = ''
  const node = spawn(binary, ['--host', '127.0.0.1', '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  node.stdout.on('data', chunk => { output = (output + String(chunk)).slice(-4000) })
  node.stderr.on('data', chunk => { output = (output + String(chunk)).slice(-4000) })
  let failed: Error | undefined
  node.on('error', err => { failed = err })
  t.teardown(() => { node.kill('SIGKILL') })
  const url = `http://127.0.0.1:${port}`
  await until(async () => {
    if (failed !== undefined) throw failed
    if (node.exitCode !== null || node.signalCode !== null) throw new Error(`anvil exited (${node.exitCode ?? node.signalCode}): ${output}`)
    // Each try is bounded: on a loaded machine a first connection can hang past the deadline.
    return await rpc(url, 'eth_chainId', [], AbortSignal.timeout(2000)).catch(() => undefined)
  }, 'anvil to answer', 60_000, 50)
  return { url }
}
