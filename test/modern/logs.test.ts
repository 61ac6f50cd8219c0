import t from 'tap'
import { mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import { localOperator } from '../../lib/index.js'
import { followFile } from '../../lib/operator/engine/follow.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, bob, DID } from '../helpers/sign.js'
import { nodeApp, nodeSign, PREFIX, signedParams } from './helpers.js'

t.test('a file followed from before it exists until its writer is done', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'foc-follow-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'log')
  let finish!: () => void
  const done = new Promise<void>(resolve => { finish = resolve })
  const reading = text(followFile(path, done, 10))
  await new Promise(resolve => setTimeout(resolve, 30))
  await writeFile(path, 'one\n')
  await new Promise(resolve => setTimeout(resolve, 30))
  await appendFile(path, 'two\n')
  finish()
  await appendFile(path, 'three\n')
  t.equal(await reading, 'one\ntwo\nthree\n')
  t.equal(await text(followFile(path, Promise.reject(new Error('job failed')), 10)), 'one\ntwo\nthree\n', 'a failed job ends the stream too')
})

t.test('GET computeStreamableLogs follows the owner\'s running job; anyone else, or a finished job, is a 404', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'foc-node-logs-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'data.csv'), 'a\n')
  const app = await nodeApp(t, localOperator({ dataDir: join(dir, 'engine'), datasets: { [DID]: join(dir, 'data.csv') } }))
  t.same((await app.inject({ method: 'GET', url: `${PREFIX}/` })).json().serviceEndpoints.computeStreamableLogs, ['GET', 'computeStreamableLogs'])
  const rawcode = 'console.log("first"); setTimeout(() => console.log("second"), 700)'
  const start = await app.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, payload: { ...await signedParams(app, 'freeStartCompute'), environment: 'local', datasets: [{ documentId: DID }], algorithm: { meta: { rawcode, container: { entrypoint: 'node $ALGO' } } } } })
  const jobId = start.json()[0].jobId as string
  const follow = async (account = alice) => await app.inject({ method: 'GET', url: `${PREFIX}/computeStreamableLogs?${new URLSearchParams({ ...await signedParams(app, 'getComputeStreamableLogs', account), jobId }).toString()}` })

  const others = await follow(bob)
  t.equal(others.statusCode, 404)
  t.same(others.json(), { error: 'Job not found or not running' })
  const forged = await app.inject({ method: 'GET', url: `${PREFIX}/computeStreamableLogs?${new URLSearchParams({ consumerAddress: alice.address, nonce: '50', signature: await nodeSign(bob, 50, 'getComputeStreamableLogs', 'bytes', alice.address), jobId }).toString()}` })
  t.equal(forged.statusCode, 401)
  t.same(forged.json(), { error: 'consumer address and nonce signature mismatch' })

  const live = await follow()
  t.equal(live.statusCode, 200)
  t.equal(live.headers['content-type'], 'text/plain; charset=utf-8')
  t.match(live.body, /first\n[^]*second\n/, 'the whole log, the stream ending with the job')
  const after = await follow()
  t.equal(after.statusCode, 404)
  t.same(after.json(), { error: 'Job not found or not running' })
})

t.test('an operator that cannot follow logs lists no computeStreamableLogs', async t => {
  const app = await nodeApp(t, new MemoryOperator())
  t.equal((await app.inject({ method: 'GET', url: `${PREFIX}/` })).json().serviceEndpoints.computeStreamableLogs, undefined)
  t.equal((await app.inject({ method: 'GET', url: `${PREFIX}/computeStreamableLogs?jobId=x&consumerAddress=${alice.address}` })).statusCode, 404)
})
