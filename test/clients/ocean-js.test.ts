import t, { type Test } from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildProvider } from '../../examples/provider-server.js'
import { SAMPLE_DID } from '../../examples/data/sample.js'
import { alice } from '../helpers/sign.js'

// The wire of the two ocean.js eras that follow the reference provider's nonces
// (spec section 1.2.1), reproduced with viem, against the example provider with
// REPLAY_PROTECTION=1. Each fetches GET nonce before it signs, signs
// `consumerAddress + jobId + documentId + String(nonce)` and sends no nonce.

const ALGORITHM = {
  rawcode: 'setTimeout(() => {}, 20000)',
  container: { entrypoint: 'node $ALGO', image: 'node', tag: '20' }
}

type Endpoints = Record<string, [string, string]>

/** What a client era builds for each call; the scenario sends it, and may send it again verbatim. */
interface Client {
  start(): Promise<InjectOptions>
  status(jobId?: string): Promise<InjectOptions>
  stop(jobId: string): Promise<InjectOptions>
  delete(jobId: string): Promise<InjectOptions>
}

async function currentNonce (app: FastifyInstance, path: string): Promise<string> {
  const res = await app.inject({ method: 'GET', url: `${path}?userAddress=${alice.address}` })
  return String(res.json().nonce)
}

async function signed (app: FastifyInstance, noncePath: string, jobId = '', documentId = ''): Promise<string> {
  return await alice.signMessage({ message: alice.address + jobId + documentId + await currentNonce(app, noncePath) })
}

/**
 * ocean.js 0.9.x: a fixed API path, every parameter in the query string (values as
 * template strings, so a missing one is the text `undefined`), `consumerAddress`
 * twice on start, and an empty `application/json` body on POST, PUT and DELETE.
 */
function oceanJs09 (app: FastifyInstance): Client {
  const path = '/api/v1/services'
  const empty = { headers: { 'content-type': 'application/json' }, payload: '' }
  const jobCall = async (method: 'GET' | 'PUT' | 'DELETE', jobId: string | undefined, did: string | undefined): Promise<InjectOptions> => {
    const signature = await signed(app, `${path}/nonce`, jobId ?? '', did ?? '')
    const url = `${path}/compute?signature=${signature}&documentId=${did}&jobId=${jobId}&consumerAddress=${alice.address}`
    return method === 'GET' ? { method, url } : { method, url, ...empty }
  }
  return {
    async start () {
      const signature = await signed(app, `${path}/nonce`, '', SAMPLE_DID)
      let url = `${path}/compute?signature=${signature}&documentId=${SAMPLE_DID}`
      url += `&output=${JSON.stringify({ publishOutput: 0 })}`
      url += `&algorithmMeta=${encodeURIComponent(JSON.stringify(ALGORITHM))}`
      url += `&serviceId=1&consumerAddress=${alice.address}`
      url += `&transferTxId=${undefined}&algorithmDataToken=${undefined}&algorithmTransferTxId=${undefined}&dataToken=${undefined}`
      url += `&consumerAddress=${alice.address}`
      return { method: 'POST', url, ...empty }
    },
    status: async jobId => await jobCall('GET', jobId, jobId === undefined ? undefined : SAMPLE_DID),
    stop: async jobId => await jobCall('PUT', jobId, SAMPLE_DID),
    delete: async jobId => await jobCall('DELETE', jobId, SAMPLE_DID)
  }
}

/**
 * ocean.js 0.11.x: routes and the provider's address discovered at `GET /`, JSON
 * bodies (objects as objects, missing values left out by JSON.stringify) on POST,
 * PUT and DELETE, the query string on GET.
 */
async function oceanJs011 (app: FastifyInstance): Promise<Client> {
  const info = (await app.inject({ method: 'GET', url: '/' })).json() as { providerAddress: string, version: string, serviceEndpoints: Endpoints }
  const endpoint = (name: string) => info.serviceEndpoints[name] ?? (() => { throw new Error(`GET / lists no ${name}`) })()
  const [, noncePath] = endpoint('nonce')
  const body = (method: string, url: string, payload: Record<string, unknown>): InjectOptions =>
    ({ method: method as 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
  const jobBody = async (name: string, jobId: string) => {
    const [method, url] = endpoint(name)
    return body(method, url, { consumerAddress: alice.address, jobId, documentId: SAMPLE_DID, signature: await signed(app, noncePath, jobId, SAMPLE_DID) })
  }
  return {
    async start () {
      const [method, url] = endpoint('computeStart')
      return body(method, url, {
        signature: await signed(app, noncePath, '', SAMPLE_DID),
        documentId: SAMPLE_DID,
        consumerAddress: alice.address,
        algorithmDid: undefined,
        algorithmMeta: ALGORITHM,
        output: { publishOutput: 0, metadataUri: 'http://127.0.0.1:5000' },
        serviceId: 1,
        transferTxId: '0x' + 'ab'.repeat(32),
        dataToken: '0x' + 'cd'.repeat(20)
      })
    },
    async status (jobId) {
      const [method, url] = endpoint('computeStatus')
      const query = new URLSearchParams({ consumerAddress: alice.address, documentId: jobId === undefined ? '' : SAMPLE_DID, jobId: jobId ?? '' })
      query.set('signature', await signed(app, noncePath, jobId ?? '', jobId === undefined ? '' : SAMPLE_DID))
      return { method: method as 'GET', url: `${url}?${query}` }
    },
    stop: async jobId => await jobBody('computeStop', jobId),
    delete: async jobId => await jobBody('computeDelete', jobId)
  }
}

/** Start, signed status, status of all jobs, stop, delete; each signed request sent again is refused; the nonce advanced each time. */
async function scenario (t: Test, client: (app: FastifyInstance) => Client | Promise<Client>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-clients-'))
  const { app } = await buildProvider({ port: 0, host: '127.0.0.1', dataDir, replayProtection: true, logger: false })
  t.teardown(async () => {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  const era = await client(app)
  const nonce = async () => (await app.inject({ method: 'GET', url: `/api/v1/services/nonce?userAddress=${alice.address}` })).json().nonce
  const send = async (request: InjectOptions) => await app.inject(request)

  const start = await era.start()
  const started = await send(start)
  t.equal(started.statusCode, 200, `start: ${started.body}`)
  const jobId = started.json()[0].jobId as string
  t.equal(started.json()[0].owner, alice.address)
  t.equal((await send(start)).statusCode, 401, 'start sent again verbatim')

  const status = await send(await era.status(jobId))
  t.equal(status.statusCode, 200)
  t.match(status.json(), [{ jobId, owner: alice.address }], 'signed status, in full')
  const all = await send(await era.status())
  t.equal(all.statusCode, 200)
  t.match(all.json(), [{ jobId, owner: alice.address }], 'status of all jobs')

  const stop = await era.stop(jobId)
  const stopped = await send(stop)
  t.equal(stopped.statusCode, 200)
  t.match(stopped.json(), [{ jobId, stopreq: 1 }])
  t.equal((await send(stop)).statusCode, 401, 'stop sent again verbatim')

  const remove = await era.delete(jobId)
  const deleted = await send(remove)
  t.equal(deleted.statusCode, 200)
  t.match(deleted.json(), [{ jobId, removed: 1 }])
  t.equal((await send(remove)).statusCode, 401, 'delete sent again verbatim')
  t.equal(await nonce(), 5, 'five accepted signed requests, five steps')
}

t.test('ocean.js 0.9.x: query strings, a repeated consumerAddress, literal undefineds', async t => {
  await scenario(t, oceanJs09)
})

t.test('ocean.js 0.11.x: discovery at GET /, JSON bodies, DELETE with a body', async t => {
  await scenario(t, oceanJs011)
})
