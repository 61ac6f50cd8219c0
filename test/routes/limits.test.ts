import t from 'tap'
import Fastify from 'fastify'
import compute from '../../lib/index.js'
import { build, COMPUTE_PATH } from '../helpers/build.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, sign } from '../helpers/sign.js'

const nested = (depth: number): unknown => depth === 0 ? 'leaf' : { deeper: nested(depth - 1) }

t.test('refuses JSON fields nested deeper than the limit, from the query and from a body', async t => {
  const { app, operator } = await build()
  const base = { consumerAddress: alice.address, signature: await sign(alice), algorithmDid: 'did:op:x' }
  let res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: { ...base, output: JSON.stringify(nested(8)) } })
  t.equal(res.statusCode, 200, '8 levels are fine')
  res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: { ...base, output: JSON.stringify(nested(9)) } })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'The output field may not be nested deeper than 8 levels.', errors: { output: ['The output field may not be nested deeper than 8 levels.'] } })
  const deep = '{"deeper":'.repeat(50_000) + '1' + '}'.repeat(50_000)
  res = await app.inject({ method: 'POST', url: COMPUTE_PATH, headers: { 'content-type': 'application/json' }, payload: `{"consumerAddress":"${alice.address}","output":{},"algorithmMeta":{"rawcode":"x","deep":${deep}}}` })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'The algorithmMeta field may not be nested deeper than 8 levels.')
  t.equal(operator.calls.length, 1)
})

t.test('refuses overlong JSON text and ids, under limits a host sets', async t => {
  const { app } = await build({ limits: { jsonLength: 100, idLength: 10, rawcodeLength: 20, additionalInputs: 1 } })
  const base = { consumerAddress: alice.address, signature: await sign(alice), algorithmDid: 'did:op:x' }
  const cases: Array<[Record<string, string>, string]> = [
    [{ output: JSON.stringify({ pad: 'x'.repeat(100) }) }, 'The output field may not be longer than 100 characters.'],
    [{ output: '{}', jobId: 'j'.repeat(11) }, 'The jobId field may not be longer than 10 characters.'],
    [{ output: '{}', algorithmMeta: JSON.stringify({ rawcode: 'r'.repeat(21) }) }, 'The algorithmMeta.rawcode field may not be longer than 20 characters.'],
    [{ output: '{}', additionalInputs: '[{},{}]' }, 'The additionalInputs field may not have more than 1 items.']
  ]
  for (const [extra, error] of cases) {
    const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: { ...base, ...extra } })
    t.equal(res.statusCode, 400, error)
    t.equal(res.json().error, error)
  }
})

t.test('checks the limits option at registration', async t => {
  for (const [limits, message] of [
    [{ idLength: 0 }, /limits.idLength must be a positive integer, got 0/],
    [{ jsonDepth: 'deep' }, /limits.jsonDepth must be a positive integer, got deep/],
    ['small', /limits must be an object/]
  ] as const) {
    const app = Fastify()
    app.register(compute, { operator: new MemoryOperator(), limits: limits as never })
    await t.rejects(async () => { await app.ready() }, { code: 'FST_COMPUTE_INVALID_OPTION', message })
  }
})
