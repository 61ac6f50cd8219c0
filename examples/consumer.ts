// A consumer of the example provider: `npm run example:consumer` while
// `npm run example` runs. It signs with a fresh key (viem), starts a job of a
// sample algorithm on the sample dataset, follows the job through its statuses
// and prints the result file. When the provider lists a `nonce` endpoint (replay
// protection), every signature also covers the provider's current nonce, as
// ocean.js does. When the provider checks orders on a chain (`npm run example:chain`),
// it pays first: examples/chain/consumer.ts orders the datatokens with real transactions.
//
// Environment: PROVIDER_URL (default http://127.0.0.1:8030), ALGORITHM (a file;
// default algorithms/weather-summary.cjs, a .py file runs with python3), IMAGE
// (the container image the algorithm asks for, name:tag; default node:20-alpine,
// python:3.11-alpine for a .py file), PROVIDER_WAIT (seconds to wait for the provider
// to answer; default 300).
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Account } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { LocalJobStatus } from 'fastify-ocean-compute'
import { SAMPLE_DID } from './data/sample.js'
import { ALGORITHM_DID, datatokenOf, STRICT_DID } from './terms/dids.js'
import { orderDatasetAndAlgorithm, paidConsumer, type PaidProvider } from './chain/consumer.js'

const PROVIDER_URL = process.env.PROVIDER_URL ?? 'http://127.0.0.1:8030'
const ALGORITHM = process.env.ALGORITHM ?? new URL('./algorithms/weather-summary.cjs', import.meta.url).pathname

/** The image the algorithm asks for: `IMAGE` (name:tag), or one a user's Docker can pull. */
function IMAGE (python: boolean): { image: string, tag: string } {
  const ref = process.env.IMAGE || (python ? 'python:3.11-alpine' : 'node:20-alpine')
  const colon = ref.lastIndexOf(':')
  return colon > ref.lastIndexOf('/') ? { image: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { image: ref, tag: 'latest' }
}

type Endpoint = [string, string]
type Endpoints = Record<'computeStart' | 'computeStatus' | 'computeResult', Endpoint> & { nonce?: Endpoint }

/**
 * Every request is signed (EIP-191 personal_sign) over the concatenation of its ids;
 * with a nonce endpoint, then over the provider's current nonce for this address,
 * which the provider advances once it accepted the request: a signature works once.
 */
function signer (account: Account, nonce: Endpoint | undefined): (...parts: string[]) => Promise<string> {
  return async (...parts) => {
    const current = nonce === undefined
      ? ''
      : String((await (await call(nonce[0], nonce[1], { userAddress: account.address })).json() as { nonce: number }).nonce)
    return await account.signMessage!({ message: account.address + parts.join('') + current })
  }
}

async function call (method: string, path: string, query: Record<string, string>, body?: unknown): Promise<Response> {
  const url = new URL(path, PROVIDER_URL)
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value)
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`)
  return response
}

interface ProviderInfo { providerAddress: string, serviceEndpoints: Endpoints, terms?: boolean, chainId?: number, datasets?: string[] }

/**
 * The provider's root page, which lists its routes as the reference provider's does; waited
 * for up to PROVIDER_WAIT seconds (default 300: on a busy machine example:chain's build alone takes minutes), and for a provider that checks orders until
 * it lists what it published: `npm run example:chain &` may still be starting.
 */
async function providerInfo (): Promise<ProviderInfo> {
  const deadline = Date.now() + 1000 * Number(process.env.PROVIDER_WAIT ?? 300)
  for (let tries = 0; ; tries++) {
    const info = await fetch(PROVIDER_URL).then(async response => await response.json() as ProviderInfo).catch(() => undefined)
    if (info !== undefined && (info.chainId === undefined || (info.datasets?.length ?? 0) > 0)) return info
    if (Date.now() >= deadline) {
      throw new Error(info === undefined ? `no provider at ${PROVIDER_URL}: start one with \`npm run example\`` : `the provider at ${PROVIDER_URL} lists no published dataset`)
    }
    if (tries === 0) console.log(`waiting for the provider at ${PROVIDER_URL} (PROVIDER_WAIT=${process.env.PROVIDER_WAIT ?? 300} s)`)
    await sleep(500)
  }
}

async function main (): Promise<void> {
  const info = await providerInfo()
  const { computeStart, computeStatus, computeResult, nonce } = info.serviceEndpoints
  // A provider that names its chain checks orders on it: this consumer pays, from a key that holds datatokens.
  const paid = info.chainId === undefined ? undefined : info as typeof info & PaidProvider
  const account = paid === undefined ? privateKeyToAccount(generatePrivateKey()) : paidConsumer()
  const signed = signer(account, nonce)
  console.log(`provider ${info.providerAddress} at ${PROVIDER_URL}${paid === undefined ? '' : `, checking orders on chain ${paid.chainId}`}`)
  console.log(`consumer ${account.address} (${paid === undefined ? 'a fresh key' : 'it pays'})${nonce === undefined ? '' : ', signing the provider\'s nonces'}`)

  const python = extname(ALGORITHM) === '.py'
  const raw = {
    rawcode: await readFile(ALGORITHM, 'utf8'),
    // The local engine honours the entrypoint; the container engine runs it in this image.
    container: { entrypoint: python ? 'python3 $ALGO' : 'node $ALGO', ...IMAGE(python) }
  }
  // With the data owner's terms (TERMS=1), a start names the compute service and its
  // order (this provider checks no orders on chain), and runs the published algorithm.
  const order = { serviceId: '1', transferTxId: '0x' + '0'.repeat(64) }
  const byDid = { algorithmDid: ALGORITHM_DID, algorithmDataToken: datatokenOf(ALGORITHM_DID), algorithmTransferTxId: '0x' + '1'.repeat(64) }
  const start = async (documentId: string, params: object) => await fetch(new URL(computeStart[1], PROVIDER_URL), {
    method: computeStart[0],
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ consumerAddress: account.address, signature: await signed(documentId), documentId, output: {}, ...params })
  })
  // A start's answer in a line: the job it started, or the refusal's status and message.
  const report = async (what: string, answer: Response) => {
    const body = await answer.json() as Array<{ jobId: string }> | { error: string }
    console.log(Array.isArray(body) ? `${what}: job ${body[0]!.jobId} started` : `${what}: refused (${answer.status}): ${body.error}`)
  }
  const paidStart = paid === undefined ? undefined : await orderDatasetAndAlgorithm(paid, account, line => console.log(line))
  const documentId = paidStart?.documentId ?? SAMPLE_DID
  const started = await start(documentId, paidStart ?? (info.terms === true ? { ...order, ...byDid } : { algorithmMeta: raw }))
  if (!started.ok) throw new Error(`start answered ${started.status}: ${await started.text()}`)
  const [job] = await started.json() as LocalJobStatus[]
  if (info.terms === true) console.log(`the published algorithm ${paidStart?.algorithmDid ?? ALGORITHM_DID}, trusted by the dataset`)
  console.log(`job ${job!.jobId} started on ${documentId}`)

  // Follow the job: print each status as it changes, until a final one.
  let status: LocalJobStatus | undefined
  let last = job!.status
  console.log(`  ${String(last).padStart(2)} ${job!.statusText}`)
  // Every 200 ms at first, then less often (at most every 2 s): a long job stays well under
  // the example's limit of signed requests, and a 429 waits as long as its retry-after says.
  for (let polls = 0; ; polls++) {
    await sleep(Math.min(2000, 200 * 1.5 ** polls))
    const answer = await fetch(Object.assign(new URL(computeStatus[1], PROVIDER_URL), {
      search: new URLSearchParams({ consumerAddress: account.address, jobId: job!.jobId, signature: await signed(job!.jobId) }).toString()
    }), { method: computeStatus[0] })
    if (answer.status === 429) {
      await sleep(1000 * Number(answer.headers.get('retry-after') ?? 5))
      continue
    }
    if (!answer.ok) throw new Error(`${computeStatus[0]} ${computeStatus[1]} answered ${answer.status}: ${await answer.text()}`)
    ;[status] = await answer.json() as LocalJobStatus[]
    if (status!.status !== last) console.log(`  ${String(status!.status).padStart(2)} ${status!.statusText}`)
    last = status!.status
    if ([31, 32, 70].includes(last)) break
  }
  const done = status!
  console.log(`exit code ${String(done.exitCode)}${done.error === undefined ? '' : `, ${done.error}`}`)

  // Results are numbered as the status lists them; each download is signed over its index.
  const result = done.results.find(result => result.type === 'output') ?? done.results[0]
  if (result === undefined) throw new Error('the job left no result')
  const file = await call(computeResult[0], computeResult[1], {
    consumerAddress: account.address, jobId: done.jobId, index: String(result.index), signature: await signed(done.jobId, String(result.index))
  })
  console.log(`\n${result.type} ${result.filename} (${result.filesize} bytes):\n`)
  console.log(await file.text())
  if (done.status !== 70 || done.exitCode !== 0) process.exitCode = 1

  if (paidStart !== undefined) {
    // What the orders buy: with JOBS_PER_ORDER=1 (example:chain's default) one job each; none without an order.
    console.log('')
    await report('the same orders again', await start(documentId, paidStart))
    await report('no order', await start(documentId, { ...paidStart, transferTxId: undefined }))
  } else if (info.terms === true) {
    // Raw code where the dataset's DDO allows it, and where it does not.
    for (const documentId of [SAMPLE_DID, STRICT_DID]) await report(`raw code on ${documentId}`, await start(documentId, { ...order, algorithmMeta: raw }))
  }
}

await main().catch(err => {
  console.error(String((err as Error).message))
  process.exitCode = 1
})
