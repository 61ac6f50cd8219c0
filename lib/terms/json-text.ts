import { KEY_ORDER, NUMBER_TEXT } from './checksums.js'

// JSON.parse, plus what the checksums need and JSON.parse forgets: the source text of
// numbers Python reads otherwise (1.0 stays a float there, 12345678901234567890 an
// exact int) and the source order of keys JavaScript would reorder ("1" before "b").
// It is kept on each object or array, under symbols that are not enumerable: spreads,
// JSON.stringify and the schema checks do not see it.

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y

// JavaScript lists the keys that are array indices (0 to 2^32 - 2) first, in numeric order.
function isIndexLike (key: string): boolean {
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1
}

function annotate (target: object, name: symbol, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: false })
}

class Reader {
  i = 0
  constructor (readonly text: string) {}

  skip (): void {
    while (/\s/.test(this.text[this.i] ?? '')) this.i++
  }

  /** The value at the cursor, and the source of a number Python would print otherwise. */
  value (): [unknown, string | undefined] {
    this.skip()
    const c = this.text[this.i]
    if (c === '{') return [this.object(), undefined]
    if (c === '[') return [this.array(), undefined]
    if (c === '"') return [this.string(), undefined]
    if (c === 't' || c === 'f' || c === 'n') {
      const word = c === 't' ? 'true' : c === 'f' ? 'false' : 'null'
      this.i += word.length
      return [JSON.parse(word), undefined]
    }
    NUMBER.lastIndex = this.i
    const source = NUMBER.exec(this.text)![0]
    this.i += source.length
    const number = Number(source)
    return [number, /[.eE]/.test(source) || !Number.isSafeInteger(number) ? source : undefined]
  }

  string (): string {
    const start = this.i++
    while (this.text[this.i] !== '"') this.i += this.text[this.i] === '\\' ? 2 : 1
    return JSON.parse(this.text.slice(start, ++this.i)) as string
  }

  object (): Record<string, unknown> {
    const result: Record<string, unknown> = {}
    const numbers = new Map<string, string>()
    const keys: string[] = []
    let reordered = false
    this.i++
    this.skip()
    while (this.text[this.i] !== '}') {
      this.skip()
      const key = this.string()
      this.skip()
      this.i++ // ':'
      const [value, source] = this.value()
      if (!Object.hasOwn(result, key)) {
        keys.push(key)
        reordered ||= isIndexLike(key)
      }
      // defineProperty: a "__proto__" key is data, as JSON.parse makes it.
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true })
      if (source !== undefined) numbers.set(key, source)
      else numbers.delete(key)
      this.skip()
      if (this.text[this.i] === ',') this.i++
    }
    this.i++
    if (numbers.size > 0) annotate(result, NUMBER_TEXT, numbers)
    if (reordered) annotate(result, KEY_ORDER, keys)
    return result
  }

  array (): unknown[] {
    const result: unknown[] = []
    const numbers = new Map<string, string>()
    this.i++
    this.skip()
    while (this.text[this.i] !== ']') {
      const [value, source] = this.value()
      if (source !== undefined) numbers.set(String(result.length), source)
      result.push(value)
      this.skip()
      if (this.text[this.i] === ',') this.i++
    }
    this.i++
    if (numbers.size > 0) annotate(result, NUMBER_TEXT, numbers)
    return result
  }
}

/**
 * Parses JSON text as JSON.parse does (and throws as it does), keeping what the
 * algorithm checksums need to match the reference provider's. Resolvers that read DDOs
 * from text use it; a DDO made in JavaScript checksums as Python reads its values.
 */
export function parseDdoJson (text: string): unknown {
  const plain: unknown = JSON.parse(text)
  if (typeof plain !== 'object' || plain === null) return plain
  try {
    return new Reader(text).value()[0]
  } catch {
    // Nesting deeper than the stack: the values without the annotations.
    return plain
  }
}
