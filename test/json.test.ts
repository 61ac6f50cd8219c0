import t from 'tap'
import { parseUntrustedJson } from '../lib/json.js'

t.test('parses plain JSON as JSON.parse does', async t => {
  t.same(parseUntrustedJson('{"a":[1,"x"],"b":null}', 'error'), { a: [1, 'x'], b: null })
})

t.test('refuses or removes __proto__ and constructor keys, however they are spelled', async t => {
  for (const text of ['{"__proto__":{"x":1}}', '{"\\u005f_proto__":{"x":1}}', '{"a":{"constructor":{"prototype":{"x":1}}}}']) {
    t.throws(() => parseUntrustedJson(text, 'error'), text)
    const parsed = parseUntrustedJson(text, 'remove') as Record<string, unknown>
    t.notOk(Object.hasOwn(parsed, '__proto__'), text)
    t.equal(({} as Record<string, unknown>).x, undefined, 'no prototype was polluted')
  }
})

t.test('a key that only mentions constructor in a value is kept', async t => {
  t.same(parseUntrustedJson('{"note":"constructor"}', 'error'), { note: 'constructor' })
})

t.test('drops a leading byte-order mark, which JSON.parse refuses', async t => {
  t.same(parseUntrustedJson('\uFEFF[1]', 'remove'), [1])
})
