import { addAbortListener } from 'node:events'
import type { Dispatcher } from 'undici'
import type { JobStatus } from '../../../schemas/job.js'
import { OperatorRejectedError } from '../../errors.js'
import { parseUntrustedJson } from '../../json.js'
import { fault, unavailable } from './faults.js'
import type { OperatorCall } from './wire.js'

const ACCEPTED: ReadonlySet<string> = new Set(['', '""'])

/** What every exchange with the operator-service needs. */
export interface Transport {
  dispatcher: Dispatcher
  origin: string
  authorization: string | undefined
  headersTimeout: number
  bodyTimeout: number
  maxResponseSize: number
}

// The answer is passed on to clients: a `__proto__` key must not reach code that copies jobs.
function parse (text: string): unknown {
  return parseUntrustedJson(text, 'remove')
}

export function tooLarge (limit: number): Error {
  return unavailable(`The compute operator's answer exceeded ${limit} bytes.`)
}

// A 4xx is the operator-service refusing the request: its status and `error` reach the client (spec section 1.3).
export function rejected (statusCode: number, text: string): Error {
  let message: unknown
  try {
    message = (parse(text) as { error?: unknown } | null)?.error
  } catch { /* no JSON: the status says enough */ }
  const err = new OperatorRejectedError(typeof message === 'string' && message !== '' ? message : `The compute operator answered ${statusCode}.`)
  err.statusCode = statusCode
  return err
}

// How much of an error page is read to keep its connection (undici's body.dump() reads
// as much); past it the connection is closed, so that a long page cannot hold it.
export const DRAIN_LIMIT = 128 * 1024

/** A whole answer: 2xx and 4xx with their text (any other status is a 503). */
interface Answer { statusCode: number, text: string }

/**
 * Receives one answer straight from undici's dispatcher, never holding more than
 * `limit` bytes of it. undici's `request()` would wrap the body in a stream to be
 * read chunk by chunk, and add listeners of its own to the signal. Defended by
 * `npm run bench -- --scenario transport`; a change here should be measured there for
 * CPU and for memory.
 */
class AnswerHandler implements Dispatcher.DispatchHandler {
  private readonly listening: Disposable
  private controller: Dispatcher.DispatchController | undefined
  private statusCode = 0
  private readonly chunks: Buffer[] = []
  private size = 0
  private settled = false
  /** A 5xx: the error the call ends with once its page is read. */
  private failure: Error | undefined

  constructor (
    private readonly limit: number,
    private readonly signal: AbortSignal,
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (err: Error) => void
  ) {
    // When the caller's signal fires, give up on the answer, and on the request if it is
    // out. Through Node's addAbortListener (experimental in Node 20's documentation; the
    // suite runs on 20, 22 and 24): no listener registered before it can silence it with
    // stopImmediatePropagation(). It also saves memory: this object registered with
    // signal.addEventListener set off V8's pretenuring, and each call then promoted several
    // times the bytes to the old generation (`npm run bench -- --scenario transport`, RSS).
    this.listening = addAbortListener(signal, () => { this.fail(signal.reason) })
  }

  onRequestStart (controller: Dispatcher.DispatchController): void {
    this.controller = controller
    // Aborted while the request waited for a connection.
    if (this.settled) controller.abort(this.signal.reason as Error)
  }

  onResponseStart (_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return // 1xx: the answer is yet to come
    this.statusCode = statusCode
    if (Number(headers['content-length']) > this.limit) {
      this.fail(tooLarge(this.limit))
    } else if (!(statusCode < 300 || (statusCode >= 400 && statusCode < 500))) {
      this.failure = unavailable(`The compute operator answered ${statusCode}.`)
    }
  }

  onResponseData (_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length
    if (this.failure !== undefined) {
      // An error page is of no use to the client: it is read and dropped, which keeps the
      // connection for the next call, but only up to DRAIN_LIMIT; then the connection goes.
      if (this.size > DRAIN_LIMIT) this.fail(this.failure)
    } else if (this.size > this.limit) {
      this.fail(tooLarge(this.limit))
    } else {
      this.chunks.push(chunk)
    }
  }

  onResponseEnd (): void {
    if (!this.settle()) return
    if (this.failure !== undefined) this.reject(this.failure)
    else this.resolve({ statusCode: this.statusCode, text: Buffer.concat(this.chunks, this.size).toString('utf8') })
  }

  onResponseError (_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (this.settle()) this.reject(fault(err, this.statusCode === 0 ? 'request' : 'answer', this.signal))
  }

  // Settles once, and cuts the request (and with it the connection) short.
  private fail (err: unknown): void {
    if (this.settle()) this.reject(fault(err, this.statusCode === 0 ? 'request' : 'answer', this.signal))
    this.controller?.abort(err as Error)
  }

  private settle (): boolean {
    if (this.settled) return false
    this.settled = true
    this.listening[Symbol.dispose]()
    return true
  }
}

// Built once: per call only the body's content type differs.
export function headersFor (transport: Transport): { get: Record<string, string>, send: Record<string, string> } {
  const get: Record<string, string> = { accept: 'application/json' }
  if (transport.authorization !== undefined) get.authorization = transport.authorization
  return { get, send: { ...get, 'content-type': 'application/json' } }
}

/** Sends calls to the operator-service and answers its lists of jobs, or throws errors for the routes. */
export function exchanger (transport: Transport): (call: OperatorCall, signal: AbortSignal) => Promise<JobStatus[]> {
  const { dispatcher, origin, headersTimeout, bodyTimeout, maxResponseSize } = transport
  const headers = headersFor(transport)

  return async function exchange (call, signal) {
    const { statusCode, text } = await new Promise<Answer>((resolve, reject) => {
      if (signal.aborted) {
        reject(fault(signal.reason, 'request', signal))
        return
      }
      const handler = new AnswerHandler(maxResponseSize, signal, resolve, reject)
      try {
        dispatcher.dispatch({
          origin,
          path: call.path,
          method: call.method,
          headers: call.body === undefined ? headers.get : headers.send,
          body: call.body,
          headersTimeout,
          bodyTimeout
        }, handler)
      } catch (err) {
        // undici reports its faults to the handler; a host's dispatcher may throw instead.
        handler.onResponseError(undefined, err as Error)
      }
    })
    if (statusCode >= 400) throw rejected(statusCode, text)
    // The operator-service answers a DELETE it accepted with the JSON text `""`: its engine
    // removes the job on its own schedule (spec section 2.1). An empty body says as much.
    if (call.method === 'DELETE' && ACCEPTED.has(text.trim())) return []

    let jobs: unknown
    try {
      jobs = parse(text)
    } catch (err) {
      throw unavailable('The compute operator answered something other than JSON.', err)
    }
    if (!Array.isArray(jobs)) throw unavailable('The compute operator answered something other than a list of jobs.')
    return jobs
  }
}
