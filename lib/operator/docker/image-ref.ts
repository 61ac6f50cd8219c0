// Image references by the grammar of distribution/reference (what Docker and Podman parse):
// a name (an optional registry host and port, then lowercase path components), then
// `:tag`, `@digest` or both. Only sha256 and sha512 digests, as the daemons take them.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const HOST_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const HOST = `(?:${HOST_PART}(?:\\.${HOST_PART})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`
const NAME = new RegExp(`^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*$`)
const TAG = /^\w[\w.-]{0,127}$/
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/
const NAME_MAX = 255

/** An image: its name, and the tag or digest (or both) it is pinned to. */
export interface ImageRef {
  name: string
  tag?: string
  digest?: string
}

const isName = (name: string): boolean => name.length <= NAME_MAX && NAME.test(name)

/** The reference of a whole string (`name`, `name:tag`, `name@sha256:…`, `name:tag@sha256:…`), or undefined. */
export function parseReference (text: string): ImageRef | undefined {
  const at = text.indexOf('@')
  const digest = at === -1 ? undefined : text.slice(at + 1)
  const rest = at === -1 ? text : text.slice(0, at)
  // A tag's colon comes after the last slash; one before it is a registry's port.
  const colon = rest.lastIndexOf(':')
  const tagged = colon > rest.lastIndexOf('/')
  const name = tagged ? rest.slice(0, colon) : rest
  const tag = tagged ? rest.slice(colon + 1) : undefined
  if (!isName(name) || (tag !== undefined && !TAG.test(tag)) || (digest !== undefined && !DIGEST.test(digest))) return undefined
  return { name, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) }
}

/**
 * The reference an algorithm's container asks for: `image` a name only, `tag` a tag
 * or a digest (Ocean's containers carry a digest there); no tag is `latest`.
 * Undefined when either does not parse: no `20@sha256:…` smuggled in a tag.
 */
export function requestedReference (image: string, tag: string | undefined): ImageRef | undefined {
  if (!isName(image)) return undefined
  if (tag === undefined || tag === '') return { name: image, tag: 'latest' }
  if (DIGEST.test(tag)) return { name: image, digest: tag }
  return TAG.test(tag) ? { name: image, tag } : undefined
}

/** How a reference is written. */
export function formatReference ({ name, tag, digest }: ImageRef): string {
  return name + (tag === undefined ? '' : `:${tag}`) + (digest === undefined ? '' : `@${digest}`)
}

/**
 * What runs for a request, by the allow-list: a digest only where an entry pins that
 * digest; a tag where an entry names that tag, or the bare name (any tag). An entry
 * that pins a tag to a digest runs the digest, whatever the tag points to now.
 * Undefined when nothing allows it.
 */
export function allowedReference (wanted: ImageRef, allowList: readonly ImageRef[]): ImageRef | undefined {
  const entries = allowList.filter(entry => entry.name === wanted.name)
  if (wanted.digest !== undefined) return entries.some(entry => entry.digest === wanted.digest) ? { name: wanted.name, digest: wanted.digest } : undefined
  const pinned = entries.find(entry => entry.tag === wanted.tag)
  if (pinned?.digest !== undefined) return { name: wanted.name, digest: pinned.digest }
  if (pinned !== undefined || entries.some(entry => entry.tag === undefined && entry.digest === undefined)) return wanted
  return undefined
}
