// A consumer of the example provider's current wire with the real Ocean client,
// @oceanprotocol/lib 8.6.2 (ocean.js): `npm run example:node-consumer` while
// `npm run example` runs. A fresh key asks for the compute environments, starts a free
// job of the sample algorithm on the sample dataset, follows it until it is done,
// downloads its output and its log, and stops it (a finished job stays as it is).
//
// Environment: NODE_URL (default http://127.0.0.1:8030/node, the provider's current wire).
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { ProviderInstance, type ComputeJob } from '@oceanprotocol/lib'
import { Wallet } from 'ethers'
import { SAMPLE_DID } from './data/sample.js'

const NODE_URL = process.env.NODE_URL ?? 'http://127.0.0.1:8030/node'
const ALGORITHM = new URL('./algorithms/weather-summary.cjs', import.meta.url)

const first = (jobs: ComputeJob | ComputeJob[]): ComputeJob => Array.isArray(jobs) ? jobs[0]! : jobs

async function text (chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return Buffer.concat(parts).toString('utf8')
}

async function main (): Promise<void> {
  const consumer = Wallet.createRandom()
  const environments = await ProviderInstance.getComputeEnvironments(NODE_URL)
  const environment = environments.find(env => env.free !== undefined)
  if (environment === undefined) throw new Error(`${NODE_URL} offers no free environment`)
  console.log(`node ${NODE_URL}, environment ${environment.id} (free jobs up to ${environment.free!.maxJobDuration} s)`)
  console.log(`consumer ${consumer.address} (a fresh key)`)

  const started = first(await ProviderInstance.freeComputeStart(NODE_URL, consumer, environment.id, [{ documentId: SAMPLE_DID, serviceId: 'compute' }], {
    meta: { rawcode: await readFile(ALGORITHM, 'utf8'), container: { entrypoint: 'node $ALGO', image: 'node', tag: '20-alpine' } }
  } as Parameters<typeof ProviderInstance.freeComputeStart>[4]))
  console.log(`job ${started.jobId} started`)

  // Clients treat a set dateFinished as the end.
  let job = started
  let last = -1
  while (job.dateFinished === null || job.dateFinished === undefined) {
    if (job.status !== last) console.log(`  ${String(job.status).padStart(2)} ${job.statusText}`)
    last = job.status
    await sleep(250)
    job = first(await ProviderInstance.computeStatus(NODE_URL, consumer, started.jobId))
  }
  console.log(`  ${String(job.status).padStart(2)} ${job.statusText}`)

  const output = job.results.find(result => result.type === 'output')
  const log = job.results.find(result => result.type !== 'output')
  if (output === undefined || log === undefined) throw new Error('the job left no output')
  console.log(`\n${output.filename} (${output.filesize} bytes):\n`)
  console.log(await text(await ProviderInstance.getComputeResult(NODE_URL, consumer, job.jobId, output.index!)))
  const logUrl = await ProviderInstance.getComputeResultUrl(NODE_URL, consumer, job.jobId, log.index!)
  console.log(`${log.filename}:\n${await (await fetch(logUrl)).text()}`)

  const stopped = first(await ProviderInstance.computeStop(job.jobId, NODE_URL, consumer))
  console.log(`stop answered status ${stopped.status} (${stopped.statusText})`)
  if (job.status !== 70) process.exitCode = 1
}

await main().catch(err => {
  console.error(String((err as Error).message))
  process.exitCode = 1
})
