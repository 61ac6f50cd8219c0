import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { DDO, DdoResolver } from '../ddo.js'
import { parseDdoJson } from '../json-text.js'

function indexById (ddos: Iterable<unknown>): Map<string, DDO> {
  const byId = new Map<string, DDO>()
  for (const ddo of ddos) {
    const id = (ddo as { id?: unknown } | null)?.id
    // The terms check each DDO they are given; one without an id cannot be asked for.
    if (typeof id === 'string') byId.set(id.toLowerCase(), ddo as DDO)
  }
  return byId
}

/**
 * DDOs the host keeps: a list (or a Map / record by DID) given once. A DID is looked up
 * ignoring case, as DIDs name addresses. Read text with `parseDdoJson` so that the
 * algorithm checksums see numbers as the publisher wrote them.
 */
export function hostResolver (ddos: Iterable<unknown> | Record<string, unknown>): DdoResolver {
  const byId = indexById(ddos instanceof Map
    ? ddos.values()
    : Symbol.iterator in ddos ? ddos as Iterable<unknown> : Object.values(ddos))
  return async did => byId.get(did.toLowerCase())
}

/**
 * The DDOs in the `.json` files of `folder`, each named by its `id` (file names do not
 * matter), read once, at the first lookup: restart the server to publish another. No
 * path is ever made from a DID. A file that does not parse fails every lookup (503),
 * loudly, rather than hiding an asset.
 */
export function folderResolver (folder: string): DdoResolver {
  let loaded: Promise<DdoResolver> | undefined
  const load = async (): Promise<DdoResolver> => {
    const names = (await readdir(folder)).filter(name => name.endsWith('.json')).sort()
    const texts = await Promise.all(names.map(name => readFile(join(folder, name), 'utf8')))
    return hostResolver(texts.map(text => parseDdoJson(text)))
  }
  return async (did, ctx) => {
    if (loaded === undefined) {
      loaded = load()
      // A failed read is tried again at the next lookup.
      loaded.catch(() => { loaded = undefined })
    }
    return await (await loaded)(did, ctx)
  }
}
