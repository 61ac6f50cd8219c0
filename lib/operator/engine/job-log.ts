import { createWriteStream, type WriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'

/**
 * The algorithm's stdout and stderr, as a runner hands them over, kept in a file of
 * the engine's (never in a folder the algorithm can write) up to `maxBytes`: what
 * comes beyond is dropped as it comes, so the file never grows past the cap. Opened
 * when the run starts (or at the first chunk): even an algorithm that says nothing
 * has its log. A file that cannot be written must not fail the job, nor the server:
 * its error is dropped.
 */
export class AlgorithmLog {
  private stream?: WriteStream
  private room: number
  /** True once something was dropped. */
  cut = false

  constructor (private readonly path: string, readonly maxBytes: number) {
    this.room = maxBytes
  }

  open (): WriteStream {
    if (this.stream === undefined) {
      this.stream = createWriteStream(this.path, { flags: 'a' })
      this.stream.on('error', () => {})
    }
    return this.stream
  }

  /** Keeps what fits of `chunk`; false once the log is cut (a runner may stop reading). */
  write (chunk: Buffer): boolean {
    const stream = this.open()
    if (this.room > 0) stream.write(chunk.subarray(0, this.room))
    this.room -= chunk.length
    if (this.room < 0) this.cut = true
    return !this.cut
  }

  /** Flushes and closes the file. */
  async close (): Promise<void> {
    if (this.stream === undefined) return
    this.stream.end()
    await finished(this.stream).catch(() => {})
  }
}
