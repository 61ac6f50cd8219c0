import { isUtf8 } from 'node:buffer'
import { constants, type Stats } from 'node:fs'
import { lstat, open, opendir, type FileHandle } from 'node:fs/promises'

// Deeper folders end a walk as an overrun: nothing an algorithm needs, and each level costs a lookup per entry.
export const MAX_DEPTH = 32

/** Why a walk stopped early: too many entries, too many bytes, folders nested too deep, a folder closed to its owner, or a name that is not UTF-8. */
export type Overrun = 'entries' | 'bytes' | 'depth' | 'closed' | 'name'

// A folder its owner may not list, enter or change: an algorithm running as the provider's
// user (a provider not run as root) made it so, to hide what it holds from the budget and
// from deletion. Judged by its mode, not by a failed open, so that it is the same verdict
// whoever the provider runs as.
function closed (stats: Stats): boolean {
  return stats.isDirectory() && (stats.mode & 0o700) !== 0o700
}

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
  const top = parts === undefined ? undefined : await linkFreeStat(base, parts)
  if (!top?.isDirectory()) return { files }
  if (closed(top)) return { files, overrun: 'closed' }
  const root = `${base}/${sub}`
  const pending = [{ relative: '', depth: 0 }]
  while (pending.length > 0) {
    const { relative, depth } = pending.pop()!
    // Names as bytes (latin1 reads each byte as one character): one that is not UTF-8 would be
    // read as another name (U+FFFD in its place), which names nothing or something else, and
    // its size would go uncounted.
    const dir = await opendir(relative === '' ? root : `${root}/${relative}`, { encoding: 'latin1' }).catch(() => undefined)
    if (dir === undefined) continue // gone meanwhile
    for await (const entry of dir) {
      const name = Buffer.from(entry.name, 'latin1')
      if (!isUtf8(name)) return { files, overrun: 'name' }
      const filename = relative === '' ? name.toString() : `${relative}/${name.toString()}`
      const stats = await lstat(`${root}/${filename}`).catch(() => undefined)
      if (stats === undefined) continue
      const overrun = budget.take(stats.size) ?? (stats.isDirectory() && depth >= MAX_DEPTH ? 'depth' : undefined) ?? (closed(stats) ? 'closed' : undefined)
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
