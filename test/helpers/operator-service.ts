import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { EventEmitter, once } from 'node:events'
import { randomBytes } from 'node:crypto'
import type { AddressInfo, Socket } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { json } from 'node:stream/consumers'
import { request } from 'undici'
import { recoverMessageAddress, type Hex } from 'viem'

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
  /** The path it lives under, ending in '/'. Default: '/'. */
  basePath?: string
  /**
   * SIGNATURE_REQUIRED=1 with this ALLOWED_PROVIDERS list: a POST's providerSignature must
   * sign the agreementId text, by an address whose lower-case form is in the list.
   * Default: no check (SIGNATURE_REQUIRED=0, as the v1.0.1 deployment ran).
   */
  allowedProviders?: string[]
  /** Dates as JSON strings of decimals (PostgreSQL 14+ with Flask 2.x), not numbers. Default: false. */
  stringDates?: boolean
}

/** An output of a job, as the engine records it (the service lists it without its url). */
export interface Output {
  filename: string
  filesize: number
  type: 'output' | 'algorithmLog'
  /** Where getResult fetches it from. */
  url: string
}

/** A row of the service's jobs table. */
export interface JobRow {
  jobId: string
  agreementId: string
  owner: string
  workflow: { stages: Array<{ algorithm: Record<string, unknown>, input: Array<{ id?: string }> }> }
  status: number
  statusText: string
  /** Milliseconds. */
  created: number
  finished: number | null
  stopreq: number
  removed: number
  outputs: Output[] | null
}

type Answer = { status: number, body: unknown }

const REQUIRED_ON_POST = ['workflow', 'agreementId', 'owner', 'providerSignature'] as const

async function readBody (req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  try {
    return await json(req) as Record<string, unknown>
  } catch {
    return undefined
  }
}

// Flask's `data.get(x)` then "`not x or len(x) < 2` means not given".
function filterOf (value: unknown): string | undefined {
  return typeof value === 'string' && value.length >= 2 ? value : undefined
}

/**
 * A stand-in for the real Ocean operator-service v1.0.1 as spec section 2.1 measured it,
 * on 127.0.0.1: POST requires workflow, agreementId, owner and providerSignature (400
 * naming the first missing one) and checks the signature of the agreementId only when
 * `allowedProviders` is given; GET and PUT filter by owner (compared exactly), jobId and
 * agreementId, and ignore documentId; DELETE answers `""`; status objects carry
 * `results: ""` or outputs without their url, and dates as numbers or, with
 * `stringDates`, strings; getResult streams an output from its url, checking no owner.
 * Jobs move only through `move` and `complete` (the engine's part). Events: 'request'
 * (a Received, on arrival) and 'aborted' (when the caller went away before the answer).
 */
export class OperatorService extends EventEmitter {
  readonly jobs = new Map<string, JobRow>()
  readonly received: Received[] = []
  /** Sockets currently open, and how many were ever opened. */
  readonly sockets = new Set<Socket>()
  connections = 0
  url = ''
  private readonly server = createServer((req, res) => { this.handle(req, res).catch(err => this.emit('error', err)) })
  private gate: Promise<void> | undefined
  private open: (() => void) | undefined

  constructor (private readonly options: OperatorServiceOptions = {}) {
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

  /** The engine moves a job to `status` (engine.sh status). */
  move (jobId: string, status: number, statusText = `status ${status}`): void {
    Object.assign(this.row(jobId), { status, statusText })
  }

  /** The engine completes a job with its outputs (engine.sh complete). */
  complete (jobId: string, outputs: Output[] | null = null): void {
    Object.assign(this.row(jobId), { status: 70, statusText: 'Job completed', finished: Date.now(), outputs })
  }

  private row (jobId: string): JobRow {
    const row = this.jobs.get(jobId)
    if (row === undefined) throw new Error(`no job ${jobId}`)
    return row
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
    const base = `${this.options.basePath ?? '/'}api/v1/operator/`
    if (received.method === 'GET' && received.path === `${base}getResult`) return await this.getResult(received.query, res)
    const { status, body } = received.path === `${base}compute`
      ? await this.compute(received)
      : { status: 404, body: { error: 'Not found.' } }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }

  private async compute ({ method, query, body }: Received): Promise<Answer> {
    // As Flask's `request.args if request.args else request.json`.
    const data: Record<string, unknown> | undefined = Object.keys(query).length > 0 ? query : body
    if (method === 'POST') return await this.start(data)
    if (method === 'DELETE') return { status: 200, body: '' } // a no-op: the engine removes jobs
    const selection = { agreementId: filterOf(data?.agreementId), jobId: filterOf(data?.jobId), owner: filterOf(data?.owner) }
    if (Object.values(selection).every(value => value === undefined)) {
      return { status: 400, body: { error: 'You have to specify one of agreementId, jobId or owner' } }
    }
    // SQL `=`: exact, case included. There is no documentId column.
    const selected = [...this.jobs.values()].filter(row =>
      (selection.agreementId === undefined || row.agreementId === selection.agreementId) &&
      (selection.jobId === undefined || row.jobId === selection.jobId) &&
      (selection.owner === undefined || row.owner === selection.owner))
    if (method === 'PUT') for (const row of selected) row.stopreq = 1
    else if (method !== 'GET') return { status: 405, body: { error: 'Method not allowed.' } }
    return { status: 200, body: selected.map(row => this.statusOf(row)) }
  }

  private async start (data: Record<string, unknown> | undefined): Promise<Answer> {
    if (data === undefined || typeof data !== 'object' || Array.isArray(data)) return { status: 400, body: { error: 'payload seems empty.' } }
    const missing = REQUIRED_ON_POST.find(key => !(key in data))
    if (missing !== undefined) return { status: 400, body: { error: `"${missing}" is required in the call to POST:/compute` } }
    const allowed = this.options.allowedProviders
    if (allowed !== undefined) {
      let signer: string
      try {
        signer = await recoverMessageAddress({ message: String(data.agreementId), signature: data.providerSignature as Hex })
      } catch {
        return { status: 500, body: '<h1>Internal Server Error</h1>' }
      }
      // The recovered address, lower-cased, looked up as it is: a checksummed entry never matches.
      if (!allowed.includes(signer.toLowerCase())) return { status: 401, body: { error: '`providerSignature` of agreementId is required.' } }
    }
    const row: JobRow = {
      jobId: randomBytes(16).toString('hex'),
      agreementId: String(data.agreementId),
      owner: String(data.owner),
      workflow: data.workflow as JobRow['workflow'],
      status: 1,
      statusText: 'Warming up',
      created: Date.now(),
      finished: null,
      stopreq: 0,
      removed: 0,
      outputs: null
    }
    this.jobs.set(row.jobId, row)
    return { status: 200, body: [this.statusOf(row)] }
  }

  private date (ms: number | null): number | string | null {
    if (ms === null) return null
    const seconds = (ms / 1000).toFixed(6)
    return this.options.stringDates === true ? seconds : Number(seconds)
  }

  // The service's get_sql_status, field by field.
  private statusOf (row: JobRow): Record<string, unknown> {
    const stage = row.workflow.stages[0]!
    return {
      agreementId: row.agreementId,
      jobId: row.jobId,
      owner: row.owner,
      status: row.status,
      statusText: row.statusText,
      dateCreated: this.date(row.created),
      dateFinished: this.date(row.finished),
      results: row.outputs === null || row.outputs.length === 0 ? '' : row.outputs.map(({ url: _url, ...output }) => output),
      stopreq: row.stopreq,
      removed: row.removed,
      algoDID: 'id' in stage.algorithm ? stage.algorithm.id : 'raw',
      inputDID: stage.input.filter(input => 'id' in input).map(input => input.id)
    }
  }

  private async getResult (query: Record<string, string>, res: ServerResponse): Promise<void> {
    const index = Number(query.index)
    const outputs = this.jobs.get(query.jobId ?? '')?.outputs
    const missing = outputs === null || outputs === undefined
      ? `No results for job ${query.jobId}`
      : index >= outputs.length ? `No such index ${index} in this compute job` : undefined
    if (missing !== undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: missing }))
      return
    }
    const { url } = outputs![index]!
    let upstream: Awaited<ReturnType<typeof request>>
    try {
      upstream = await request(url)
    } catch {
      res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Internal Server Error</h1>')
      return
    }
    // Streamed through as Flask's generator does: chunked, with the upstream's type and no length.
    res.writeHead(upstream.statusCode, {
      'content-type': String(upstream.headers['content-type'] ?? 'application/octet-stream'),
      'content-disposition': `attachment;filename=${url.split('/').pop()}`
    })
    await pipeline(upstream.body, res).catch(() => {})
  }
}

/** Starts an operator-service stand-in on 127.0.0.1 and a free port. */
export async function operatorService (options: OperatorServiceOptions = {}): Promise<OperatorService> {
  return await new OperatorService(options).listen()
}
