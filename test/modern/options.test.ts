import t from 'tap'
import Fastify from 'fastify'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localOperator, memoryNonceStore, oceanNodeCompute, type ComputeOperator } from '../../lib/index.js'
import { MemoryOperator } from '../helpers/memory-operator.js'

t.test('an engine that cannot use its dataDir, or a nonce store that cannot work, refuses to register, and the engine handed over is closed', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'foc-node-options-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'file'), '')
  const dataDir = join(dir, 'file', 'data')
  const operator = localOperator({ dataDir })
  let closed = false
  const close = operator.close.bind(operator)
  operator.close = async () => { closed = true; await close() }
  const app = Fastify()
  t.teardown(async () => await app.close())
  app.register(oceanNodeCompute, { operator })
  await t.rejects(async () => { await app.ready() }, { code: 'FST_COMPUTE_INVALID_OPTION', message: `fastify-ocean-compute: the local compute engine cannot use its dataDir ${dataDir}: ENOTDIR: not a directory, mkdir '${dataDir}'` })
  t.ok(closed, 'the plugin closes the engine it was given')

  const store = { ...memoryNonceStore(), ready: async () => { throw new Error('the table nonces does not exist') } }
  const other = Fastify()
  t.teardown(async () => await other.close())
  other.register(oceanNodeCompute, { operator: new MemoryOperator(), nonceStore: store })
  await t.rejects(async () => { await other.ready() }, { message: 'the table nonces does not exist' })
})

t.test('an operator\'s ready() that rejects stops Fastify from starting', async t => {
  const operator: ComputeOperator = { start: async () => [], status: async () => [], stop: async () => [], delete: async () => [], ready: async () => { throw new Error('not today') } }
  const app = Fastify()
  t.teardown(async () => await app.close())
  app.register(oceanNodeCompute, { operator })
  await t.rejects(async () => { await app.ready() }, { message: 'not today' })
})
