import { constants, type Stats } from 'node:fs'
import { lstat, open, opendir, type FileHandle } from 'node:fs/promises'

// Deeper folders end a walk as an overrun: nothing an algorithm needs, and each level costs a lookup per entry.
export const MAX_DEPTH = 32

/** Why a walk stopped early: too many entries, too many bytes, or folders nested too deep. */
export type Overrun = 'entries' | 'bytes' | 'depth'

/**
 * What walks may take in, together: every entry counts once (a folder, a link and an
 * empty file too, so that 100,000 of them cannot pass as 0 bytes), with its own size.
 */
export class Budget {
  entries = 0
  bytes = 0

  constructor (readonly maxEntries: number, readonly maxBytes: number) {}

  /** Counts one entry of `size` bytes; answers the overrun if it goes past the budget. */
  take (size: number): Overrun | undefined {
    this.entries++
    this.bytes += size
    if (this.entries > this.maxEntries) return 'entries'
    if (this.bytes > this.maxBytes) return 'bytes'
  }
}

/** A regular file found by a walk: its path below the walked folder ('/'-separated) and size. */
export interface TreeFile { filename: string, filesize: number }

export interface Tree {
  /** The regular files, sorted by name; with an overrun, those seen before it. */
  files: TreeFile[]
  overrun?: Overrun
}

/**
 * Stats of `base/parts...`, each looked up without following a link, when every
 * part but the last is a real folder; undefined otherwise (a link, missing, a file).
 */
async function linkFreeStat (base: string, parts: readonly string[]): Promise<Stats | undefined> {
  let path = base
  let stats: Stats | undefined
  for (const part of parts) {
    if (stats !== undefined && !stats.isDirectory()) return undefined
    path = `${path}/${part}`
    stats = await lstat(path).catch(() => undefined)
    if (stats === undefined) return undefined
  }
  return stats
}

function partsOf (relative: string): string[] | undefined {
  const parts = relative.split('/')
  return parts.some(part => part === '' || part === '.' || part === '..') ? undefined : parts
}

/**
 * The regular files below `base/sub`, counted against `budget`. A symbolic link is
 * never followed, listed or descended into, at any depth, nor anywhere on `sub`
 * (a `sub` that is not a real folder holds nothing). One folder at a time, one
 * entry at a time: the event loop turns between entries and memory stays within
 * the budget, whatever the tree (a link loop is two entries). The walk stops at the
 * first entry beyond the budget, or the first folder deeper than MAX_DEPTH.
 */
export async function walkTree (base: string, sub: string, budget: Budget): Promise<Tree> {
  const files: TreeFile[] = []
  const parts = partsOf(sub)
  if (parts === undefined || !(await linkFreeStat(base, parts))?.isDirectory()) return { files }
  const root = `${base}/${sub}`
  const pending = [{ relative: '', depth: 0 }]
  while (pending.length > 0) {
    const { relative, depth } = pending.pop()!
    const dir = await opendir(relative === '' ? root : `${root}/${relative}`).catch(() => undefined)
    if (dir === undefined) continue // gone meanwhile
    for await (const entry of dir) {
      const filename = relative === '' ? entry.name : `${relative}/${entry.name}`
      const stats = await lstat(`${root}/${filename}`).catch(() => undefined)
      if (stats === undefined) continue
      const overrun = budget.take(stats.size) ?? (stats.isDirectory() && depth >= MAX_DEPTH ? 'depth' : undefined)
      // Leaving the loop closes the folder.
      if (overrun !== undefined) return { files, overrun }
      if (stats.isDirectory()) pending.push({ relative: filename, depth: depth + 1 })
      else if (stats.isFile()) files.push({ filename, filesize: stats.size })
    }
  }
  return { files: files.sort((a, b) => a.filename < b.filename ? -1 : 1) }
}

/**
 * Opens the regular file `base/relative` for reading, only if what was opened is
 * inside `base`: the file opened (its device and inode) must be the one reached from
 * `base` through real folders, looked up after the open. So a link at any component,
 * made at any time before the download, is refused, and so is a swap back and forth
 * around the open. Non-blocking, so that a FIFO put in a file's place cannot hang a
 * thread of the pool. Undefined for anything else.
 */
export async function openInside (base: string, relative: string): Promise<{ handle: FileHandle, size: number } | undefined> {
  const parts = partsOf(relative)
  if (parts === undefined) return undefined
  const handle = await open(`${base}/${relative}`, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined)
  if (handle === undefined) return undefined
  const [opened, found] = await Promise.all([handle.stat(), linkFreeStat(base, parts)])
  if (opened.isFile() && found !== undefined && found.dev === opened.dev && found.ino === opened.ino) return { handle, size: opened.size }
  await handle.close()
  return undefined
}
