import t, { type Test } from 'tap'
import { createServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { text } from 'node:stream/consumers'
import { httpOperator, type HttpOperatorOptions } from '../../../lib/index.js'
import { alice, bob as provider } from '../../helpers/sign.js'
import type { Output } from '../../helpers/operator-service.js'
import { faultServer } from './fault-server.js'
import { ctx, standIn, workflow } from './setup.js'

/** Where the engine put a job's outputs: a file server on 127.0.0.1. `stall` sends part of a file, then nothing. */
async function fileServer (t: Test) {
  const server = createServer((req, res) => {
    if (req.url === '/out.csv') res.writeHead(200, { 'content-type': 'text/csv' }).end('a,b\n1,2\n')
    else if (req.url === '/big.bin') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(4096, 1))
    else if (req.url === '/stall') res.writeHead(200, { 'content-type': 'text/plain' }).write('partial')
    else res.writeHead(404).end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function completedJob (t: Test, outputs: (files: string) => Output[], options: Partial<HttpOperatorOptions> = {}) {
  const service = await standIn(t)
  const files = await fileServer(t)
  const operator = httpOperator({ url: service.url, account: provider, ...options })
  t.teardown(() => operator.close?.())
  const [job] = await operator.start({ workflow, owner: alice.address, agreementId: '0xfeed' }, ctx())
  service.complete(job!.jobId, outputs(files))
  return { service, operator, jobId: job!.jobId }
}

const csv = (files: string): Output[] => [
  { filename: 'out.csv', filesize: 8, type: 'output', url: `${files}/out.csv` },
  { filename: 'algorithm.log', filesize: 4096, type: 'algorithmLog', url: `${files}/big.bin` },
  { filename: 'stalled.txt', filesize: 100, type: 'output', url: `${files}/stall` }
]

t.test('result streams a file of the job from getResult with its content type', async t => {
  const { service, operator, jobId } = await completedJob(t, csv)
  const file = await operator.result!({ owner: alice.address, jobId, index: 0 }, ctx())
  t.equal(file!.contentType, 'text/csv')
  t.equal(file!.size, undefined, 'the service streams without a length')
  t.equal(await text(file!.stream), 'a,b\n1,2\n')
  const call = service.received.at(-1)!
  t.equal(call.path, '/api/v1/operator/getResult')
  t.same(call.query, { jobId, index: '0' })
})

t.test('result answers undefined for an index or a job the service has no file for', async t => {
  const { operator, jobId } = await completedJob(t, csv)
  t.equal(await operator.result!({ owner: alice.address, jobId, index: 3 }, ctx()), undefined)
  t.equal(await operator.result!({ owner: alice.address, jobId: 'f'.repeat(32), index: 0 }, ctx()), undefined)
})

t.test('a file larger than maxResponseSize fails its stream with a 503', async t => {
  const { operator, jobId } = await completedJob(t, csv, { maxResponseSize: 1024 })
  const file = await operator.result!({ owner: alice.address, jobId, index: 1 }, ctx())
  await t.rejects(text(file!.stream), { statusCode: 503, message: 'The compute operator\'s answer exceeded 1024 bytes.' })
})

t.test('a file that stalls fails its stream after bodyTimeout', async t => {
  const { operator, jobId } = await completedJob(t, csv, { bodyTimeout: 300 })
  const file = await operator.result!({ owner: alice.address, jobId, index: 2 }, ctx())
  const started = Date.now()
  await t.rejects(text(file!.stream), { code: 'UND_ERR_BODY_TIMEOUT' })
  t.ok(Date.now() - started < 3000, `failed after ${Date.now() - started} ms`)
})

t.test('getResult failing, refusing or announcing too much', async t => {
  const fault = await faultServer()
  t.teardown(() => fault.close())
  const operator = httpOperator({ url: fault.url, account: provider, maxResponseSize: 1024 * 1024 })
  t.teardown(() => operator.close?.())
  const result = async () => await operator.result!({ owner: alice.address, jobId: 'a', index: 0 }, ctx())
  const cases = [
    ['error500', { statusCode: 503, message: 'The compute operator answered 500.' }],
    ['reject', { statusCode: 403, message: 'Quota of the provider exceeded.' }],
    ['huge-declared', { statusCode: 503, message: 'The compute operator\'s answer exceeded 1048576 bytes.' }],
    ['error500-long', { statusCode: 503, message: 'The compute operator answered 500.' }]
  ] as const
  for (const [answer, error] of cases) {
    fault.fault = answer
    await t.rejects(result(), error, answer)
  }
  fault.fault = 'stall'
  const file = await result()
  t.equal(file!.size, 100, 'a length the service sends is passed on')
  t.equal(file!.contentType, 'application/octet-stream', 'a file without a type is bytes')
  file!.stream.destroy()
  await operator.close?.()
  await t.rejects(result(), { statusCode: 503, message: 'The compute operator transport is closed.' })
})
