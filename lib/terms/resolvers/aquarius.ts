import { request, type Dispatcher } from 'undici'
import type { DDO, DdoResolver } from '../ddo.js'
import { parseDdoJson } from '../json-text.js'
import { InvalidOptionError } from '../../errors.js'
import { positiveInteger } from '../../option-checks.js'

export interface AquariusResolverOptions {
  /** Aquarius' base URL, e.g. `https://aquarius.example.com` (the reference provider's AQUARIUS_URL). */
  url: string
  /** Largest DDO in bytes; a longer answer is a fault. Default: 1048576 (1 MiB). */
  maxBytes?: number
  /** The undici dispatcher to send through (a pool, a proxy). Default: undici's global one. */
  dispatcher?: Dispatcher
}

// V3 DIDs only: `did:op:` and the datatoken's 40 hex digits. Anything else names no
// asset, and never becomes part of a URL (no `..`, no query string).
const V3_DID = /^did:op:[0-9a-fA-F]{40}$/

/** A fault of Aquarius; the message is for logs (the terms answer 503 without it). */
export class AquariusError extends Error {}

async function readText (body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > maxBytes) {
      body.destroy()
      throw new AquariusError(`Aquarius answered a DDO longer than ${maxBytes} bytes`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * DDOs from Aquarius v3: `GET {url}/api/v1/aquarius/assets/ddo/<did>`. A 200 is the DDO,
 * whatever its Content-Type (v3.0.2 to v3.1.4 answer `text/html`); a 404 (JSON or plain
 * text, by version) is "not found"; any other answer, a body that is not JSON, a longer
 * one than `maxBytes`, or no answer is a fault, which the terms answer with 503. Each
 * lookup is aborted with the request (the plugin's operatorTimeout bounds the terms).
 */
export function aquariusResolver (options: AquariusResolverOptions): DdoResolver {
  let base: string
  try {
    const url = new URL('api/v1/aquarius/assets/ddo/', String(options?.url).replace(/\/?$/, '/'))
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not http(s)')
    base = url.href
  } catch {
    throw new InvalidOptionError('aquariusResolver: url must be an http(s) URL')
  }
  const maxBytes = positiveInteger('aquariusResolver: maxBytes', options.maxBytes, 1024 * 1024)
  return async (did, { signal }) => {
    if (!V3_DID.test(did)) return undefined
    // The DID as the reference provider sends it (`did:op:...`), after the checked base.
    const response = await request(base + did, { signal, dispatcher: options.dispatcher })
    if (response.statusCode === 404) {
      await response.body.dump()
      return undefined
    }
    if (response.statusCode !== 200) {
      await response.body.dump()
      throw new AquariusError(`Aquarius answered HTTP ${response.statusCode}`)
    }
    const text = await readText(response.body, maxBytes)
    try {
      return parseDdoJson(text) as DDO
    } catch (err) {
      throw new AquariusError('Aquarius answered something other than JSON', { cause: err })
    }
  }
}
