import t from 'tap'
import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import compute from '../lib/index.js'
import { MemoryOperator } from './helpers/memory-operator.js'

t.test('a host\'s @fastify/swagger documents the four operations with their parameters and responses', async t => {
  const app = Fastify()
  await app.register(swagger, { openapi: { info: { title: 'provider', version: '1' } } })
  await app.register(compute, { prefix: '/api/v1/services', operator: new MemoryOperator() })
  await app.ready()
  const doc = app.swagger() as unknown as { paths: Record<string, Record<string, { summary: string, description: string, tags: string[], parameters: Array<{ name: string, in: string, required?: boolean, description?: string }>, responses: Record<string, unknown> }>> }
  const path = doc.paths['/api/v1/services/compute']!
  t.same(Object.keys(path).sort(), ['delete', 'get', 'post', 'put'])
  t.same(Object.values(path).map(op => op.summary).sort(), ['computeDelete', 'computeStart', 'computeStatus', 'computeStop'])
  for (const op of Object.values(path)) {
    t.same(op.tags, ['services'])
    t.ok(op.description.length > 10, `${op.summary} has a description`)
    t.same(Object.keys(op.responses).sort(), ['200', '400', '401', '4XX', '503'], `${op.summary} responses`)
    const address = op.parameters.find(p => p.name === 'consumerAddress')!
    t.match(address, { in: 'query', required: true, description: 'The consumer ethereum address.' })
    t.ok(op.parameters.every(p => p.in === 'query' && typeof p.description === 'string'), `${op.summary} parameters are described`)
  }
  const start = path.post!.parameters.map(p => p.name)
  t.same(start.sort(), ['additionalInputs', 'algorithmDataToken', 'algorithmDid', 'algorithmMeta', 'algorithmTransferTxId', 'consumerAddress', 'documentId', 'jobId', 'nonce', 'output', 'serviceId', 'signature', 'transferTxId'])
  t.same(path.get!.parameters.map(p => p.name).sort(), ['consumerAddress', 'documentId', 'jobId', 'nonce', 'signature'])
})
