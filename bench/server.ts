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
  }
})
process.once('disconnect', async () => {
  await app.close()
  process.exit(0)
})
