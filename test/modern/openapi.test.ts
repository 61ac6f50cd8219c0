import t from 'tap'
import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import { oceanNodeCompute, localOperator, type ComputeOperator } from '../../lib/index.js'
import { MemoryOperator } from '../helpers/memory-operator.js'

interface Operation { summary: string, tags: string[], parameters?: Array<{ name: string, in: string, required?: boolean, description?: string }>, requestBody?: { content: Record<string, { schema: { required?: string[], properties: Record<string, unknown> } }> }, responses: Record<string, unknown> }
type Paths = Record<string, Record<string, Operation>>

async function documented (operator: ComputeOperator = new MemoryOperator()): Promise<Paths> {
  const app = Fastify()
  await app.register(swagger, { openapi: { info: { title: 'node', version: '1' } } })
  await app.register(oceanNodeCompute, { prefix: '/node', operator })
  await app.ready()
  const doc = app.swagger() as unknown as { paths: Paths }
  await app.close()
  return doc.paths
}

t.test('a host\'s @fastify/swagger documents the current wire: every route, its parameters or body, its answers', async t => {
  const paths = await documented()
  t.same(Object.keys(paths).sort(), ['/node/', '/node/auth/token', '/node/compute', '/node/computeEnvironments', '/node/computeResult', '/node/freeCompute', '/node/initializeCompute', '/node/nonce'])
  const summaries = Object.values(paths).flatMap(ops => Object.values(ops).map(op => op.summary)).sort()
  t.same(summaries, ['Where each route of the current wire is', 'computeEnvironments', 'computeResult', 'computeStart', 'computeStatus', 'computeStop', 'freeCompute', 'generateAuthToken', 'initializeCompute', 'nonce'])
  const free = paths['/node/freeCompute']!.post!
  const body = free.requestBody!.content['application/json']!.schema
  t.same(body.required, ['consumerAddress', 'environment', 'algorithm'])
  t.ok('resources' in body.properties && 'maxJobDuration' in body.properties)
  t.same(Object.keys(free.responses).sort(), ['200', '400', '401', '403', '503'])
  const result = paths['/node/computeResult']!.get!
  t.same(result.parameters!.map(p => p.name).sort(), ['consumerAddress', 'index', 'jobId', 'nonce', 'signature'])
  t.match(result.parameters!.find(p => p.name === 'signature')!.description, /keccak256\(consumerAddress \+ nonce \+ command\)/)
  t.same(Object.keys(result.responses).sort(), ['200', '206', '400', '401', '403', '404', '416', '503'])
  t.same(Object.keys(paths['/node/compute']!).sort(), ['get', 'post', 'put'])
})

t.test('computeStreamableLogs is documented where the operator can follow logs', async t => {
  const operator = localOperator({ dataDir: '/tmp/unused-foc-openapi' })
  t.teardown(async () => await operator.close())
  t.ok((await documented(operator))['/node/computeStreamableLogs']?.get)
})
