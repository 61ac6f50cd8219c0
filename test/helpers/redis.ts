import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { Redis } from 'ioredis'
import { freePort, serverMissing } from './servers.js'
import { until } from './until.js'

const REDIS_SERVER = '/usr/bin/redis-server'

/**
 * A throwaway Redis on 127.0.0.1 (Debian's `redis-server`), stopped at the end of `t`;
 * undefined (the test skipped or failed) when it is not installed.
 */
export async function startRedis (t: Test): Promise<{ url: string } | undefined> {
  if (!existsSync(REDIS_SERVER)) {
    serverMissing(t, `redis-server (${REDIS_SERVER}, Debian package redis-server)`)
    return undefined
  }
  const dir = await mkdtemp(join(tmpdir(), 'foc-redis-'))
  const port = await freePort()
  const server = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
  t.teardown(async () => {
    server.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })
  const url = `redis://127.0.0.1:${port}`
  await until(async () => {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    probe.on('error', () => {}) // refused until the server listens: connect() rejects, which is enough
    try {
      await probe.connect()
      return await probe.ping() === 'PONG' ? true : undefined
    } catch {
      return undefined
    } finally {
      probe.disconnect()
    }
  }, 'redis-server to answer', 20_000, 50)
  return { url }
}
