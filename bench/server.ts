import type { AddressInfo } from 'node:net'
import { scenarios } from './scenarios/index.js'

// One server of one scenario, in a process of its own: `node dist/bench/bench/server.js <scenario> <role> [upstream URL]`.
// It tells the parent its port, answers 'usage' with its resident memory and CPU time, and exits when the parent lets go.
const [name, role, upstream] = process.argv.slice(2)
const scenario = scenarios.find(s => s.name === name)
const start = role === 'plugin' || role === 'baseline' || role === 'standIn' ? scenario?.[role] : undefined
if (start === undefined) throw new Error(`usage: server.ts <scenario> plugin|baseline|standIn [upstream], got ${process.argv.slice(2).join(' ')}`)

const app = await start(upstream)
await app.listen({ host: '127.0.0.1', port: 0 })
process.send!({ port: (app.server.address() as AddressInfo).port })
process.on('message', message => {
  if (message === 'usage') {
    const { user, system } = process.cpuUsage()
    process.send!({ usage: { rss: process.memoryUsage().rss, cpu: user + system } })
  } else if (message === 'tick') {
    tickCost().then(ns => process.send!({ tick: ns }), () => process.exit(1))
  }
})

/**
 * What one process.nextTick costs this process, in ns: the fastest of 200 batches of
 * 1000, the queue drained between them. On Node 20 a process lands in one of two modes at
 * its start, a quarter to a half of them in the slow one: nextTick at ~50 ns, or at ~300 ns (V8 then
 * builds every tick object the slow way), which a server pays several times a request
 * (docs/performance-notes.md). Asked after the measurement: asked before, the probe itself
 * moved the plugin's cost.
 */
async function tickCost (): Promise<number> {
  const noop = () => {}
  let best = Infinity
  for (let batch = 0; batch < 200; batch++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < 1000; i++) process.nextTick(noop)
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1000)
    await new Promise(resolve => setImmediate(resolve))
  }
  return best
}
process.once('disconnect', async () => {
  await app.close()
  process.exit(0)
})
