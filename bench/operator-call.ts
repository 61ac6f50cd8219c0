import { EventEmitter } from 'node:events'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { operatorJobs } from '../lib/routes/operator-call.js'
import { Deadlines } from '../lib/deadlines.js'

// npx tsx bench/operator-call.ts
//
// What the routes' operator call costs around an operator that answers at once: the
// context, the deadline, the race and the jobs check (operatorJobs). The fastest of 100
// batches of 1000 calls, in µs per call. With a Node timer set and cleared per call, as
// before issue 14 (ed07088), the same loop measured 0.89 to 1.08 µs, with the list of
// deadlines 0.54 to 0.66 (BENCHMARKS.md).
const raw = Object.assign(new EventEmitter(), { writableFinished: false, closed: false })
const request = { log: {} } as FastifyRequest
const reply = { raw } as unknown as FastifyReply
const deadlines = new Deadlines(30_000)
const jobs: never[] = []
const answer = async (): Promise<never[]> => jobs

async function fastest (step: () => Promise<unknown>): Promise<number> {
  let best = Infinity
  for (let batch = 0; batch < 100; batch++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < 1000; i++) await step()
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1000)
  }
  return best / 1000
}

const steps: Record<string, () => Promise<unknown>> = {
  'operatorJobs, one call': async () => await operatorJobs(request, reply, deadlines, 'status', answer),
  'the operator alone': async () => await answer()
}
for (const [name, step] of Object.entries(steps)) console.log(`${name.padEnd(30)} ${(await fastest(step)).toFixed(2)} µs`)
