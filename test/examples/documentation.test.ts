import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import type { TObject, TSchema } from '@sinclair/typebox'
import { buildProvider, PREFIX, SERVICE_ENDPOINTS } from '../../examples/provider-server.js'
import { DOCUMENTATION, registerDocumentation, SIGN_ONE_LINER } from '../../examples/documentation.js'
import { SAMPLE_DID } from '../../examples/data/sample.js'
import compute, { memoryNonceStore } from '../../lib/index.js'
import { nonceSchema, routeSchemas } from '../../schemas/routes.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice } from '../helpers/sign.js'

// The example provider's page at /documentation, as a newcomer's browser gets it: the
// OpenAPI document must say what the plugin's schemas say, route by route.
const ROOT = new URL('../..', import.meta.url).pathname
const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318' // alice's

interface Parameter { name: string, in: string, required?: boolean, description?: string, schema?: unknown, content?: Record<string, { example?: unknown }> }
interface Operation {
  summary: string
  description?: string
  parameters: Parameter[]
  responses: Record<string, { description: string, content?: Record<string, { schema: unknown }> }>
}
interface OpenApi { info: { title: string, version: string, description: string }, paths: Record<string, Record<string, Operation>> }

interface RouteSchema { summary: string, description: string, querystring: TObject, response: Record<string, TSchema> }

async function exampleProvider (t: Test): Promise<FastifyInstance> {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-documentation-'))
  const { app } = await buildProvider({ port: 0, host: '127.0.0.1', dataDir, privateKey: KEY, logger: false })
  t.teardown(async () => {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  return app
}

async function openApi (app: FastifyInstance): Promise<OpenApi> {
  const res = await app.inject(`${DOCUMENTATION}/json`)
  if (res.statusCode !== 200) throw new Error(`${DOCUMENTATION}/json answered ${res.statusCode}`)
  return res.json()
}

interface Schema { type?: string, required?: string[], properties?: Record<string, Schema>, items?: Schema, anyOf?: Schema[] }

/**
 * The fields a body has and which are required, at every depth: what a client relies on.
 * @fastify/swagger rewrites JSON Schema into OpenAPI 3.0's dialect (`anyOf` with null
 * becomes `nullable`, `patternProperties` becomes `additionalProperties`), so the two
 * documents are compared by this, not character by character.
 */
function shape (schema: Schema): unknown {
  const alternatives = schema.anyOf?.filter(alternative => alternative.type !== 'null')
  if (alternatives?.length === 1) return shape(alternatives[0]!)
  if (alternatives !== undefined) return { anyOf: alternatives.map(shape) }
  return {
    type: schema.type,
    required: [...schema.required ?? []].sort(),
    properties: Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, shape(property)])),
    items: schema.items === undefined ? undefined : shape(schema.items)
  }
}

/** Asserts that `op` documents `schema`: summary, each parameter, each answer with its body. */
function documents (t: Test, op: Operation | undefined, schema: RouteSchema): void {
  if (op === undefined) {
    t.fail(`${schema.summary} is missing`)
    return
  }
  t.equal(op.summary, schema.summary)
  t.equal(op.description, schema.description, `${schema.summary} description`)
  const { properties, required = [] } = schema.querystring
  t.same(op.parameters.map(p => p.name).sort(), Object.keys(properties).sort(), `${schema.summary} parameters`)
  for (const parameter of op.parameters) {
    const property = properties[parameter.name]!
    t.match(parameter, { in: 'query', required: required.includes(parameter.name), description: property.description }, `${schema.summary} ${parameter.name}`)
  }
  // OpenAPI spells a status range in capitals.
  t.same(Object.keys(op.responses).sort(), Object.keys(schema.response).map(code => code.toUpperCase()).sort(), `${schema.summary} answers`)
  for (const [code, body] of Object.entries(schema.response)) {
    const response: Operation['responses'][string] | undefined = op.responses[code.toUpperCase()]
    // @fastify/swagger's words for an answer its schema does not describe.
    t.equal(response?.description, body.description ?? 'Default Response', `${schema.summary} ${code} description`)
    // A body of another media type (computeResult's file) is declared with its own `content`.
    const declared = (body as { content?: Record<string, { schema: Schema }> }).content ?? { 'application/json': { schema: body as Schema } }
    for (const [type, { schema: expected }] of Object.entries(declared)) {
      const documented = response?.content?.[type]?.schema as Schema | undefined
      t.same(documented && shape(documented), shape(expected), `${schema.summary} ${code} body (${type})`)
    }
  }
}

t.test('the example\'s OpenAPI document lists every compute route with its parameters and answers as the schemas say', async t => {
  const app = await exampleProvider(t)
  const doc = await openApi(app)
  const info = (await app.inject('/')).json()
  t.match(doc.info, { title: info.software, version: info.version }, 'the provider\'s title and version')

  const schemas = routeSchemas() as unknown as Record<string, RouteSchema>
  const byName = { computeStart: 'start', computeStatus: 'status', computeStop: 'stop', computeDelete: 'delete', computeResult: 'result' } as const
  for (const [name, [method, url]] of Object.entries(SERVICE_ENDPOINTS)) {
    t.test(name, async t => { documents(t, doc.paths[url]?.[method.toLowerCase()], schemas[byName[name as keyof typeof byName]]!) })
  }
  const compute = Object.keys(doc.paths).filter(path => path.startsWith(PREFIX)).sort()
  t.same(compute, [`${PREFIX}/compute`, `${PREFIX}/computeResult`], 'no nonce route without replay protection')
  t.ok(doc.paths['/']?.get?.summary, 'GET / is described too')
  t.notOk(Object.keys(doc.paths).some(path => path.startsWith(DOCUMENTATION)), 'the page\'s own routes are not in it')

  // The error bodies carry the `error` sentence every client reads.
  const stop = doc.paths[`${PREFIX}/compute`]!.put!
  t.match(stop.responses['401']!.content!['application/json']!.schema, { type: 'object', required: ['error'], properties: { error: { type: 'string' } } })
})

t.test('every signature parameter says which message is signed', async t => {
  const doc = await openApi(await exampleProvider(t))
  const signatures = Object.values(doc.paths).flatMap(ops => Object.values(ops))
    .flatMap(op => op.parameters ?? []).filter(p => p.name === 'signature')
  t.equal(signatures.length, 5, 'four compute routes and computeResult')
  for (const p of signatures) t.match(p.description, /Signature of \(consumerAddress\+jobId\+(documentId|index)\)/)
})

t.test('the page says how to sign; its viem one-liner and its examples make a request the provider accepts', async t => {
  const app = await exampleProvider(t)
  const doc = await openApi(app)
  const { description } = doc.info
  t.match(description, 'npm run example:consumer')
  t.match(description, `KEY=0x… ${SIGN_ONE_LINER} JOBID DOCUMENTID`)
  t.match(description, 'consumerAddress + jobId + documentId')
  t.match(description, 'consumerAddress + jobId + index')

  // As a reader runs it in the clone: no jobId, the sample dataset's documentId.
  const { stdout } = await promisify(execFile)('sh', ['-c', `${SIGN_ONE_LINER} '' ${SAMPLE_DID}`], { cwd: ROOT, env: { ...process.env, KEY } })
  const [address, signature] = stdout.trim().split(' ')
  t.equal(address, alice.address, 'it prints the key\'s address')
  const stop = async (documentId: string) => await app.inject({
    method: 'PUT', url: `${PREFIX}/compute`, query: { consumerAddress: address!, signature: signature!, documentId }
  })
  const accepted = await stop(SAMPLE_DID)
  t.equal(accepted.statusCode, 200, accepted.body)
  t.same(accepted.json(), [])
  t.equal((await stop('did:op:other')).statusCode, 401, 'the signature covers the documentId')

  // "Try it out" on computeStart: the JSON parameters as JSON text, filled in with the page's examples.
  const query: Record<string, string> = { consumerAddress: address!, signature: signature!, documentId: SAMPLE_DID }
  for (const p of doc.paths[`${PREFIX}/compute`]!.post!.parameters) {
    const json = p.content?.['application/json']
    if (json !== undefined) query[p.name] = JSON.stringify(json.example)
  }
  t.same(Object.keys(query).slice(3).sort(), ['additionalInputs', 'algorithmMeta', 'output'], 'the JSON parameters are JSON text')
  const started = await app.inject({ method: 'POST', url: `${PREFIX}/compute`, query })
  t.equal(started.statusCode, 200, started.body)
  t.match(started.json(), [{ owner: alice.address, documentId: SAMPLE_DID, statusText: 'Warming up' }])
})

t.test('GET / points to the page, and the page loads with everything it references', async t => {
  const app = await exampleProvider(t)
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const info = await (await fetch(base)).json() as { documentation: string, software: string }
  t.equal(info.documentation, DOCUMENTATION)

  const page = await fetch(new URL(info.documentation, base))
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), 'text/html')
  const html = await page.text()
  t.match(html, `<title>${info.software}</title>`)
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(match => match[1]!)
  t.ok(assets.some(asset => asset.endsWith('swagger-ui-bundle.js')), 'the Swagger UI script')
  for (const asset of assets) {
    const res = await fetch(new URL(asset, base))
    await res.arrayBuffer() // read to the end, or the connection stays busy and close waits for it
    t.equal(res.status, 200, asset)
  }
  // The page fetches the document from `./json` beside itself.
  const initializer = await (await fetch(new URL(`${DOCUMENTATION}/static/swagger-initializer.js`, base))).text()
  t.match(initializer, 'resolveUrl(\'./json\')')
  const doc = await (await fetch(new URL(`${DOCUMENTATION}/json`, base))).json() as OpenApi
  t.ok(doc.paths[`${PREFIX}/compute`], 'which lists the compute routes')
})

t.test('with a nonce store the documentation lists GET nonce as its schema says', async t => {
  // The example has no replay switch of its own: a host registers the plugin with a store.
  const app = Fastify()
  t.teardown(() => app.close())
  await registerDocumentation(app, { title: 'provider', version: '1' })
  await app.register(compute, { prefix: PREFIX, operator: new MemoryOperator(), nonceStore: memoryNonceStore() })
  const doc = await openApi(app)
  documents(t, doc.paths[`${PREFIX}/nonce`]?.get, nonceSchema as unknown as RouteSchema)
  t.ok(doc.paths[`${PREFIX}/compute`]?.post, 'beside the compute routes')
})
