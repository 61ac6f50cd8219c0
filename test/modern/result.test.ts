import t, { type Test } from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localOperator } from '../../lib/index.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, bob, DID } from '../helpers/sign.js'
import { nodeApp, nodeSign, PREFIX, signedParams } from './helpers.js'

// A real local engine (processes, no server): a job that writes 1000 known bytes.
const BYTES = Array.from({ length: 1000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('')
const WRITE = { meta: { rawcode: `require('fs').writeFileSync(require('path').join(process.env.OUTPUTS, 'out.txt'), ${JSON.stringify(BYTES)})`, container: { entrypoint: 'node $ALGO' } } }

async function provider (t: Test) {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-node-result-'))
  t.teardown(async () => await rm(dataDir, { recursive: true, force: true }))
  const dataset = join(dataDir, 'data.csv')
  await writeFile(dataset, 'a,b\n1,2\n')
  const operator = localOperator({ dataDir: join(dataDir, 'engine'), datasets: { [DID]: dataset } })
  return await nodeApp(t, operator)
}

t.test('results by index, with Range, for the owner and the additional viewers only', async t => {
  const app = await provider(t)
  const start = await app.inject({
    method: 'POST',
    url: `${PREFIX}/freeCompute`,
    payload: { ...await signedParams(app, 'freeStartCompute'), environment: 'local', datasets: [{ documentId: DID }], additionalViewers: [bob.address], algorithm: WRITE }
  })
  t.equal(start.statusCode, 200, start.body)
  const jobId = start.json()[0].jobId as string
  let job
  for (let tries = 0; tries < 300; tries++) {
    job = (await app.inject({ method: 'GET', url: `${PREFIX}/compute?consumerAddress=${alice.address}&jobId=${jobId}` })).json()[0]
    if (job.dateFinished !== null) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.match(job, { status: 70, statusText: 'Job finished', terminationDetails: { exitCode: 0, OOMKilled: false } })
  const output = job.results.find((result: { type: string }) => result.type === 'output')
  t.match(output, { filename: 'out.txt', filesize: 1000, type: 'output' })
  t.ok(job.results.some((result: { type: string }) => result.type === 'algorithmLog'), 'the logs, as algorithmLog')

  const get = async (account: typeof alice, index: number, headers: Record<string, string> = {}) => {
    const params = new URLSearchParams({ ...await signedParams(app, 'getComputeResult', account), jobId, index: String(index) })
    return await app.inject({ method: 'GET', url: `${PREFIX}/computeResult?${params.toString()}`, headers })
  }
  const whole = await get(alice, output.index)
  t.equal(whole.statusCode, 200)
  t.equal(whole.body, BYTES)
  t.match(whole.headers, { 'content-length': '1000', 'accept-ranges': 'bytes', 'content-disposition': 'attachment; filename="out.txt"' })

  const resumed = await get(alice, output.index, { range: 'bytes=900-' })
  t.equal(resumed.statusCode, 206)
  t.equal(resumed.body, BYTES.slice(900))
  t.match(resumed.headers, { 'content-range': 'bytes 900-999/1000', 'content-length': '100' })
  const middle = await get(alice, output.index, { range: 'bytes=10-19' })
  t.equal(middle.body, BYTES.slice(10, 20))
  t.equal(middle.headers['content-range'], 'bytes 10-19/1000')
  t.equal((await get(alice, output.index, { range: 'bytes=0-1,5-6' })).body, BYTES, 'several ranges: the whole file')
  for (const range of ['bytes=1000-', 'bytes=20-10']) {
    const beyond = await get(alice, output.index, { range })
    t.equal(beyond.statusCode, 416, range)
    t.same(beyond.json(), { error: `The range ${range} is beyond the file.` })
  }

  t.equal((await get(bob, output.index)).body, BYTES, 'an additional viewer downloads it too')
  const stranger = await get((await import('viem/accounts')).privateKeyToAccount(`0x${'7'.repeat(64)}`), output.index)
  t.equal(stranger.statusCode, 404)
  t.same(stranger.json(), { error: `The job has no result ${output.index as number} for this consumer.` })
  const unknown = await get(alice, 99)
  t.equal(unknown.statusCode, 404, 'an index the job does not have (ocean-node: an empty 200)')
  t.same(unknown.json(), { error: 'The job has no result 99 for this consumer.' })

  const forged = new URLSearchParams({ consumerAddress: alice.address, nonce: '100', signature: await nodeSign(bob, 100, 'getComputeResult', 'bytes', alice.address), jobId, index: '0' })
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/computeResult?${forged.toString()}` })
  t.equal(res.statusCode, 401)
  t.same(res.json(), { error: 'consumer address and nonce signature mismatch' })
})

t.test('an operator that serves no results answers 404, after checking who asks', async t => {
  const app = await nodeApp(t, new MemoryOperator())
  const params = new URLSearchParams({ ...await signedParams(app, 'getComputeResult'), jobId: 'j', index: '0' })
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/computeResult?${params.toString()}` })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { error: 'The job has no result 0 for this consumer.' })
})

t.test('a result the operator lists but no longer has is a 404; one of unknown size streams whole or sliced', async t => {
  const { Readable } = await import('node:stream')
  const operator = Object.assign(new MemoryOperator(), {
    result: async (query: { index: number }) => query.index === 0 ? undefined : { contentType: 'text/plain', stream: Readable.from([Buffer.from('hello '), Buffer.from('world')]) }
  })
  const app = await nodeApp(t, operator)
  const start = await app.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, payload: { ...await signedParams(app, 'freeStartCompute'), environment: 'default', algorithm: { documentId: 'did:op:algo' } } })
  const jobId = start.json()[0].jobId as string
  const get = async (index: number, headers: Record<string, string> = {}) =>
    await app.inject({ method: 'GET', url: `${PREFIX}/computeResult?${new URLSearchParams({ ...await signedParams(app, 'getComputeResult'), jobId, index: String(index) }).toString()}`, headers })
  t.equal((await get(0)).statusCode, 404)
  const whole = await get(1)
  t.equal(whole.body, 'hello world')
  t.equal(whole.headers['content-disposition'], 'attachment; filename="result-1"')
  const sliced = await get(1, { range: 'bytes=4-7' })
  t.equal(sliced.statusCode, 206)
  t.equal(sliced.body, 'o wo', 'a range across chunks')
  t.equal((await get(1, { range: 'bytes=3-' })).body, 'lo world')
})

t.test('a range beyond the file is a 416 that closes the result the operator opened (a file descriptor, a connection)', async t => {
  const { Readable } = await import('node:stream')
  const opened: Array<InstanceType<typeof Readable>> = []
  const operator = Object.assign(new MemoryOperator(), {
    result: async () => {
      const stream = Readable.from([Buffer.from('hello')])
      opened.push(stream)
      return { contentType: 'text/plain', size: 5, stream }
    }
  })
  const app = await nodeApp(t, operator)
  const start = await app.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, payload: { ...await signedParams(app, 'freeStartCompute'), environment: 'default', algorithm: { documentId: 'did:op:algo' } } })
  const jobId = start.json()[0].jobId as string
  for (const range of ['bytes=5-', 'bytes=3-1']) {
    const res = await app.inject({ method: 'GET', url: `${PREFIX}/computeResult?${new URLSearchParams({ ...await signedParams(app, 'getComputeResult'), jobId, index: '0' }).toString()}`, headers: { range } })
    t.equal(res.statusCode, 416, range)
  }
  t.same(opened.map(stream => stream.destroyed), [true, true])
})
