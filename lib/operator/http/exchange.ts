import type { Dispatcher } from 'undici'
import sjson from 'secure-json-parse'
import type { JobStatus } from '../../../schemas/job.js'
import { OperatorRejectedError } from '../../errors.js'
import { fault, unavailable } from './faults.js'
import type { OperatorCall } from './wire.js'

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
const PARSE = { protoAction: 'remove', constructorAction: 'remove' } as const

function tooLarge (limit: number): Error {
  return unavailable(`The compute operator's answer exceeded ${limit} bytes.`)
}

// Reads the whole answer, but never more than `limit` bytes into memory.
async function readText ({ headers, body }: Dispatcher.ResponseData, limit: number): Promise<string> {
  if (Number(headers['content-length']) > limit) {
    await body.dump()
    throw tooLarge(limit)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    // Leaving the loop destroys the body, and with it the connection.
    if (size > limit) throw tooLarge(limit)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size).toString('utf8')
}

function parse (text: string): unknown {
  return sjson.parse(text, undefined, PARSE)
}

// A 4xx is the operator-service refusing the request: its status and `error` reach the client (spec section 1.3).
function rejected (statusCode: number, text: string): Error {
  let message: unknown
  try {
    message = (parse(text) as { error?: unknown } | null)?.error
  } catch { /* no JSON: the status says enough */ }
  return Object.assign(
    new OperatorRejectedError(typeof message === 'string' && message !== '' ? message : `The compute operator answered ${statusCode}.`),
    { statusCode })
}

/** Sends one call and answers the operator-service's list of jobs, or throws an error for the routes. */
export async function exchange (transport: Transport, call: OperatorCall, signal: AbortSignal): Promise<JobStatus[]> {
  let response: Dispatcher.ResponseData
  try {
    response = await transport.dispatcher.request({
      origin: transport.origin,
      path: call.path,
      method: call.method,
      headers: {
        accept: 'application/json',
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(transport.authorization === undefined ? {} : { authorization: transport.authorization })
      },
      body: call.body,
      signal,
      headersTimeout: transport.headersTimeout,
      bodyTimeout: transport.bodyTimeout
    })
  } catch (err) {
    throw fault(err, 'request', signal)
  }

  const { statusCode } = response
  const clientError = statusCode >= 400 && statusCode < 500
  if (!clientError && (statusCode < 200 || statusCode >= 300)) {
    // Its error page is of no use to the client. dump() reads a little of it, to keep the
    // connection, or closes the connection; unlike destroy() it never emits an error.
    await response.body.dump()
    throw unavailable(`The compute operator answered ${statusCode}.`)
  }

  let text: string
  try {
    text = await readText(response, transport.maxResponseSize)
  } catch (err) {
    throw fault(err, 'answer', signal)
  }
  if (clientError) throw rejected(statusCode, text)

  let jobs: unknown
  try {
    jobs = parse(text)
  } catch (err) {
    throw unavailable('The compute operator answered something other than JSON.', err)
  }
  if (!Array.isArray(jobs)) throw unavailable('The compute operator answered something other than a list of jobs.')
  return jobs
}
