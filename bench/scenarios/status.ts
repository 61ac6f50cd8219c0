import Fastify, { type FastifyInstance } from 'fastify'
import { verifyMessage, type Hex } from 'viem'
import { subscribe } from 'node:diagnostics_channel'
import { CHANNELS, personalSignVerifier } from '../../lib/index.js'
import type { JobStatus } from '../../schemas/job.js'
import { BenchOperator, consumer, DID } from '../operator.js'
import { ADDRESS, URL, pluginServer, query, type Scenario } from '../scenario.js'

// `cacheSize` 0 makes every signed request pay for a recovery.
const plugin = async (cacheSize?: number) => await pluginServer({ verifier: personalSignVerifier({ cacheSize }) })

function redact ({ owner, resultsUrl, algorithmLogUrl, resultsDid, ...job }: JobStatus): Omit<JobStatus, 'owner'> {
  return job
}

/**
 * GET compute as one would write it by hand on bare Fastify: the same query, the
 * same operator, the owner filter and the redaction, and viem's verification.
 */
async function bareStatus (): Promise<FastifyInstance> {
  const operator = new BenchOperator()
  const app = Fastify()
  app.get(URL, async (request, reply) => {
    const { consumerAddress, jobId, documentId, signature } = request.query as Record<string, string | undefined>
    if (consumerAddress === undefined || !ADDRESS.test(consumerAddress)) return await reply.code(400).send({ error: 'consumerAddress' })
    const signed = signature !== undefined && await verifyMessage({
      address: consumerAddress as Hex, message: consumerAddress + (jobId ?? '') + (documentId ?? ''), signature: signature as Hex
    }).catch(() => false)
    const owner = consumerAddress.toLowerCase()
    const jobs = (await operator.status({ owner: consumerAddress, jobId, documentId }))
      .filter(job => job.owner?.toLowerCase() === owner)
    return signed ? jobs : jobs.map(redact)
  })
  return app
}

const unsigned = { consumerAddress: consumer.address, documentId: DID }

async function signedRequest () {
  const signature = await consumer.signMessage({ message: consumer.address + DID })
  return { method: 'GET' as const, path: `${URL}?${query({ ...unsigned, signature })}` }
}

export const statusUnsigned: Scenario = {
  name: 'status-unsigned',
  request: async () => ({ method: 'GET', path: `${URL}?${query(unsigned)}` }),
  plugin: async () => await plugin(),
  baseline: bareStatus
}

/** Recovery on every request (no cache) in the plugin, against viem's. */
export const statusSigned: Scenario = {
  name: 'status-signed',
  request: signedRequest,
  plugin: async () => await plugin(0),
  baseline: bareStatus
}

/** A client polling with one signature: the plugin as configured by default, against itself without the cache. */
export const statusSignedRepeat: Scenario = {
  name: 'status-signed-repeat',
  request: signedRequest,
  plugin: async () => await plugin(),
  baseline: async () => await plugin(0)
}

/** Every channel of the plugin subscribed to (with a listener that keeps nothing), or not. */
async function subscribed (server: Promise<FastifyInstance>): Promise<FastifyInstance> {
  for (const name of Object.values(CHANNELS)) subscribe(name, () => {})
  return await server
}

/** The status path with the plugin's diagnostics channels subscribed, against the same plugin with nobody listening. */
export const statusChannels: Scenario = {
  name: 'status-channels',
  request: async () => ({ method: 'GET', path: `${URL}?${query(unsigned)}` }),
  plugin: async () => await subscribed(plugin()),
  baseline: async () => await plugin()
}

/** The same with a recovery on every request, so that the signature channel publishes too. */
export const statusSignedChannels: Scenario = {
  name: 'status-signed-channels',
  request: signedRequest,
  plugin: async () => await subscribed(plugin(0)),
  baseline: async () => await plugin(0)
}
