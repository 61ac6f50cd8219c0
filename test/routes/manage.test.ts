import t from 'tap'
import { build, COMPUTE_PATH } from '../helpers/build.js'
import { alice, bob, sign, DID } from '../helpers/sign.js'
import { workflow } from '../helpers/jobs.js'

t.test('stop answers the stopped jobs with stopreq 1', async t => {
  const { app, operator } = await build()
  const [job] = await operator.start({ workflow, owner: alice.address, documentId: DID })
  const res = await app.inject({ method: 'PUT', url: COMPUTE_PATH, query: { consumerAddress: alice.address, jobId: job!.jobId, signature: await sign(alice, { jobId: job!.jobId }) } })
  t.equal(res.statusCode, 200)
  t.match(res.json(), [{ jobId: job!.jobId, stopreq: 1, status: 70 }])
})

t.test('delete answers the jobs with removed 1, and they are gone from status afterwards', async t => {
  const { app, operator } = await build()
  const [job] = await operator.start({ workflow, owner: alice.address, documentId: DID })
  const query = { consumerAddress: alice.address, documentId: DID, signature: await sign(alice, { documentId: DID }) }
  const res = await app.inject({ method: 'DELETE', url: COMPUTE_PATH, query })
  t.equal(res.statusCode, 200)
  t.match(res.json(), [{ jobId: job!.jobId, removed: 1 }])
  const status = await app.inject({ method: 'GET', url: COMPUTE_PATH, query })
  t.same(status.json(), [])
})

t.test('stop and delete read a JSON body and accept an empty one with the query', async t => {
  const { app, operator } = await build()
  await operator.start({ workflow, owner: alice.address })
  const signature = await sign(alice)
  let res = await app.inject({ method: 'PUT', url: COMPUTE_PATH, payload: { consumerAddress: alice.address, signature } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().length, 1)
  res = await app.inject({ method: 'DELETE', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature }, headers: { 'content-type': 'application/json' }, payload: '' })
  t.equal(res.statusCode, 200)
  t.equal(res.json()[0].removed, 1)
})

t.test('stop and delete answer [] when nothing matched', async t => {
  const { app } = await build()
  for (const method of ['PUT', 'DELETE'] as const) {
    const res = await app.inject({ method, url: COMPUTE_PATH, query: { consumerAddress: alice.address, jobId: 'x', signature: await sign(alice, { jobId: 'x' }) } })
    t.equal(res.statusCode, 200)
    t.same(res.json(), [])
  }
})

t.test('stop and delete demand a valid signature', async t => {
  const { app, operator } = await build()
  await operator.start({ workflow, owner: alice.address })
  for (const method of ['PUT', 'DELETE'] as const) {
    for (const signature of [undefined, '0xdead', await sign(bob, { consumerAddress: alice.address })]) {
      const res = await app.inject({ method, url: COMPUTE_PATH, query: signature === undefined ? { consumerAddress: alice.address } : { consumerAddress: alice.address, signature } })
      t.equal(res.statusCode, 401, `${method} ${String(signature)}`)
      t.same(res.json(), { error: 'Invalid signature provided.' })
    }
    const res = await app.inject({ method, url: COMPUTE_PATH, query: { signature: await sign(alice) } })
    t.equal(res.statusCode, 400)
    t.equal(res.json().error, 'The consumerAddress field is required.')
  }
  t.equal(operator.jobs.size, 1)
  t.same(operator.calls.map(c => c.method), ['start'])
})

t.test('a delete the operator only accepted answers the jobs it asked to delete, as last listed', async t => {
  const { app, operator } = await build()
  const [first] = await operator.start({ workflow, owner: alice.address, documentId: DID })
  const [second] = await operator.start({ workflow, owner: alice.address, documentId: DID })
  // The real operator-service's DELETE: accepted, nothing reported, nothing removed yet.
  operator.delete = async () => []
  const res = await app.inject({ method: 'DELETE', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(alice) } })
  t.equal(res.statusCode, 200)
  t.same(res.json().map((job: { jobId: string }) => job.jobId).sort(), [first!.jobId, second!.jobId].sort())
  t.ok(res.json().every((job: { removed: number }) => job.removed === 0), 'no removal is claimed')
})

t.test('stop, delete and status hand the operator the checksummed owner, whatever case was signed', async t => {
  const { app, operator } = await build()
  const lower = alice.address.toLowerCase()
  for (const method of ['GET', 'PUT', 'DELETE'] as const) {
    const res = await app.inject({ method, url: COMPUTE_PATH, query: { consumerAddress: lower, signature: await sign(alice, { consumerAddress: lower }) } })
    t.equal(res.statusCode, 200, method)
  }
  await app.inject({ method: 'GET', url: COMPUTE_PATH, query: { consumerAddress: lower } })
  t.same(operator.calls.map(call => call.arg.owner), Array(4).fill(alice.address))
})
