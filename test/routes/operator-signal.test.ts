import t from 'tap'
import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { operatorJobs } from '../../lib/routes/operator-call.js'
import { Deadlines } from '../../lib/deadlines.js'
import type { OperatorContext } from '../../lib/index.js'

// operatorJobs makes the AbortSignal only when the operator first reads it. An abort
// that came before must still be seen, with its reason, by an operator that reads late.

// The response as Node leaves it when the client goes: `closed` set, then 'close' emitted.
function fakes () {
  const raw = Object.assign(new EventEmitter(), { writableFinished: false, closed: false })
  const gone = () => { raw.closed = true; raw.emit('close') }
  return { request: { log: {} } as FastifyRequest, reply: { raw } as unknown as FastifyReply, gone }
}

t.test('a timeout before the operator reads the signal aborts it with the timeout', async t => {
  const { request, reply } = fakes()
  let seen: AbortSignal | undefined
  await t.rejects(operatorJobs(request, reply, new Deadlines(5), 'status', async (ctx: OperatorContext) => {
    await sleep(30)
    seen = ctx.signal
    return []
  }), { code: 'FST_COMPUTE_OPERATOR_TIMEOUT' })
  await sleep(40)
  t.equal(seen?.aborted, true)
  t.match(seen?.reason, { code: 'FST_COMPUTE_OPERATOR_TIMEOUT' })
})

t.test('a client gone before the operator reads the signal aborts it; the signal is made once', async t => {
  const { request, reply, gone } = fakes()
  const jobs = await operatorJobs(request, reply, new Deadlines(1000), 'status', async (ctx: OperatorContext) => {
    gone()
    t.equal(ctx.signal.aborted, true)
    t.equal(ctx.signal.reason.name, 'AbortError')
    t.equal(ctx.signal, ctx.signal)
    return []
  })
  t.same(jobs, [])
})

t.test('an abort after the operator read the signal reaches it', async t => {
  const { request, reply, gone } = fakes()
  await operatorJobs(request, reply, new Deadlines(1000), 'status', async (ctx: OperatorContext) => {
    const { signal } = ctx
    gone()
    t.equal(signal.aborted, true)
    return []
  })
})

t.test('an operator that spreads its context into another passes on a signal that aborts', async t => {
  const { request, reply } = fakes()
  let seen: AbortSignal | undefined
  await t.rejects(operatorJobs(request, reply, new Deadlines(5), 'status', async (ctx: OperatorContext) => {
    t.same(Object.keys(ctx), ['log', 'signal'], 'the context shows nothing else')
    const wrapped: OperatorContext = { ...ctx, log: ctx.log }
    seen = wrapped.signal
    await sleep(30)
    return []
  }), { code: 'FST_COMPUTE_OPERATOR_TIMEOUT' })
  t.equal(seen?.aborted, true)
})
