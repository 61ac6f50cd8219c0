import t from 'tap'
import { build, COMPUTE_PATH } from '../helpers/build.js'
import { alice, bob, sign } from '../helpers/sign.js'
import type { MemoryOperator } from '../helpers/memory-operator.js'
import type { OperatorQuery } from '../../lib/index.js'
import { workflow } from '../helpers/jobs.js'

/** An operator that ignores the owner filter on every call, like a careless operator-service. */
function careless (operator: MemoryOperator) {
  for (const method of ['status', 'stop', 'delete'] as const) {
    const honest = operator[method].bind(operator)
    operator[method] = async (query: OperatorQuery) => {
      const everyone = [...new Set([...operator.jobs.values()].map(job => job.owner!))]
      const answers = await Promise.all(everyone.map(owner => honest({ ...query, owner })))
      return answers.flat()
    }
  }
}

async function jobsOf (operator: MemoryOperator) {
  const [mine] = await operator.start({ workflow, owner: alice.address })
  const [theirs] = await operator.start({ workflow, owner: bob.address })
  operator.calls.length = 0
  return { mine: mine!, theirs: theirs! }
}

t.test('stop touches only the signer\'s jobs when the operator ignores owner', async t => {
  const { app, operator } = await build()
  careless(operator)
  const { mine, theirs } = await jobsOf(operator)
  const res = await app.inject({ method: 'PUT', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(alice) } })
  t.equal(res.statusCode, 200)
  t.same(res.json().map((job: { jobId: string }) => job.jobId), [mine.jobId])
  t.equal(operator.jobs.get(theirs.jobId)!.stopreq, 0, 'bob\'s job still runs')
  t.equal(operator.jobs.get(mine.jobId)!.stopreq, 1)
})

t.test('delete touches only the signer\'s jobs, even when asked for another\'s jobId', async t => {
  const { app, operator } = await build()
  careless(operator)
  const { mine, theirs } = await jobsOf(operator)
  let res = await app.inject({ method: 'DELETE', url: COMPUTE_PATH, query: { consumerAddress: alice.address, jobId: theirs.jobId, signature: await sign(alice, { jobId: theirs.jobId }) } })
  t.same(res.json(), [])
  t.ok(operator.jobs.has(theirs.jobId))
  res = await app.inject({ method: 'DELETE', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(alice) } })
  t.same(res.json().map((job: { jobId: string }) => job.jobId), [mine.jobId])
  t.ok(operator.jobs.has(theirs.jobId), 'bob\'s job is still there')
  t.notOk(operator.jobs.has(mine.jobId))
})

t.test('an operator fault while acting on a job is a 503, not a partial success', async t => {
  const { app, operator } = await build()
  await jobsOf(operator)
  operator.stop = async () => { throw new Error('socket hang up') }
  const res = await app.inject({ method: 'PUT', url: COMPUTE_PATH, query: { consumerAddress: alice.address, signature: await sign(alice) } })
  t.equal(res.statusCode, 503)
})
