import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { EventEmitter, once } from 'node:events'
import type { AddressInfo, Socket } from 'node:net'
import { json } from 'node:stream/consumers'
import { verifyMessage, type Hex } from 'viem'
import type { JobStatus } from '../../schemas/job.js'
import type { Workflow } from '../../schemas/workflow.js'
import { newJob } from './jobs.js'

/** One request as the operator-service received it. */
export interface Received {
  method: string
  /** The path without the query string. */
  path: string
  query: Record<string, string>
  /** The parsed JSON body; undefined when there was none or it did not parse. */
  body: Record<string, unknown> | undefined
  headers: IncomingHttpHeaders
}

export interface OperatorServiceOptions {
  /** The only address whose `providerSignature` it accepts. */
  provider: string
  /** The path it lives under, ending in '/'. Default: '/'. */
  basePath?: string
}

type Answer = { status: number, body: unknown }

const now = () => Math.floor(Date.now() / 1000)

function matches (job: JobStatus, q: Record<string, unknown>): boolean {
  return job.owner?.toLowerCase() === String(q.owner).toLowerCase() &&
    (q.jobId === undefined || job.jobId === q.jobId) &&
    (q.documentId === undefined || job.documentId === q.documentId) &&
    (q.agreementId === undefined || job.agreementId === q.agreementId)
}

async function readBody (req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  try {
    return await json(req) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/**
 * A stand-in for the Ocean operator-service (spec sections 2 and 3) on 127.0.0.1:
 * it checks `providerSignature` against the provider's address (401 otherwise),
 * keeps jobs in memory, filters them by owner, jobId, documentId and agreementId,
 * and answers arrays. Events: 'request' (a Received, on arrival) and 'aborted'
 * (when the caller went away before the answer).
 */
export class OperatorService extends EventEmitter {
  readonly jobs = new Map<string, JobStatus>()
  readonly received: Received[] = []
  /** Sockets currently open, and how many were ever opened. */
  readonly sockets = new Set<Socket>()
  connections = 0
  url = ''
  private readonly server = createServer((req, res) => { this.handle(req, res).catch(err => this.emit('error', err)) })
  private gate: Promise<void> | undefined
  private open: (() => void) | undefined

  constructor (private readonly options: OperatorServiceOptions) {
    super()
    this.server.on('connection', socket => {
      this.connections++
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
    })
  }

  async listen (): Promise<this> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.options.basePath ?? '/'}`
    return this
  }

  /** Requests that arrive from now on wait for `release()` before they are answered. */
  hold (): void {
    this.gate ??= new Promise(resolve => { this.open = resolve })
  }

  release (): void {
    this.open?.()
    this.gate = undefined
  }

  async close (): Promise<void> {
    this.release()
    this.server.closeAllConnections()
    this.server.close()
    await once(this.server, 'close')
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://operator')
    const received: Received = {
      method: req.method!,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: await readBody(req),
      headers: req.headers
    }
    this.received.push(received)
    this.emit('request', received)
    res.once('close', () => { if (!res.writableFinished) this.emit('aborted', received) })
    await this.gate
    if (res.destroyed) return
    const { status, body } = await this.answer(received)
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }

  private async answer ({ method, path, query, body }: Received): Promise<Answer> {
    if (path !== `${this.options.basePath ?? '/'}api/v1/operator/compute`) return { status: 404, body: { error: 'Not found.' } }
    const params: Record<string, unknown> = method === 'POST' ? body ?? {} : query
    const { providerAddress, providerSignature, jobId, documentId } = params as Record<string, string | undefined>
    const message = String(providerAddress) + (method === 'POST' ? '' : jobId ?? '') + (documentId ?? '')
    const valid = providerAddress?.toLowerCase() === this.options.provider.toLowerCase() &&
      await verifyMessage({ address: this.options.provider as Hex, message, signature: providerSignature as Hex }).catch(() => false)
    if (!valid) return { status: 401, body: { error: 'Invalid providerSignature.' } }
    if (typeof params.owner !== 'string') return { status: 400, body: { error: 'owner is required.' } }
    if (method === 'POST') return { status: 200, body: [this.create(params)] }

    const selected = [...this.jobs.values()].filter(job => matches(job, params))
    switch (method) {
      case 'GET': return { status: 200, body: selected }
      case 'PUT':
        for (const job of selected) Object.assign(job, { stopreq: 1, status: 70, statusText: 'Job completed', dateFinished: now() })
        return { status: 200, body: selected }
      case 'DELETE':
        for (const job of selected) this.jobs.delete(job.jobId)
        return { status: 200, body: selected.map(job => ({ ...job, removed: 1 })) }
      default: return { status: 405, body: { error: 'Method not allowed.' } }
    }
  }

  private create (params: Record<string, unknown>): JobStatus {
    const job = newJob({
      owner: params.owner as string,
      workflow: params.workflow as Workflow,
      documentId: params.documentId as string | undefined,
      agreementId: params.agreementId as string | undefined
    })
    this.jobs.set(job.jobId, job)
    return { ...job }
  }
}

/** Starts an operator-service stand-in on 127.0.0.1 and a free port. */
export async function operatorService (options: OperatorServiceOptions): Promise<OperatorService> {
  return await new OperatorService(options).listen()
}
