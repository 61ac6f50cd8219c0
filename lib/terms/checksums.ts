import { createHash } from 'node:crypto'

// The reference provider checks a trusted algorithm with sha256 of Python's
// `json.dumps(x, separators=(",", ":"))` (ensure_ascii on, keys in the order stored).
// JSON.stringify differs on three points, each handled here: non-ASCII characters
// (Python writes \uXXXX), numbers (Python keeps 1.0 a float and writes big floats as
// 1e+21), and the order of keys that look like integers (JavaScript puts them first).
// JSON.parse forgets the last two, so DDOs read from text by parseDdoJson keep them on
// their objects, under the symbols below; a DDO built in JavaScript gets Python's
// reading of its values (an integral number is an int).

/** Per object or array: the source text of its numbers that JSON.parse would not give back as Python prints them. */
export const NUMBER_TEXT: unique symbol = Symbol('fastify-ocean-compute.numberText')
/** Per object: its keys in source order, when JavaScript's order differs (integer-like keys). */
export const KEY_ORDER: unique symbol = Symbol('fastify-ocean-compute.keyOrder')

interface Annotated {
  [NUMBER_TEXT]?: Map<string, string>
  [KEY_ORDER]?: string[]
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' }

/** A string as Python's json.dumps writes it with ensure_ascii: every UTF-16 unit outside space..~ escaped. */
function pythonString (text: string): string {
  // eslint-disable-next-line no-control-regex
  return '"' + text.replace(/["\\\u0000-\u001f\u007f-\uffff]/g, c =>
    ESCAPES[c] ?? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '"'
}

/** Python's repr of a float: the shortest digits, fixed notation for exponents -4..15, else 1e+21. */
export function pythonFloat (value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0'
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string]
  const exponent = Number(exponentText)
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace(/[-.]/g, '')
  const sign = negative ? '-' : ''
  if (exponent < -4 || exponent >= 16) {
    const tail = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    return `${sign}${tail}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0')
  const fraction = digits.slice(exponent + 1)
  return `${sign}${whole}.${fraction === '' ? '0' : fraction}`
}

/** A number as Python prints what json.loads made of `source`: its text in the DDO, or JavaScript's own. */
function pythonNumber (value: number, source = String(value)): string {
  if (/[.eE]/.test(source)) return pythonFloat(value)
  return source === '-0' ? '0' : source
}

function dump (value: unknown, source: string | undefined): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'string': return pythonString(value)
    case 'number': return pythonNumber(value, source)
    case 'boolean': return value ? 'true' : 'false'
  }
  const numbers = (value as Annotated)[NUMBER_TEXT]
  if (Array.isArray(value)) {
    return '[' + value.map((item, i) => dump(item, numbers?.get(String(i)))).join(',') + ']'
  }
  const record = value as Record<string, unknown>
  const keys = (value as Annotated)[KEY_ORDER] ?? Object.keys(record)
  return '{' + keys.map(key => pythonString(key) + ':' + dump(record[key], numbers?.get(key))).join(',') + '}'
}

/** Python's `json.dumps(value, separators=(",", ":"))`, byte for byte. */
export function pythonJson (value: unknown): string {
  return dump(value, undefined)
}

function sha256 (text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** A trusted algorithm's `filesChecksum`: sha256 of encryptedFiles and the JSON of `main.files`. */
export function filesChecksum (encryptedFiles: string, files: unknown): string {
  return sha256(encryptedFiles + pythonJson(files))
}

/** A trusted algorithm's `containerSectionChecksum`: sha256 of the JSON of `main.algorithm.container`. */
export function containerSectionChecksum (container: unknown): string {
  return sha256(pythonJson(container))
}
