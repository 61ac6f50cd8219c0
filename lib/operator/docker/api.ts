import { Pool, type Dispatcher } from 'undici'

/** The Docker daemon answered with an error status; `message` is its own. */
export class DockerError extends Error {
  constructor (readonly status: number, message: string) {
    super(message)
  }
}

/** A container of a job, as the daemon lists it. */
export interface JobContainer {
  id: string
  jobId: string
}

/** What the engine needs of a container that ended. */
export interface ContainerState {
  running: boolean
  exitCode: number
  oomKilled: boolean
}

/** The label that marks a container as a job's, with the job id as its value. */
export const JOB_LABEL = 'fastify-ocean-compute.job'

// Every call but a wait is bounded: a daemon that hangs must not hang a request or a job.
const CALL_MS = 10_000

interface Call {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  body?: unknown
  /** Statuses that are no error (beyond 2xx). */
  accept?: number[]
  /** Ends the call; without it the call has CALL_MS. */
  signal?: AbortSignal
}

/**
 * The few calls of the Docker Engine API the container engine makes, over the
 * daemon's unix socket. Works with Docker and with Podman's Docker-compatible
 * service. Unversioned paths: each daemon answers with its own API version.
 */
export class DockerApi {
  private readonly pool: Pool

  constructor (socketPath: string) {
    // A connection per call in flight: a wait holds its own for as long as its job runs.
    // No timeouts of undici's own: each call carries a signal instead.
    this.pool = new Pool('http://docker', { socketPath, headersTimeout: 0, bodyTimeout: 0 })
  }

  private async call ({ method, path, body, accept = [], signal }: Call): Promise<{ status: number, body: Dispatcher.ResponseData['body'] }> {
    const response = await this.pool.request({
      method,
      path,
      signal: signal ?? AbortSignal.timeout(CALL_MS),
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
    })
    if (response.statusCode < 300 || accept.includes(response.statusCode)) return { status: response.statusCode, body: response.body }
    const text = await response.body.text().catch(() => '')
    let message = text
    try { message = (JSON.parse(text) as { message?: string }).message ?? text } catch {}
    throw new DockerError(response.statusCode, message.trim())
  }

  private async json<T> (call: Call): Promise<T> {
    return await (await this.call(call)).body.json() as T
  }

  private async done (call: Call): Promise<number> {
    const { status, body } = await this.call(call)
    await body.dump()
    return status
  }

  async ping (signal?: AbortSignal): Promise<void> {
    await this.done({ method: 'GET', path: '/_ping', signal })
  }

  async hasImage (ref: string): Promise<boolean> {
    return await this.done({ method: 'GET', path: `/images/${encodeURIComponent(ref)}/json`, accept: [404] }) !== 404
  }

  /** Pulls an image; a failure the daemon reports in its progress stream rejects with its message. */
  async pull (image: string, tag: string, signal: AbortSignal): Promise<void> {
    const query = new URLSearchParams({ fromImage: image, tag })
    const { body } = await this.call({ method: 'POST', path: `/images/create?${query}`, signal })
    const progress = await body.text()
    for (const line of progress.split('\n')) {
      let event: { error?: unknown } = {}
      try { event = JSON.parse(line) } catch {}
      if (typeof event.error === 'string') throw new DockerError(500, event.error)
    }
  }

  async create (name: string, config: object): Promise<string> {
    const { Id } = await this.json<{ Id: string }>({ method: 'POST', path: `/containers/create?name=${encodeURIComponent(name)}`, body: config })
    return Id
  }

  async start (id: string): Promise<void> {
    await this.done({ method: 'POST', path: `/containers/${id}/start`, accept: [304] })
  }

  /**
   * Waits for a container to stop; bounded by `signal` alone (the job's time limit). The
   * daemon sends its headers at once and the body when the container stops: the body is
   * read as JSON, which rejects on an abort (dumping it would resolve).
   */
  async wait (id: string, signal: AbortSignal): Promise<void> {
    await this.json({ method: 'POST', path: `/containers/${id}/wait`, signal })
  }

  async inspect (id: string): Promise<ContainerState> {
    const { State } = await this.json<{ State: { Running: boolean, ExitCode: number, OOMKilled: boolean } }>({ method: 'GET', path: `/containers/${id}/json` })
    return { running: State.Running, exitCode: State.ExitCode, oomKilled: State.OOMKilled }
  }

  /** Kills a container at once (SIGKILL: a stop's grace period would let it run on); one not running is no error. */
  async kill (id: string): Promise<void> {
    await this.done({ method: 'POST', path: `/containers/${id}/kill`, accept: [404, 409] })
  }

  /** Removes a container, killing it first; one already gone is no error. */
  async remove (id: string): Promise<void> {
    await this.done({ method: 'DELETE', path: `/containers/${id}?force=true&v=true`, accept: [404] })
  }

  /** The containers of jobs, running or not. */
  async jobContainers (): Promise<JobContainer[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [JOB_LABEL] }))
    const list = await this.json<Array<{ Id: string, Labels: Record<string, string> | null }>>({ method: 'GET', path: `/containers/json?all=true&filters=${filters}` })
    return list.map(container => ({ id: container.Id, jobId: container.Labels?.[JOB_LABEL] ?? '' }))
  }

  /**
   * Hands a container's stdout and stderr to `write`, until it answers false: the
   * stream is then left at once. Without a TTY, the daemon frames each chunk with an
   * 8-byte header (stream, 0, 0, 0, length).
   */
  async logs (id: string, write: (chunk: Buffer) => boolean): Promise<void> {
    const { body } = await this.call({ method: 'GET', path: `/containers/${id}/logs?stdout=true&stderr=true` })
    let pending = Buffer.alloc(0)
    for await (const chunk of body) {
      pending = Buffer.concat([pending, chunk as Buffer])
      while (pending.length >= 8 && pending.length >= 8 + pending.readUInt32BE(4)) {
        const payload = pending.subarray(8, 8 + pending.readUInt32BE(4))
        pending = pending.subarray(8 + payload.length)
        if (!write(payload)) {
          body.destroy()
          return
        }
      }
    }
  }

  async close (): Promise<void> {
    await this.pool.close()
  }
}
