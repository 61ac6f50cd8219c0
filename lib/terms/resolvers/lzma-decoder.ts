import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// The worker's code, a CommonJS script run by `eval`: no file of its own to find beside
// this one, whether it runs from dist/ or from the sources through a loader (tsx, under
// tap), whose hooks a worker does not always inherit. One `.lzma` alone stream in, its
// text (or undefined: corrupt, not UTF-8) out, decoded by LZMA-JS, the implementation
// ocean.js 0.9/0.11 compress DDOs with (its decoder is a plain script).
const SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads')
const { LZMA } = require(workerData)
parentPort.on('message', stream => {
  let text
  try { text = LZMA.decompress(stream) } catch {}
  parentPort.postMessage(typeof text === 'string' ? text : undefined)
})`
const DECODER = createRequire(import.meta.url).resolve('lzma/src/lzma-d.js')

/** The decoder already has `waiting` streams queued behind the one it decodes. */
export class DecoderBusyError extends Error {}

interface Task { stream: Uint8Array, resolve: (text: string | undefined) => void, reject: (err: Error) => void, stop: () => void }

/**
 * LZMA decoding off the event loop (LZMA-JS takes about a second of CPU for 1 MiB, which a
 * stream of a few hundred bytes can claim): one worker thread decodes one stream at a
 * time; `waiting` more may queue, any more are refused at once (DecoderBusyError). A
 * stream still queued or decoding at its deadline (ms since the epoch) is rejected, and a
 * worker decoding it is terminated; the next stream starts a new one. An idle worker does
 * not keep the process alive.
 */
export function lzmaDecoder (waiting: number): (stream: Uint8Array, deadline: number) => Promise<string | undefined> {
  const queue = new Set<Task>()
  let worker: Worker | undefined
  let busy = false

  function spawn (): Worker {
    const spawned = new Worker(SCRIPT, { eval: true, workerData: DECODER })
    // A worker that dies (an 'error' is followed by an 'exit'), even between streams, must not
    // crash the process with an unheard 'error': the next stream spawns another.
    const forget = () => { if (worker === spawned) worker = undefined }
    return spawned.on('error', forget).on('exit', forget)
  }

  function next (): void {
    const task = queue.values().next().value
    if (busy || task === undefined) return
    queue.delete(task)
    busy = true
    const current = worker ??= spawn()
    current.ref()
    const settle = (err: Error | undefined, text?: string) => {
      current.off('message', decoded).off('error', ended).off('exit', ended)
      current.unref()
      busy = false
      if (err === undefined) task.resolve(text)
      else task.reject(err)
      next()
    }
    const decoded = (text: unknown) => { settle(undefined, typeof text === 'string' ? text : undefined) }
    // Its 'error' (out of memory, say) or, without one, its 'exit' (the code): whichever comes first.
    const ended = (why: Error | number) => { settle(new Error('the LZMA worker ended while it decoded', { cause: why })) }
    current.on('message', decoded).on('error', ended).on('exit', ended)
    task.stop = () => {
      worker = undefined
      current.terminate() // its exit is heard by spawn()
      settle(new Error('the deadline passed while the DDO was decompressed'))
    }
    current.postMessage(task.stream)
  }

  return async function decode (stream, deadline) {
    if (busy && queue.size >= waiting) throw new DecoderBusyError(`${waiting} DDOs already wait to be decompressed`)
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { task.stop() }, Math.max(0, deadline - Date.now()))
      const task: Task = {
        stream,
        resolve: text => { clearTimeout(timer); resolve(text) },
        reject: err => { clearTimeout(timer); reject(err) },
        stop: () => {
          queue.delete(task)
          task.reject(new Error('the deadline passed while the DDO waited to be decompressed'))
        }
      }
      queue.add(task)
      next()
    })
  }
}
