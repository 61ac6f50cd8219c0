import { constants } from 'node:fs'
import { lstat, open, readdir } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import type { ResultFile } from '../types.js'
import type { JobLayout } from './layout.js'
import type { ResultEntry } from './record.js'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar'
}

export function contentTypeOf (filename: string): string {
  return CONTENT_TYPES[extname(filename).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * The regular files below `dir` (relative names, sorted) with their sizes.
 * Symbolic links are left out: a result must not lead outside the job folder.
 */
async function filesIn (dir: string): Promise<Array<{ filename: string, filesize: number }>> {
  const names = (await readdir(dir, { recursive: true })).sort()
  const files = await Promise.all(names.map(async filename => ({ filename, stats: await lstat(join(dir, filename)) })))
  return files.filter(({ stats }) => stats.isFile()).map(({ filename, stats }) => ({ filename, filesize: stats.size }))
}

export async function bytesIn (dir: string): Promise<number> {
  return (await filesIn(dir)).reduce((sum, file) => sum + file.filesize, 0)
}

/** A finished job's results: its outputs, then its logs (the engine's own log first). */
export async function collectResults (layout: JobLayout, withOutputs: boolean): Promise<ResultEntry[]> {
  const outputs = withOutputs ? await filesIn(layout.outputs) : []
  const own = basename(layout.log)
  const logs = (await filesIn(layout.logs)).sort((a, b) => Number(b.filename === own) - Number(a.filename === own))
  return [
    ...outputs.map(file => ({ ...file, type: 'output' as const })),
    ...logs.map(file => ({ ...file, type: 'log' as const }))
  ]
}

/** Opens a result for streaming; undefined when it is gone or no longer a regular file. */
export async function openResult (layout: JobLayout, entry: ResultEntry): Promise<ResultFile | undefined> {
  const path = join(entry.type === 'output' ? layout.outputs : layout.logs, entry.filename)
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined)
  if (handle === undefined) return undefined
  const stats = await handle.stat()
  if (!stats.isFile()) {
    await handle.close()
    return undefined
  }
  return { name: entry.filename, size: stats.size, contentType: contentTypeOf(entry.filename), stream: handle.createReadStream() }
}
