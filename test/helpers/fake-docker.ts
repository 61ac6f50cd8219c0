import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'

/**
 * A stand-in for Podman's Docker-compatible service (`podman system service`, Podman 4.3.1,
 * API 1.41) on a unix socket of its own: the calls the container engine makes, answered
 * with the statuses and bodies the real service gave on this machine for the same calls
 * (recorded with test/helpers/podman.ts's service; each answer below names what it was).
 * Nothing runs: a container's life is what the test's `run` says it is.
 */
export interface FakeDocker {
  socketPath: string
  /** 'METHOD /path' of every call, in order, without the query. */
  calls: string[]
  /** The containers the daemon holds now (removed ones are gone), by id. */
  containers: Map<string, FakeContainer>
  /** Ends a running container with `exitCode`, as its process exiting would. */
  exit (container: FakeContainer, exitCode: number): void
}

export interface FakeContainer {
  id: string
  name: string
  /** The body of the create call, as sent. */
  config: { Image: string, Labels?: Record<string, string>, HostConfig?: { Binds?: string[] } } & Record<string, unknown>
  state: 'created' | 'running' | 'exited'
  exitCode: number
  oomKilled: boolean
  /** Framed stdout and stderr, as the logs call streams them. */
  log: Buffer[]
}

/** What a started container does: writes `stdout` then `stderr`, and exits with `exitCode`, or runs until killed. */
export type Life = { stdout?: string, stderr?: string, exitCode: number, oomKilled?: boolean } | { stdout?: string, runs: true }

export interface FakeDockerOptions {
  /** Image references the daemon holds ('name:tag'). */
  images: string[]
  /** Programs on the images' PATH: a container whose entrypoint is another fails to start. Default: node, python3. */
  programs?: string[]
  /** What a container does when started; it may write to the container's bind mounts. Default: exits 0. */
  run?: (container: FakeContainer) => Life | Promise<Life>
}

// Every error body of Podman's compat API: {cause, message, response}.
function fail (res: ServerResponse, status: number, cause: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ cause, message, response: status }) + '\n')
}

function send (res: ServerResponse, status: number, type: string | undefined, body?: string | Buffer): void {
  res.writeHead(status, type === undefined ? {} : { 'content-type': type }).end(body)
}

// Without a TTY, each chunk of output comes framed: stream (1 stdout, 2 stderr), three zeros, a 32-bit big-endian length.
function frame (stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text)
  const header = Buffer.alloc(8)
  header[0] = stream
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

async function body (req: IncomingMessage): Promise<unknown> {
  let text = ''
  for await (const chunk of req) text += String(chunk)
  return text === '' ? undefined : JSON.parse(text)
}

/** A fake daemon for `t`, closed at its end. */
export async function fakeDocker (t: Test, options: FakeDockerOptions): Promise<FakeDocker> {
  const dir = await mkdtemp(join(tmpdir(), 'foc-fake-docker-'))
  const socketPath = join(dir, 'docker.sock')
  const calls: string[] = []
  const containers = new Map<string, FakeContainer>()
  const waiters = new Map<string, Array<(code: number) => void>>()
  const run = options.run ?? ((): Life => ({ exitCode: 0 }))

  function exit (container: FakeContainer, exitCode: number): void {
    if (container.state !== 'running') return
    container.state = 'exited'
    container.exitCode = exitCode
    for (const wake of waiters.get(container.id) ?? []) wake(exitCode)
    waiters.delete(container.id)
  }

  // Podman's 404 for an id it does not know: `no container with name or ID "<id>" found: no such container`.
  function known (id: string, res: ServerResponse): FakeContainer | undefined {
    const container = containers.get(id)
    if (container === undefined) fail(res, 404, 'no such container', `no container with name or ID "${id}" found: no such container`)
    return container
  }

  async function start (container: FakeContainer): Promise<void> {
    container.state = 'running'
    const life = await run(container)
    if (life.stdout !== undefined) container.log.push(frame(1, life.stdout))
    if ('runs' in life) return
    if (life.stderr !== undefined) container.log.push(frame(2, life.stderr))
    container.oomKilled = life.oomKilled ?? false
    exit(container, life.exitCode)
  }

  async function answer (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://docker')
    calls.push(`${req.method} ${url.pathname}`)
    const parts = url.pathname.split('/').slice(1)
    // /containers/create and /containers/json are calls of their own; any other second segment is an id.
    const id = parts.length === 2 && ['create', 'json'].includes(parts[1]!) ? parts[1] : parts[1] === undefined ? '' : ':id'
    const route = `${req.method} /${parts[0]}${id === '' ? '' : `/${id}`}${parts[2] === undefined ? '' : `/${parts[2]}`}`
    switch (route) {
      case 'GET /_ping':
        // 200 `OK`, text/plain.
        return send(res, 200, 'text/plain; charset=utf-8', 'OK')
      case 'GET /images/:id/json': {
        // 200 with the image (Id, RepoTags, ...), or 404 `failed to find image node:nope: ...: No such image`.
        const ref = decodeURIComponent(parts[1]!)
        if (!options.images.includes(ref)) return fail(res, 404, `failed to find image ${ref}: docker.io/library/${ref}: No such image`, `failed to find image ${ref}: docker.io/library/${ref}: No such image`)
        return send(res, 200, 'application/json', JSON.stringify({ Id: `sha256:${'e'.repeat(64)}`, RepoTags: [ref] }))
      }
      case 'POST /images/create': {
        // No registry here: 200, then the failure in the progress stream, as Podman answered a pull it could not make.
        const error = `initializing source docker://${url.searchParams.get('fromImage')}:${url.searchParams.get('tag')}: pinging container registry: no such host`
        return send(res, 200, undefined, JSON.stringify({ progressDetail: {}, errorDetail: { message: error }, error }) + '\n')
      }
      case 'POST /containers/create': {
        // 201 {"Id":<64 hex>,"Warnings":[]}; 500 for a name in use; 404 `no such image: ...: image not known`.
        const name = url.searchParams.get('name') ?? ''
        const config = await body(req) as FakeContainer['config']
        const taken = [...containers.values()].find(container => container.name === name)
        if (taken !== undefined) return fail(res, 500, 'that name is already in use', `container create: creating container storage: the container name "${name}" is already in use by ${taken.id}. You have to remove that container to be able to reuse that name: that name is already in use`)
        if (!options.images.includes(config.Image)) return fail(res, 404, 'image not known', `no such image: docker.io/library/${config.Image}: image not known`)
        const id = randomBytes(32).toString('hex')
        containers.set(id, { id, name, config, state: 'created', exitCode: 0, oomKilled: false, log: [] })
        return send(res, 201, 'application/json', JSON.stringify({ Id: id, Warnings: [] }) + '\n')
      }
      case 'GET /containers/json': {
        // 200 [{Id, Names: ["/name"], Image, Labels, State: "running" | "exited", ...}], filtered by label name.
        const { label = [] } = JSON.parse(url.searchParams.get('filters') ?? '{}') as { label?: string[] }
        const listed = [...containers.values()].filter(container => label.every(name => container.config.Labels?.[name] !== undefined))
        return send(res, 200, 'application/json', JSON.stringify(listed.map(container => ({
          Id: container.id, Names: [`/${container.name}`], Image: container.config.Image, Labels: container.config.Labels ?? {}, State: container.state
        }))) + '\n')
      }
    }
    const container = known(parts[1] ?? '', res)
    if (container === undefined) return
    switch (route) {
      case 'POST /containers/:id/start': {
        // 204, even for a container that ran before (Podman runs it again); 500 for a program not in the image.
        const program = (container.config.Entrypoint as string[] | undefined)?.[0] ?? ''
        if (!(options.programs ?? ['node', 'python3']).includes(program)) {
          return fail(res, 500, 'OCI runtime attempted to invoke a command that was not found', `runc: runc create failed: unable to start container process: exec: "${program}": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found`)
        }
        res.writeHead(204).end()
        await start(container)
        return
      }
      case 'POST /containers/:id/wait': {
        // 200 at once, headers only; the body {"StatusCode":3,"Error":null} when the container stops.
        res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders()
        const reply = (code: number): void => { res.end(JSON.stringify({ StatusCode: code, Error: null }) + '\n') }
        if (container.state === 'exited') return reply(container.exitCode)
        waiters.set(container.id, [...waiters.get(container.id) ?? [], reply])
        return
      }
      case 'GET /containers/:id/json':
        // 200 {Id, State: {Status, Running, OOMKilled, ExitCode, ...}, ...}.
        return send(res, 200, 'application/json', JSON.stringify({
          Id: container.id,
          Name: container.name,
          State: { Status: container.state, Running: container.state === 'running', OOMKilled: container.oomKilled, ExitCode: container.exitCode },
          Config: { Labels: container.config.Labels ?? {} }
        }) + '\n')
      case 'GET /containers/:id/logs':
        // 200 application/octet-stream: the frames.
        return send(res, 200, 'application/octet-stream', Buffer.concat(container.log))
      case 'POST /containers/:id/kill':
        // 204, and the container exits 137; 500 `can only kill running containers. <id> is in state exited: container state improper`.
        if (container.state !== 'running') return fail(res, 500, 'container state improper', `can only kill running containers. ${container.id} is in state ${container.state}: container state improper`)
        exit(container, 137)
        return send(res, 204, undefined)
      case 'DELETE /containers/:id':
        // 204 (force: a running container is killed first).
        exit(container, 137)
        containers.delete(container.id)
        return send(res, 204, undefined)
    }
    fail(res, 404, 'not found', `not a call of the Docker Engine API this fake knows: ${route}`)
  }

  const server = createServer((req, res) => {
    answer(req, res).catch((err: Error) => { fail(res, 500, err.message, err.message) })
  })
  server.listen(socketPath)
  await once(server, 'listening')
  t.teardown(async () => {
    server.closeAllConnections()
    server.close()
    await rm(dir, { recursive: true, force: true })
  })
  return { socketPath, calls, containers, exit }
}
