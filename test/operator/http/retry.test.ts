import t from 'tap'
import Fastify from 'fastify'
import { httpOperator, type OperatorContext } from '../../../lib/index.js'
import { defaultBuildWorkflow } from '../../../lib/workflow.js'
import { alice, bob as provider } from '../../helpers/sign.js'
import { faultServer } from './fault-server.js'

const log = Fastify().log
const ctx = (): OperatorContext => ({ signal: new AbortController().signal, log })
const owner = alice.address
const workflow = defaultBuildWorkflow({ params: { consumerAddress: owner, output: {}, algorithmDid: 'did:op:algo' }, address: owner, request: undefined as never })

const fault = await faultServer()
const operator = httpOperator({ url: fault.url, account: provider, headersTimeout: 300 })
t.teardown(async () => {
  await operator.close?.()
  await fault.close()
})
t.beforeEach(() => {
  fault.requests = 0
  fault.script = []
  fault.fault = 'ok'
})

t.test('a start is never retried: a retried POST could run the job twice', async t => {
  fault.fault = 'reset'
  await t.rejects(operator.start({ workflow, owner }, ctx()), { statusCode: 503, message: 'The compute operator closed the connection without answering.' })
  t.equal(fault.requests, 1)
})

t.test('neither is a stop or a delete', async t => {
  fault.fault = 'reset'
  const message = 'The compute operator closed the connection without answering.'
  await t.rejects(operator.stop({ owner }, ctx()), { statusCode: 503, message })
  await t.rejects(operator.delete({ owner }, ctx()), { statusCode: 503, message })
  t.equal(fault.requests, 2)
})

t.test('a status survives one dropped connection', async t => {
  fault.script = ['reset']
  t.same(await operator.status({ owner }, ctx()), [])
  t.equal(fault.requests, 2)
  fault.script = ['reset-mid-body']
  t.same(await operator.status({ owner }, ctx()), [], 'also when it drops mid-answer')
  t.equal(fault.requests, 4)
})

t.test('a status is retried once only', async t => {
  fault.fault = 'reset'
  await t.rejects(operator.status({ owner }, ctx()), { statusCode: 503, message: 'The compute operator closed the connection without answering.' })
  t.equal(fault.requests, 2)
})

t.test('a status is not retried on other faults', async t => {
  for (const [what, message] of [['error500', 'answered 500'], ['hang', 'did not answer in time']] as const) {
    fault.requests = 0
    fault.fault = what
    await t.rejects(operator.status({ owner }, ctx()), { statusCode: 503, message: `The compute operator ${message}.` })
    t.equal(fault.requests, 1, what)
  }
})
