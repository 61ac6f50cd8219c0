import t from 'tap'
import Fastify from 'fastify'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, request } from 'undici'
import compute, { httpOperator, type HttpOperatorOptions } from '../../../lib/index.js'
import { PREFIX } from '../../helpers/build.js'
import type { OperatorService } from '../../helpers/operator-service.js'
import { alice, bob as provider, sign } from '../../helpers/sign.js'
import { jobs, serve, standIn, startJob } from './setup.js'

// The stand-in's side of every connection the transport opened has closed.
async function allClosed (service: OperatorService): Promise<number> {
  await Promise.all([...service.sockets].map(socket => once(socket, 'close')))
  return service.sockets.size
}

t.test('a client that goes away aborts the operator call', async t => {
  const service = await standIn(t)
  const app = await serve({ url: service.url, account: provider })
  t.teardown(() => app.close())
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  service.hold()
  const client = new AbortController()
  const query = new URLSearchParams({ consumerAddress: alice.address, signature: await sign(alice) })
  const answer = request(`${address}${PREFIX}/compute?${query}`, { signal: client.signal })
  await once(service, 'request')
  const aborted = once(service, 'aborted')
  client.abort()
  await t.rejects(answer, { name: 'AbortError' })
  await aborted
  t.pass('the operator-service saw its request aborted')
})

t.test("the plugin's operatorTimeout aborts the operator call", async t => {
  const service = await standIn(t)
  const app = await serve({ url: service.url, account: provider }, { operatorTimeout: 200 })
  t.teardown(() => app.close())
  service.hold()
  const aborted = once(service, 'aborted')
  const res = await jobs(app)
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'The compute operator did not answer within 200 ms.' })
  await aborted
  t.pass('the operator-service saw its request aborted')
})

t.test('concurrent calls share at most `connections` keep-alive connections', async t => {
  const service = await standIn(t)
  const app = await serve({ url: service.url, account: provider, connections: 4 })
  t.teardown(() => app.close())
  service.hold()
  const first = Promise.all(Array.from({ length: 50 }, () => jobs(app)))
  while (service.received.length < 4) await once(service, 'request')
  service.release()
  const answers = [...await first, ...await Promise.all(Array.from({ length: 50 }, () => jobs(app)))]
  t.same(answers.map(res => res.statusCode), Array(100).fill(200))
  t.equal(service.received.length, 100)
  t.ok(service.connections <= 4, `${service.connections} connections for 100 calls`)
})

async function withOperator (options: HttpOperatorOptions) {
  const operator = httpOperator(options)
  const app = Fastify()
  await app.register(compute, { prefix: PREFIX, operator })
  return { app, operator }
}

t.test('closing Fastify lets a call in flight finish, then closes the pool', async t => {
  const service = await standIn(t)
  const { app, operator } = await withOperator({ url: service.url, account: provider })
  service.hold()
  const answer = startJob(app)
  await once(service, 'request')
  let closed = false
  const closing = app.close().then(() => { closed = true })
  await sleep(100)
  t.notOk(closed, 'close waits for the call in flight')
  service.release()
  const res = await answer
  t.equal(res.statusCode, 200)
  t.equal(res.json()[0].owner, alice.address)
  await closing
  t.equal(await allClosed(service), 0, 'no connection to the operator-service is left open')
  await t.rejects(operator.status({ owner: alice.address }, { signal: new AbortController().signal, log: app.log }),
    { message: 'The compute operator transport is closed.' })
})

t.test('closing Fastify while the operator-service hangs fails the call cleanly within its timeout', async t => {
  const service = await standIn(t)
  const { app } = await withOperator({ url: service.url, account: provider, headersTimeout: 300 })
  service.hold()
  const answer = jobs(app)
  await once(service, 'request')
  await app.close()
  const res = await answer
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'The compute operator did not answer in time.' })
  t.equal(await allClosed(service), 0)
})

t.test("a host's dispatcher is used and left open", async t => {
  const service = await standIn(t)
  const dispatcher = new Agent({ connections: 2 })
  t.teardown(() => dispatcher.close())
  const { app } = await withOperator({ url: service.url, account: provider, dispatcher, headersTimeout: 1000, bodyTimeout: 1000 })
  t.equal((await jobs(app)).statusCode, 200)
  await app.close()
  t.equal(dispatcher.closed, false)
  t.equal(service.sockets.size, 1, 'its connection stays open, for the host to reuse')
  const again = await serve({ url: service.url, account: provider, dispatcher })
  t.equal((await jobs(again)).statusCode, 200, 'and it still works')
  await again.close()
  t.ok(service.connections <= 2, 'over its own connections, within its own limit')
})
