import { constants } from 'node:fs'
import { lstat, open, readdir, rm } from 'node:fs/promises'
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

/** A file of a job's folder, by its name below it. */
export interface OutputFile { filename: string, filesize: number }

/**
 * The regular files below `dir` (relative names, sorted) with their sizes.
 * Symbolic links are left out: a result must not lead outside the job folder.
 */
async function filesIn (dir: string): Promise<OutputFile[]> {
  const names = (await readdir(dir, { recursive: true })).sort()
  const files = await Promise.all(names.map(async filename => ({ filename, stats: await lstat(join(dir, filename)) })))
  return files.filter(({ stats }) => stats.isFile()).map(({ filename, stats }) => ({ filename, filesize: stats.size }))
}

function sizeOf (files: OutputFile[]): number {
  return files.reduce((sum, file) => sum + file.filesize, 0)
}

export async function bytesIn (dir: string): Promise<number> {
  return sizeOf(await filesIn(dir))
}

/**
 * A finished job's outputs, walked once. Over `maxBytes` they are deleted, and none
 * are listed: the one place the cap is applied, whether the job ended or a restart
 * found it interrupted. Unreadable outputs count as none.
 */
export async function keptOutputs (layout: JobLayout, maxBytes: number): Promise<{ files: OutputFile[], overflow: boolean }> {
  const files = await filesIn(layout.outputs).catch(() => [])
  if (sizeOf(files) <= maxBytes) return { files, overflow: false }
  await rm(layout.outputs, { recursive: true, force: true })
  return { files: [], overflow: true }
}

/** A finished job's results: its outputs, then its logs (the engine's own log first). */
export async function collectResults (layout: JobLayout, outputs: OutputFile[]): Promise<ResultEntry[]> {
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
