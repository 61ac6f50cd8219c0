import { Transform, pipeline, type Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { ResultFile } from '../types.js'
import { DRAIN_LIMIT, headersFor, rejected, tooLarge, type Transport } from './exchange.js'
import { fault, unavailable } from './faults.js'
import type { OperatorCall } from './wire.js'

// The text of an error page, at most `limit` bytes of it: the rest is of no use.
async function pageOf (body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk)
    size += chunk.length
    if (size > limit) break // leaving the loop destroys the body, and with it the connection
  }
  return Buffer.concat(chunks).toString('utf8')
}

// Passes the file on, failing it once more than `limit` bytes came: a Content-Length
// is checked before, but a chunked answer says nothing of its size.
function capped (body: Readable, limit: number): Readable {
  let size = 0
  const out = new Transform({
    transform (chunk: Buffer, _encoding, done) {
      size += chunk.length
      if (size > limit) done(tooLarge(limit))
      else done(null, chunk)
    }
  })
  // Either side failing or closing early (the client left) destroys the other.
  pipeline(body, out, () => {})
  return out
}

function header (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * Downloads from the operator-service: answers the file as a stream (its content type
 * and, when sent, its length), or undefined on a 404. The headers must come within the
 * transport's timeouts and the body may not pause longer than `bodyTimeout` nor exceed
 * `maxResponseSize`; a 4xx is passed on, anything else is a 503.
 */
export function downloader (transport: Transport): (call: OperatorCall, signal: AbortSignal) => Promise<ResultFile | undefined> {
  const { dispatcher, origin, headersTimeout, bodyTimeout, maxResponseSize } = transport
  const headers = { ...headersFor(transport).get, accept: '*/*' }

  return async function download (call, signal) {
    let answer: Awaited<ReturnType<Dispatcher['request']>>
    try {
      answer = await dispatcher.request({ origin, path: call.path, method: 'GET', headers, headersTimeout, bodyTimeout, signal })
    } catch (err) {
      throw fault(err, 'request', signal)
    }
    const { statusCode, body } = answer
    const length = Number(header(answer.headers['content-length']) ?? NaN)
    // dump() reads a short page to keep the connection, and drops a long one quietly.
    if (statusCode === 404) {
      await body.dump()
      return undefined
    }
    if (statusCode >= 400 && statusCode < 500) throw rejected(statusCode, await pageOf(body, DRAIN_LIMIT).catch(() => ''))
    if (statusCode >= 300 || length > maxResponseSize) {
      await body.dump()
      throw statusCode < 300 ? tooLarge(maxResponseSize) : unavailable(`The compute operator answered ${statusCode}.`)
    }
    return {
      size: Number.isSafeInteger(length) ? length : undefined,
      contentType: header(answer.headers['content-type']) ?? 'application/octet-stream',
      stream: capped(body, maxResponseSize)
    }
  }
}
