import { dirname } from 'node:path'
import { OperatorUnavailableError } from '../../errors.js'
import { argsWith, splitEntrypoint, type Entrypoint } from '../engine/entrypoint.js'
import { jobVariables, type AlgorithmFolders } from '../engine/layout.js'
import { RunFailure, type AlgorithmRunner, type PreparedJob, type RunOutcome } from '../engine/runner.js'
import { DockerApi, DockerError, JOB_LABEL } from './api.js'
import type { ResolvedDockerOptions } from './options.js'

/** The job's folders where the container sees them: the compute-to-data layout. */
const FOLDERS: AlgorithmFolders = {
  inputs: '/data/inputs',
  outputs: '/data/outputs',
  logs: '/data/logs',
  algorithm: '/data/transformations/algorithm'
}

// A ping on every start: it must answer well within the plugin's operatorTimeout.
const PING_MS = 3000
const MIB = 1024 * 1024
// The exit code of a container whose process was killed with SIGKILL (128 + 9).
const SIGKILLED = 137

/** 'name:tag' of the image a job asks for; no tag is 'latest'. */
function imageOf ({ image, tag }: PreparedJob['container']): { name: string, tag: string, ref: string } | undefined {
  if (image === undefined || image === '') return undefined
  const version = tag === undefined || tag === '' ? 'latest' : tag
  return { name: image, tag: version, ref: `${image}:${version}` }
}

/**
 * Runs each algorithm in a container of the image it names, through the Docker
 * Engine API: the job folder bind-mounted at /data (inputs and algorithm
 * read-only), no network, no capabilities, no new privileges, a read-only root
 * file system with a small /tmp, and limits on processes, memory and CPU. Each
 * container carries the job's id in a label, so that a restarted engine finds it.
 */
export class ContainerRunner implements AlgorithmRunner {
  private readonly api: DockerApi

  constructor (private readonly options: ResolvedDockerOptions) {
    this.api = new DockerApi(options.socketPath)
  }

  entrypoint (entrypoint: string | undefined): Entrypoint {
    return splitEntrypoint(entrypoint)
  }

  async ready (): Promise<void> {
    try {
      await this.api.ping(AbortSignal.timeout(PING_MS))
    } catch (err) {
      // The cause (a socket path, a daemon's message) is for logs; the client reads the message.
      throw new OperatorUnavailableError('The container engine cannot reach Docker.', { cause: err })
    }
  }

  /** Checks the image against the allow-list and has it on the daemon (pulled when allowed to). */
  async provision (job: PreparedJob, signal: AbortSignal): Promise<void> {
    const image = imageOf(job.container)
    if (image === undefined) throw new RunFailure('The algorithm names no container image.')
    if (!this.options.images.has(image.ref) && !this.options.images.has(image.name)) {
      throw new RunFailure(`The image ${image.ref} is not allowed on this provider (allowed: ${[...this.options.images].join(', ')}).`)
    }
    let present: boolean
    try {
      present = await this.api.hasImage(image.ref)
      if (!present && this.options.pull) await this.api.pull(image.name, image.tag, signal)
    } catch (err) {
      if (signal.aborted) return
      throw this.failure(job.jobId, `The image ${image.ref} is not available`, err)
    }
    if (!present && !this.options.pull) throw new RunFailure(`The image ${image.ref} is not on this provider, which does not pull images.`)
  }

  async run (job: PreparedJob, signal: AbortSignal): Promise<RunOutcome> {
    let id: string
    try {
      id = await this.api.create(`foc-${job.jobId}`, this.config(job))
    } catch (err) {
      throw this.failure(job.jobId, 'The container could not be created', err)
    }
    try {
      await this.api.start(id)
    } catch (err) {
      await this.api.remove(id).catch(() => {})
      throw this.failure(job.jobId, 'The container could not be started', err)
    }
    return await this.waitFor(id, job, signal)
  }

  /** Containers of these jobs, running or ended while no engine watched: each is waited for and collected. */
  async recover (jobIds: string[]): Promise<Map<string, (job: PreparedJob, signal: AbortSignal) => Promise<RunOutcome>> | undefined> {
    let containers
    try {
      containers = await this.api.jobContainers()
    } catch (err) {
      this.options.log.warn({ err }, `dockerOperator: Docker is not reachable; ${jobIds.length} job(s) recorded as running are left so until a restart finds it`)
      return undefined
    }
    const wanted = new Set(jobIds)
    return new Map(containers.filter(container => wanted.has(container.jobId))
      .map(({ id, jobId }) => [jobId, async (job: PreparedJob, signal: AbortSignal) => await this.waitFor(id, job, signal)]))
  }

  async close (): Promise<void> {
    await this.api.close()
  }

  /** Tells, once, when Docker cannot be reached: the engine still serves its records. */
  check (): void {
    this.ready().catch((err: Error) => {
      this.options.log.warn({ socketPath: this.options.socketPath }, `dockerOperator: ${err.message} Jobs cannot start until it can.`)
    })
  }

  /**
   * Waits for a container to end, then keeps its log and removes it. An abort
   * kills it first, except at shutdown: then it is left running for the next engine.
   */
  private async waitFor (id: string, job: PreparedJob, signal: AbortSignal): Promise<RunOutcome> {
    try {
      await this.api.wait(id, signal)
    } catch (err) {
      if (!signal.aborted) {
        // The daemon dropped the wait (a restart, a lost connection): the container may
        // still run, and with its job ended nothing would ever stop it.
        await this.api.kill(id).catch(() => {})
        await this.api.remove(id).catch(() => {})
        throw this.failure(job.jobId, 'The container failed', err)
      }
      if (signal.reason === 'shutdown') return { detached: true }
    }
    try {
      if (signal.aborted) await this.api.kill(id)
      const state = signal.aborted ? undefined : await this.api.inspect(id)
      await this.api.logs(id, chunk => job.log.write(chunk))
      if (state === undefined) return { exitCode: null, summary: 'the algorithm was killed' }
      return {
        exitCode: state.exitCode,
        summary: `the algorithm exited with code ${state.exitCode}`,
        ...(state.oomKilled || state.exitCode === SIGKILLED ? { error: this.memoryError() } : {})
      }
    } catch (err) {
      throw this.failure(job.jobId, 'The container failed', err)
    } finally {
      await this.api.remove(id).catch(() => {})
    }
  }

  /**
   * A failed call as the job's error: what failed, never the daemon's words, which
   * can name the provider's paths and registries; those go to the provider's log.
   */
  private failure (jobId: string, what: string, err: unknown): RunFailure {
    this.options.log.warn({ err, jobId }, `dockerOperator: ${what}`)
    return new RunFailure(err instanceof DockerError ? `${what} (Docker answered ${err.status}).` : `${what}: the provider could not reach its container engine.`)
  }

  // Podman on cgroup v1 does not report OOMKilled: a SIGKILL the engine did not send is the kernel's, almost always for memory.
  private memoryError (): string {
    return `The algorithm was killed (SIGKILL), most likely at its memory limit of ${this.options.memoryBytes / MIB} MiB.`
  }

  /** The container of a job: its image, its argv (no shell), its folders and the isolation. */
  private config (job: PreparedJob): object {
    const { layout, entrypoint } = job
    const uid = process.getuid?.() ?? 0
    const gid = process.getgid?.() ?? 0
    return {
      Image: imageOf(job.container)!.ref,
      Entrypoint: [entrypoint.runtime],
      Cmd: argsWith(entrypoint, FOLDERS.algorithm),
      Env: Object.entries({ HOME: '/tmp', ...jobVariables(FOLDERS, job.inputDID, job.algoDID) }).map(([name, value]) => `${name}=${value}`),
      WorkingDir: '/data',
      // The provider's own user: what the algorithm writes is the provider's to read and delete.
      User: `${uid}:${gid}`,
      Labels: { [JOB_LABEL]: job.jobId },
      NetworkDisabled: true,
      HostConfig: {
        Binds: [
          `${layout.inputs}:${FOLDERS.inputs}:ro`,
          `${dirname(layout.algorithm)}:${dirname(FOLDERS.algorithm)}:ro`,
          `${layout.outputs}:${FOLDERS.outputs}`,
          `${layout.logs}:${FOLDERS.logs}`
        ],
        NetworkMode: 'none',
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${this.options.tmpfsBytes}` },
        PidsLimit: this.options.pidsLimit,
        Memory: this.options.memoryBytes,
        MemorySwap: this.options.memoryBytes,
        NanoCpus: Math.round(this.options.cpus * 1e9)
      }
    }
  }
}
