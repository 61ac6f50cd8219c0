import t from 'tap'
import { Readable } from 'node:stream'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { CHANNELS, type OperatorMessage } from '../../lib/index.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { DID } from '../helpers/sign.js'
import { ALGORITHM, nodeApp, PREFIX, signedParams } from './helpers.js'

t.test('the current wire\'s operator calls reach the operator channel, each named for the operator method it called', async t => {
  const seen: OperatorMessage[] = []
  const listener = (message: unknown) => { seen.push(message as OperatorMessage) }
  subscribe(CHANNELS.operator, listener)
  t.teardown(() => { unsubscribe(CHANNELS.operator, listener) })
  const memory = new MemoryOperator()
  const operator = Object.assign(memory, {
    environments: () => [{ id: 'default', description: '', consumerAddress: '', platform: { architecture: 'x64', os: 'linux' }, access: { addresses: [], accessLists: null }, fees: {}, maxJobDuration: 60, resources: [], free: { access: { addresses: [], accessLists: null }, maxJobDuration: 60, resources: [] } }],
    logs: async () => Readable.from(['a line\n'])
  })
  const app = await nodeApp(t, operator)

  t.equal((await app.inject({ method: 'GET', url: `${PREFIX}/computeEnvironments` })).statusCode, 200)
  const start = await app.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, payload: { ...await signedParams(app, 'freeStartCompute'), environment: 'default', algorithm: ALGORITHM, datasets: [{ documentId: DID }] } })
  const jobId = start.json()[0].jobId as string
  const logs = await app.inject({ method: 'GET', url: `${PREFIX}/computeStreamableLogs?${new URLSearchParams({ ...await signedParams(app, 'getComputeStreamableLogs'), jobId }).toString()}` })
  t.equal(logs.body, 'a line\n')
  t.equal((await app.inject({ method: 'PUT', url: `${PREFIX}/compute?${new URLSearchParams({ ...await signedParams(app, 'stopCompute'), jobId }).toString()}` })).statusCode, 200)

  const operations = seen.map(({ operation, outcome }) => `${operation} ${outcome}`)
  for (const call of ['environments ok', 'start ok', 'logs ok', 'stop ok']) t.ok(operations.includes(call), `${call} is published`)
})
