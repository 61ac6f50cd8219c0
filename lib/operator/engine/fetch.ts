import { copyFile } from 'node:fs/promises'
import { createWriteStream } from 'node:fs'
import { resolve } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { Agent, request, type Dispatcher } from 'undici'
import type { UrlPolicy } from './url-policy.js'

/** True for the URLs fetched over the network. */
export function isHttpUrl (source: string): boolean {
  return /^https?:\/\//i.test(source)
}

/** How one file is fetched. */
export interface DownloadRules {
  /** The policy of a source from outside the provider; none for a source the host trusts (any address, local files too). */
  policy?: UrlPolicy
  /** Bytes the file may have: the download stops there. */
  maxBytes: number
  /** Milliseconds the download may take, redirects included. */
  timeoutMs: number
  /** Redirects followed. */
  maxRedirects: number
}

/**
 * What a job says of every failure of a policed download: a refusal, an unknown
 * name, a closed port and an HTTP error read alike, so that a consumer cannot map
 * the provider's network through the job errors.
 */
export const UNREACHABLE = 'the URL cannot be fetched from this provider'

// A failure whose message is ours and safe to show.
class DownloadError extends Error {}
class TooLargeError extends DownloadError {}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** A stream that passes `maxBytes` bytes and fails on the next one. */
function capped (maxBytes: number): Transform {
  let bytes = 0
  return new Transform({
    transform (chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      done(bytes > maxBytes ? new TooLargeError(`it is larger than ${maxBytes} bytes`) : null, chunk)
    }
  })
}

/** The response at `url` once its redirects are followed, each checked like the first URL. */
async function follow (url: string, signal: AbortSignal, rules: DownloadRules, dispatcher: Agent): Promise<Dispatcher.ResponseData> {
  let current = new URL(url)
  for (let redirects = 0; redirects <= rules.maxRedirects; redirects++) {
    rules.policy?.check(current)
    const response = await request(current, { dispatcher, signal })
    const location = response.headers.location
    if (!REDIRECTS.has(response.statusCode) || typeof location !== 'string') return response
    await response.body.dump()
    current = new URL(location, current)
    if (!isHttpUrl(current.href)) throw new DownloadError('a redirect to another scheme')
  }
  throw new DownloadError(`more than ${rules.maxRedirects} redirects`)
}

async function download (url: string, destination: string, signal: AbortSignal, rules: DownloadRules): Promise<void> {
  // Each connection is checked at its lookup, the one `net.connect` uses: no second resolution to swap.
  const dispatcher = new Agent(rules.policy === undefined ? {} : { connect: { lookup: rules.policy.lookup } })
  try {
    const { statusCode, headers, body } = await follow(url, signal, rules, dispatcher)
    if (statusCode !== 200) {
      await body.dump()
      throw new DownloadError(`the server answered HTTP ${statusCode}`)
    }
    if (Number(headers['content-length']) > rules.maxBytes) {
      body.destroy()
      throw new TooLargeError(`it is larger than ${rules.maxBytes} bytes`)
    }
    await pipeline(body, capped(rules.maxBytes), createWriteStream(destination), { signal })
  } finally {
    await dispatcher.destroy()
  }
}

// Our sentence or an error code: never a message that could carry a URL or a path.
function reasonOf (err: unknown, rules: DownloadRules, timedOut: boolean): string {
  if (err instanceof TooLargeError) return err.message
  if (rules.policy !== undefined) return UNREACHABLE
  if (timedOut) return `it took longer than ${rules.timeoutMs / 1000} seconds`
  if (err instanceof DownloadError) return err.message
  const { code, cause } = err as { code?: unknown, cause?: { code?: unknown } }
  return String(cause?.code ?? code ?? 'unknown error')
}

/**
 * Puts the file at `source` (an http(s) URL; a `file:` URL or a local path when the
 * rules have no policy) at `destination`, within the rules' size and time. A failure
 * rejects with an error whose message may be shown to the consumer: it names the
 * cause (`ENOENT`, `the server answered HTTP 404`; for a policed source always
 * UNREACHABLE, or the size), never the source, which may be private to the
 * provider. An abort of `signal` rejects with its reason.
 */
export async function fetchTo (source: string, destination: string, signal: AbortSignal, rules: DownloadRules): Promise<void> {
  const time = AbortSignal.timeout(rules.timeoutMs)
  try {
    if (isHttpUrl(source)) await download(source, destination, AbortSignal.any([signal, time]), rules)
    else if (rules.policy !== undefined) throw new DownloadError('not an http(s) URL')
    else await copyFile(/^file:/i.test(source) ? fileURLToPath(source) : resolve(source), destination)
  } catch (err) {
    signal.throwIfAborted()
    throw new Error(reasonOf(err, rules, time.aborted))
  }
}
