import sjson from 'secure-json-parse'

const REMOVE = { protoAction: 'remove', constructorAction: 'remove' } as const
const ERROR = { protoAction: 'error', constructorAction: 'error' } as const

// secure-json-parse also drops a leading byte-order mark, which JSON.parse refuses.
const BOM = 0xFEFF

/**
 * JSON text from outside (a client's parameter, an operator's answer) parsed with its
 * `__proto__` and `constructor` keys removed or refused, as `keys` says. secure-json-parse
 * looks for those keys with two regular expressions, which cost about two thirds of what
 * parsing a status answer does and more than any other step of the plugin's own work on
 * a start (`npm run bench -- --scenario start-signed`). A JSON key can
 * spell them only in plain letters or with a \u escape, and includes() rules both out far
 * faster: the common text skips the scan.
 */
export function parseUntrustedJson (text: string, keys: 'remove' | 'error'): unknown {
  if (!text.includes('__proto__') && !text.includes('constructor') && !text.includes('\\u') && text.charCodeAt(0) !== BOM) return JSON.parse(text)
  return sjson.parse(text, undefined, keys === 'remove' ? REMOVE : ERROR)
}
