import t from 'tap'
import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import compute, { memoryNonceStore, type ComputePluginOptions } from '../lib/index.js'
import { redactedFields } from '../schemas/job.js'
import { MemoryOperator } from './helpers/memory-operator.js'

interface Parameter { name: string, in: string, required?: boolean, description?: string, schema: Record<string, unknown> }
interface Response { description: string, content: Record<string, { schema: Record<string, unknown> }> }
interface Operation { summary: string, description: string, tags: string[], parameters: Parameter[], responses: Record<string, Response> }
type Paths = Record<string, Record<string, Operation>>

/** The OpenAPI paths a host's @fastify/swagger generates for the plugin. */
async function documented (options: ComputePluginOptions = {}): Promise<Paths> {
  const app = Fastify()
  await app.register(swagger, { openapi: { info: { title: 'provider', version: '1' } } })
  await app.register(compute, { prefix: '/api/v1/services', operator: new MemoryOperator(), ...options })
  await app.ready()
  const doc = app.swagger() as unknown as { paths: Paths }
  await app.close()
  return doc.paths
}

const names = (op: Operation) => op.parameters.map(p => p.name).sort()

t.test('a host\'s @fastify/swagger documents the four operations with their parameters and responses', async t => {
  const path = (await documented())['/api/v1/services/compute']!
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
  t.same(names(path.post!), ['additionalInputs', 'algorithmDataToken', 'algorithmDid', 'algorithmMeta', 'algorithmTransferTxId', 'consumerAddress', 'documentId', 'jobId', 'nonce', 'output', 'serviceId', 'signature', 'transferTxId'])
  t.same(names(path.get!), ['consumerAddress', 'documentId', 'jobId', 'nonce', 'signature'])
  for (const field of redactedFields) {
    t.match(path.get!.description, new RegExp(`\\b${field}\\b`), `computeStatus says an unsigned answer has no ${field}`)
  }
})

t.test('computeResult is documented as a signed download of bytes, bounded by the host\'s limits', async t => {
  const paths = await documented({ limits: { idLength: 100, signatureLength: 140 } })
  t.same(Object.keys(paths['/api/v1/services/computeResult']!), ['get'])
  const op = paths['/api/v1/services/computeResult']!.get!
  t.equal(op.summary, 'computeResult')
  t.same(op.tags, ['services'])
  t.same(names(op), ['consumerAddress', 'index', 'jobId', 'nonce', 'signature'])
  const param = (name: string) => op.parameters.find(p => p.name === name)!
  for (const name of ['consumerAddress', 'jobId', 'index', 'signature']) t.match(param(name), { in: 'query', required: true }, `${name} is required`)
  t.match(param('nonce'), { in: 'query', required: false })
  t.ok(op.parameters.every(p => typeof p.description === 'string' && p.description.length > 10), 'every parameter is described')
  t.match(param('index').schema, { type: 'integer', minimum: 0 })
  t.match(param('jobId').schema, { maxLength: 100 }, 'the id limit applies')
  t.match(param('signature').schema, { maxLength: 140 }, 'the signature limit applies')
  t.match(param('signature').description, /consumerAddress\+jobId\+index/, 'says what is signed')
  t.same(Object.keys(op.responses).sort(), ['200', '400', '401', '404', '503'])
  t.same(op.responses['200']!.content, { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } }, 'the file is bytes, not JSON')
  t.match(op.responses['404']!.content['application/json']!.schema, { required: ['error'] })
})

t.test('the nonce route is documented when a nonce store is configured, and only then', async t => {
  t.notOk((await documented())['/api/v1/services/nonce'], 'no nonce store, no route')
  const op = (await documented({ nonceStore: memoryNonceStore() }))['/api/v1/services/nonce']!.get!
  t.equal(op.summary, 'nonce')
  t.same(op.tags, ['services'])
  t.same(op.parameters.map(p => [p.name, p.in, p.required]), [['userAddress', 'query', true]])
  t.match(op.parameters[0]!.schema, { pattern: '^0x[0-9a-fA-F]{40}$' })
  t.same(Object.keys(op.responses).sort(), ['200', '400', '503'], 'a failing store is a 503')
  t.not(op.responses['200']!.description, 'Default Response', 'the answer is described')
  t.match(op.responses['200']!.content['application/json']!.schema, { required: ['nonce'], properties: { nonce: { type: 'number' } } })
})
