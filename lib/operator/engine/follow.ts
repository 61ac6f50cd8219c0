import { open } from 'node:fs/promises'
import { Readable } from 'node:stream'

// How often a followed file is read for what was appended.
const POLL_MS = 250
const CHUNK = 64 * 1024

/**
 * The file at `path` as it grows, from its start, until `done` settles and the rest is
 * read: a running job's log as it is written. A file not there yet reads as empty.
 * Destroying the stream stops the reading.
 */
export function followFile (path: string, done: Promise<unknown>, pollMs = POLL_MS): Readable {
  let finished = false
  done.then(() => { finished = true }, () => { finished = true })
  let position = 0
  const buffer = Buffer.alloc(CHUNK)
  async function * chunks (): AsyncGenerator<Buffer> {
    for (;;) {
      const last = finished
      const handle = await open(path, 'r').catch(() => undefined)
      if (handle !== undefined) {
        try {
          for (let read = -1; read !== 0;) {
            ;({ bytesRead: read } = await handle.read(buffer, 0, CHUNK, position))
            position += read
            if (read > 0) yield Buffer.from(buffer.subarray(0, read))
          }
        } finally {
          await handle.close()
        }
      }
      // Read once more after the job ended: what it wrote last is in the file by then.
      if (last) return
      await new Promise(resolve => setTimeout(resolve, pollMs))
    }
  }
  return Readable.from(chunks(), { objectMode: false })
}
