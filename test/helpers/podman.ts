import { execFile, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { rmSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Test } from 'tap'
import { Client } from 'undici'
import { noteSkip } from './servers.js'
import { until } from './until.js'

/** A Podman service serving the Docker Engine API on its own unix socket, with the test images built. */
export interface Podman {
  socketPath: string
  images: { node: string, python: string }
  close (): Promise<void>
}

/** The test images (see test/images/build.sh): an interpreter on PATH and nothing else. */
export const IMAGES = { node: 'localhost/c2d-test-node:20', python: 'localhost/c2d-test-python:3' } as const

// What makes Podman run containers on machines like CI's: crun fails on hybrid cgroups, and
// Podman's default raises the open-files limit past the machine's hard limit, which runc
// then refuses ("error setting rlimit type 7: operation not permitted").
const CONTAINERS_CONF = `[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
`

const BUILD = fileURLToPath(new URL('../images/build.sh', import.meta.url))
const STARTUP_MS = 60_000

/** What keeps Podman from running here, or undefined when it can. */
export function podmanMissing (): string | undefined {
  for (const program of ['podman', 'runc']) {
    if (spawnSync(program, ['--version']).error !== undefined) return `${program} is not installed (Debian: apt-get install podman runc)`
  }
  return undefined
}

/** Whether a Docker Engine API (Docker or Podman) answers on `socketPath`. */
export async function answersPing (socketPath: string): Promise<true | undefined> {
  const client = new Client('http://podman', { socketPath })
  try {
    const { statusCode, body } = await client.request({ method: 'GET', path: '/_ping' })
    await body.dump()
    return statusCode === 200 ? true : undefined
  } catch {
    return undefined // not listening yet
  } finally {
    await client.close()
  }
}

/**
 * For tests: a Podman service for `t`, stopped at its end (or by `close()`). When Podman is
 * not installed, `t` gets a skip naming what is missing and this resolves undefined, unless
 * COMPUTE_TEST_REQUIRE_SERVERS=1 makes that a failure.
 */
export async function startPodman (t: Test): Promise<Podman | undefined> {
  const absent = podmanMissing()
  if (absent !== undefined) {
    if (process.env.COMPUTE_TEST_REQUIRE_SERVERS === '1') throw new Error(`${absent}; COMPUTE_TEST_REQUIRE_SERVERS=1 requires it`)
    noteSkip(absent)
    t.skip(`container engine tests: ${absent}`, () => {})
    return undefined
  }
  const podman = await podmanService()
  t.teardown(podman.close)
  return podman
}

/**
 * Starts `podman system service` on a socket of its own, with its own containers.conf, and
 * builds the test images when they are missing or stale (cached in Podman's storage between
 * runs). `close()` stops it; so does the end of this process.
 */
export async function podmanService (): Promise<Podman> {
  const dir = await mkdtemp(join(tmpdir(), 'c2d-podman-'))
  // The node image is made of the node running the tests. The service runs in `dir`: conmon
  // writes an `oom` file into its working folder when a container hits its memory limit.
  const env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf'), NODE: process.execPath }
  await writeFile(env.CONTAINERS_CONF, CONTAINERS_CONF)
  const socketPath = join(dir, 'podman.sock')
  const service = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  service.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4096) })
  const exited = once(service, 'exit')
  // A running service must not keep the process alive: tap's root test ends when the
  // event loop is empty, and only then runs the teardown that stops it.
  service.unref()
  ;(service.stderr as Socket).unref() // a child's pipe is a socket
  // If this process ends without close() (a test timed out), the service must not outlive it.
  const kill = () => {
    service.kill()
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', kill)

  let closed: Promise<void> | undefined
  const close = async () => {
    closed ??= (async () => {
      process.off('exit', kill)
      if (service.exitCode === null && service.signalCode === null) {
        service.kill()
        const slow = setTimeout(() => service.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(slow)
      }
      await rm(dir, { recursive: true, force: true })
    })()
    await closed
  }

  try {
    // The build and the service's start overlap; build.sh serializes builds across processes.
    await Promise.all([
      ...Object.entries(IMAGES).map(async ([kind, image]) => await promisify(execFile)(BUILD, [kind, image], { env })),
      until(async () => {
        if (service.exitCode !== null) throw new Error(`podman system service exited with ${service.exitCode}: ${stderr}`)
        return await answersPing(socketPath)
      }, 'the Podman service to answer /_ping', STARTUP_MS, 100)
    ])
  } catch (error) {
    await close()
    throw error
  }
  return { socketPath, images: { ...IMAGES }, close }
}
