import { positiveInteger } from '../../option-checks.js'
import { parseReference, type ImageRef } from './image-ref.js'
import { allowList, invalidOption, resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from '../engine/options.js'

/** Where the engine tells what goes wrong outside any request (Docker unreachable at startup). */
export interface DockerLog {
  warn: (obj: object, msg: string) => void
}

export interface DockerOperatorOptions extends EngineOptions {
  /** The Docker Engine API's unix socket. Default: `DOCKER_HOST` when it is `unix://…`, else /var/run/docker.sock. */
  socketPath?: string
  /**
   * Images an algorithm may name: 'name' for any tag, 'name:tag' for that tag,
   * 'name@sha256:…' for that digest (the only way a digest runs), 'name:tag@sha256:…'
   * to run that digest when the tag is asked for, whatever the tag points to now.
   * Default: ['node', 'python'], the runtimes of Ocean's own algorithms; never
   * "any image", which would let a consumer run whatever image the daemon holds,
   * secrets baked in and all.
   */
  images?: string[]
  /** Pull an allowed image the daemon does not have. Default: false (run only what the host pulled). */
  pull?: boolean
  /** Memory of a job's container, swap included. Default: 512 MiB. */
  memoryBytes?: number
  /** CPUs of a job's container (0.5 is half of one). Default: 1. */
  cpus?: number
  /** Processes and threads of a job's container. Default: 128. */
  pidsLimit?: number
  /** Size of the container's writable /tmp (its root file system is read-only). Default: 64 MiB. */
  tmpfsBytes?: number
  /** A logger (a Fastify instance's `log`); default: a process warning. */
  log?: DockerLog
}

export interface ResolvedDockerOptions extends ResolvedEngineOptions {
  socketPath: string
  images: readonly ImageRef[]
  pull: boolean
  memoryBytes: number
  cpus: number
  pidsLimit: number
  tmpfsBytes: number
  log: DockerLog
}

const NAME = 'dockerOperator'
const MIB = 1024 * 1024
const DEFAULTS = { memoryBytes: 512 * MIB, pidsLimit: 128, tmpfsBytes: 64 * MIB } as const

function socketOf (given: unknown, env: NodeJS.ProcessEnv): string {
  if (given !== undefined) {
    if (typeof given !== 'string' || given === '') throw invalidOption(NAME, 'socketPath must name a unix socket')
    return given
  }
  const host = env.DOCKER_HOST ?? ''
  if (host === '') return '/var/run/docker.sock'
  // Only a unix socket: the API gives root on the host, and is not to be reached over TCP unencrypted.
  if (!host.startsWith('unix://')) throw invalidOption(NAME, 'DOCKER_HOST must be a unix:// socket; set socketPath otherwise')
  return host.slice('unix://'.length)
}

const warnProcess: DockerLog = { warn: (_obj, msg) => { process.emitWarning(msg, 'DockerOperatorWarning') } }

/** Applies defaults and checks every option once, when the engine is made. */
export function resolveDockerOptions (options: DockerOperatorOptions, env: NodeJS.ProcessEnv = process.env): ResolvedDockerOptions {
  const engine = resolveEngineOptions(NAME, options)
  const images = allowList(NAME, 'images', options.images ?? ['node', 'python'], 'image names')
  if (options.pull !== undefined && typeof options.pull !== 'boolean') throw invalidOption(NAME, 'pull must be true or false')
  const cpus = options.cpus ?? 1
  if (typeof cpus !== 'number' || !(cpus > 0) || !Number.isFinite(cpus)) throw invalidOption(NAME, `cpus must be a positive number, got ${String(cpus)}`)
  if (options.log !== undefined && typeof options.log?.warn !== 'function') throw invalidOption(NAME, 'log must be a logger')
  const limit = (name: keyof typeof DEFAULTS): number => positiveInteger(`${NAME}: ${name}`, options[name] ?? undefined, DEFAULTS[name])
  return {
    ...engine,
    socketPath: socketOf(options.socketPath, env),
    images: images.map(entry => {
      const ref = parseReference(entry)
      if (ref === undefined) throw invalidOption(NAME, `images: ${entry} is not an image reference (name, name:tag, name@sha256:…)`)
      return ref
    }),
    pull: options.pull ?? false,
    memoryBytes: limit('memoryBytes'),
    cpus,
    pidsLimit: limit('pidsLimit'),
    tmpfsBytes: limit('tmpfsBytes'),
    log: options.log ?? warnProcess
  }
}
