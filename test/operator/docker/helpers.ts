import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { Client } from 'undici'
import { dockerOperator, type DockerOperatorOptions, type LocalJobStatus } from '../../../lib/index.js'
import { build, PREFIX, COMPUTE_PATH } from '../../helpers/build.js'
import { alice, DID, sign } from '../../helpers/sign.js'
import { until } from '../../helpers/until.js'
import type { Podman } from '../../helpers/podman.js'

export { DID }
export const CSV_PATH = new URL('../../../examples/data/sample.csv', import.meta.url).pathname

/** 'name:tag' split as an algorithm's container names an image: the tag is all after the name's first colon ('node:sha256:…'). */
export function imageParts (ref: string): { image: string, tag: string } {
  const colon = ref.indexOf(':', ref.lastIndexOf('/') + 1)
  return { image: ref.slice(0, colon), tag: ref.slice(colon + 1) }
}

/** A fresh data folder, removed after the test. */
export async function dataFolder (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'foc-docker-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  return dir
}

/**
 * A provider with the plugin and the container engine on the Podman service,
 * allowed the test images; closed (engine and all) after the test, or by the caller.
 */
export async function provider (t: Test, podman: Podman, options: Partial<DockerOperatorOptions> = {}): Promise<FastifyInstance> {
  const operator = dockerOperator({
    dataDir: options.dataDir ?? await dataFolder(t),
    socketPath: podman.socketPath,
    images: Object.values(podman.images).map(ref => imageParts(ref).image),
    datasets: { [DID]: CSV_PATH },
    ...options
  })
  const { app } = await build({ operator })
  t.teardown(async () => await app.close())
  return app
}

export interface Algorithm {
  rawcode?: string
  /** An algorithm URL instead of raw code. */
  url?: string
  /** 'name:tag'. */
  image: string
  entrypoint?: string
}

/** Starts a job of alice through POST /compute; answers the response. */
export async function startJob (app: FastifyInstance, { rawcode, url, image, entrypoint = 'node $ALGO' }: Algorithm) {
  return await app.inject({
    method: 'POST',
    url: COMPUTE_PATH,
    payload: {
      consumerAddress: alice.address,
      signature: await sign(alice, { documentId: DID }),
      documentId: DID,
      algorithmMeta: { rawcode, url, container: { entrypoint, ...imageParts(image) } },
      output: {}
    }
  })
}

/** Starts a job and answers its id; fails the test on anything but a 200. */
export async function started (t: Test, app: FastifyInstance, algorithm: Algorithm): Promise<string> {
  const res = await startJob(app, algorithm)
  t.equal(res.statusCode, 200, `start answers 200: ${res.body}`)
  return (res.json() as [LocalJobStatus])[0].jobId
}

export async function jobQuery (jobId: string) {
  return { consumerAddress: alice.address, jobId, signature: await sign(alice, { jobId }) }
}

/** GET /compute for one job. */
export async function currentJob (app: FastifyInstance, jobId: string): Promise<LocalJobStatus | undefined> {
  const res = await app.inject({ method: 'GET', url: COMPUTE_PATH, query: await jobQuery(jobId) })
  return (res.json() as LocalJobStatus[])[0]
}

export const final = (job: LocalJobStatus) => [31, 32, 70].includes(job.status)
export const running = (job: LocalJobStatus) => job.status === 40

/** Polls a job through the routes until `done` holds (default: a final state). */
export async function waitFor (app: FastifyInstance, jobId: string, done = final, ms = 60_000): Promise<LocalJobStatus> {
  return await until(async () => {
    const job = await currentJob(app, jobId)
    return job !== undefined && done(job) ? job : undefined
  }, `job ${jobId} to get there`, ms, 100)
}

/** Result `index` of a job, downloaded through computeResult. */
export async function download (app: FastifyInstance, jobId: string, index: number): Promise<{ statusCode: number, body: string }> {
  const signature = await alice.signMessage({ message: alice.address + jobId + String(index) })
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/computeResult`, query: { consumerAddress: alice.address, jobId, index: String(index), signature } })
  return { statusCode: res.statusCode, body: res.body }
}

/**
 * Of these jobs, the ones with a container on the service (by the engine's label).
 * Other tests share the service's storage: their containers are not counted.
 */
export async function jobContainers (podman: Podman, jobIds: string[]): Promise<string[]> {
  const client = new Client('http://podman', { socketPath: podman.socketPath })
  try {
    const filters = encodeURIComponent(JSON.stringify({ label: ['fastify-ocean-compute.job'] }))
    const { body } = await client.request({ method: 'GET', path: `/containers/json?all=true&filters=${filters}` })
    const list = await body.json() as Array<{ Labels: Record<string, string> }>
    return list.map(container => container.Labels['fastify-ocean-compute.job']!).filter(jobId => jobIds.includes(jobId)).sort()
  } finally {
    await client.close()
  }
}
