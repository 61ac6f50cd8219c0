import { copyFile } from 'node:fs/promises'
import { createWriteStream } from 'node:fs'
import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { fetch } from 'undici'

/** True for the URLs fetched over the network. */
export function isHttpUrl (source: string): boolean {
  return /^https?:\/\//i.test(source)
}

// A refusal by the server; its message is ours and safe to show.
class HttpStatusError extends Error {}

async function download (url: string, destination: string, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, { signal })
  if (!response.ok || response.body === null) {
    await response.body?.cancel()
    throw new HttpStatusError(`the server answered HTTP ${response.status}`)
  }
  await pipeline(Readable.fromWeb(response.body), createWriteStream(destination), { signal })
}

// Our HTTP sentence or an error code: never a message that could carry a URL or a path.
function reasonOf (err: unknown): string {
  if (err instanceof HttpStatusError) return err.message
  const { code, cause } = err as { code?: unknown, cause?: { code?: unknown } }
  return String(cause?.code ?? code ?? 'unknown error')
}

/**
 * Puts the file at `source` (an http(s) URL, a `file:` URL or a local path) at
 * `destination`. A failure rejects with an error whose message may be shown to
 * the consumer: it names the cause (`ENOENT`, `the server answered HTTP 404`),
 * never the source, which may be private to the provider. An abort rejects with
 * the signal's reason.
 */
export async function fetchTo (source: string, destination: string, signal: AbortSignal): Promise<void> {
  try {
    if (isHttpUrl(source)) await download(source, destination, signal)
    else await copyFile(/^file:/i.test(source) ? fileURLToPath(source) : resolve(source), destination)
  } catch (err) {
    signal.throwIfAborted()
    throw new Error(reasonOf(err))
  }
}
