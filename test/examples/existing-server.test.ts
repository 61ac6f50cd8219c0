import t from 'tap'
import { buildExistingServer } from '../../examples/existing-server.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, bob, sign } from '../helpers/sign.js'

t.test('the host keeps its routes and error handler, and serves compute under its prefix', async t => {
  const operator = new MemoryOperator()
  const app = await buildExistingServer({ operator, denied: [bob.address] })
  t.teardown(() => app.close())
  t.same((await app.inject('/health')).json(), { ok: true })
  t.same((await app.inject('/orders/1')).json(), { ok: true, order: { id: '1', paid: true } })
  const missing = await app.inject('/orders/2')
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { ok: false, reason: 'no order 2' }, 'the host\'s error handler still answers its routes')

  const start = { signature: await sign(alice), consumerAddress: alice.address, output: '{}', algorithmDid: 'did:op:1' }
  const res = await app.inject({ method: 'POST', url: '/api/v1/services/compute', query: start })
  t.equal(res.statusCode, 200)
  t.equal(operator.jobs.size, 1)
  const bad = await app.inject({ method: 'POST', url: '/api/v1/services/compute', query: { ...start, output: '{' } })
  t.same(bad.json(), { error: 'The output field must be a JSON object.', errors: { output: ['The output field must be a JSON object.'] } }, 'compute errors keep the spec\'s shape')
})

t.test('the overridden hook refuses a denied consumer with a valid signature', async t => {
  const app = await buildExistingServer({ operator: new MemoryOperator(), denied: [bob.address.toLowerCase()] })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'PUT', url: '/api/v1/services/compute', query: { consumerAddress: bob.address, signature: await sign(bob) } })
  t.equal(res.statusCode, 401)
  const ok = await app.inject({ method: 'PUT', url: '/api/v1/services/compute', query: { consumerAddress: alice.address, signature: await sign(alice) } })
  t.equal(ok.statusCode, 200)
})
