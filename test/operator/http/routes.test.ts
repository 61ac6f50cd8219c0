import t from 'tap'
import { Writable } from 'node:stream'
import { createServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { PREFIX, COMPUTE_PATH as ROUTE } from '../../helpers/build.js'
import { alice, bob as provider, sign, DID } from '../../helpers/sign.js'
import { closedPort, faultServer, REJECTION } from './fault-server.js'
import { jobs, serve, standIn, startJob } from './setup.js'

const OTHER = 'did:op:' + 'b'.repeat(64)

const LOWER = alice.address.toLowerCase()

// A signed request as a consumer sends it, as `consumerAddress` (either case of Alice's address).
async function signed (app: FastifyInstance, method: 'GET' | 'PUT' | 'DELETE', consumerAddress: string, params: { jobId?: string, documentId?: string } = {}) {
  const signature = await sign(alice, { consumerAddress, ...params })
  return await app.inject({ method, url: ROUTE, query: { consumerAddress, signature, ...params } })
}

async function download (app: FastifyInstance, consumerAddress: string, jobId: string, index: number) {
  const signature = await alice.signMessage({ message: consumerAddress + jobId + String(index) })
  return await app.inject({ method: 'GET', url: `${PREFIX}/computeResult`, query: { consumerAddress, jobId, index: String(index), signature } })
}

for (const stringDates of [false, true]) {
  t.test(`the routes run a job through the operator-service as it really behaves, whatever case the consumer signs with (dates as ${stringDates ? 'strings' : 'numbers'})`, async t => {
    const service = await standIn(t, { stringDates })
    const files = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/csv' }).end('rows\n16\n') })
    files.listen(0, '127.0.0.1')
    await once(files, 'listening')
    t.teardown(() => files.close())
    const app = await serve({ url: service.url, account: provider })
    t.teardown(() => app.close())

    // Started by the checksummed address, without a transferTxId.
    let res = await startJob(app)
    t.equal(res.statusCode, 200)
    const [job] = res.json()
    t.match(job, { owner: alice.address, status: 1, statusText: 'Warming up', algoDID: 'raw', inputDID: [DID], results: [] })
    t.type(job.dateCreated, 'number', 'the date is a number')
    t.ok(Math.abs(job.dateCreated - Date.now() / 1000) < 60, 'of unix seconds')
    const { jobId } = job

    for (const consumerAddress of [alice.address, LOWER]) {
      res = await signed(app, 'GET', consumerAddress)
      t.same(res.json(), [job], `a signed status by ${consumerAddress} finds the job`)
      res = await app.inject({ method: 'GET', url: ROUTE, query: { consumerAddress } })
      t.same(res.json().map((j: { jobId: string }) => j.jobId), [jobId], 'so does an unsigned one')
      t.notOk('owner' in res.json()[0], 'redacted')
    }
    t.same(service.received.filter(r => r.method === 'GET').map(r => r.query.owner), Array(4).fill(alice.address),
      'every query names the owner in its checksum form')

    res = await signed(app, 'PUT', LOWER, { jobId })
    t.match(res.json(), [{ jobId, stopreq: 1 }], 'the lower-case address stops it')

    service.complete(jobId, [
      { filename: 'rows.csv', filesize: 8, type: 'output', url: `http://127.0.0.1:${(files.address() as AddressInfo).port}/rows.csv` },
      { filename: 'algorithm.log', filesize: 0, type: 'algorithmLog', url: `http://127.0.0.1:${(files.address() as AddressInfo).port}/missing.log` }
    ])
    res = await signed(app, 'GET', LOWER, { jobId })
    const [done] = res.json()
    const link = (index: number) => `${PREFIX}/computeResult?consumerAddress=${LOWER}&jobId=${jobId}&index=${index}`
    t.match(done, { status: 70, statusText: 'Job completed', stopreq: 1 })
    t.type(done.dateFinished, 'number')
    t.same(done.results, [
      { filename: 'rows.csv', filesize: 8, type: 'output', index: 0, url: link(0) },
      { filename: 'algorithm.log', filesize: 0, type: 'algorithmLog', index: 1, url: link(1) }
    ], 'the results link to computeResult, with the consumerAddress as the client wrote it')
    res = await app.inject({ method: 'GET', url: `${done.results[0].url}&signature=${await alice.signMessage({ message: LOWER + jobId + '0' })}` })
    t.equal(res.body, 'rows\n16\n', 'the link, signed as it says, downloads')

    for (const consumerAddress of [alice.address, LOWER]) {
      res = await download(app, consumerAddress, jobId, 0)
      t.equal(res.statusCode, 200)
      t.equal(res.body, 'rows\n16\n', `computeResult downloads the output for ${consumerAddress}`)
      t.equal(res.headers['content-type'], 'text/csv')
      t.equal(res.headers['content-disposition'], 'attachment; filename="rows.csv"', 'named as the job lists it')
    }
    res = await download(app, LOWER, jobId, 2)
    t.equal(res.statusCode, 404, 'an index past the end is a 404')

    res = await signed(app, 'DELETE', LOWER, { jobId })
    t.equal(res.statusCode, 200)
    t.same(res.json(), [done], 'delete answers the job it asked to delete, as last listed')
    const owners = service.received.filter(r => r.method !== 'POST' && r.path.endsWith('/compute')).map(r => r.query.owner)
    t.same(new Set(owners), new Set([alice.address]), `all ${owners.length} queries name the checksummed owner`)
  })
}

t.test('a documentId filter, which the operator-service ignores, is applied by the routes', async t => {
  const service = await standIn(t)
  const app = await serve({ url: service.url, account: provider })
  t.teardown(() => app.close())
  const mine = (await startJob(app)).json()[0].jobId
  const other = (await startJob(app, OTHER)).json()[0].jobId
  for (const method of ['GET', 'PUT', 'DELETE'] as const) {
    for (const [documentId, expected] of [[DID, [mine]], [OTHER, [other]], ['did:op:none', []]] as const) {
      const res = await signed(app, method, alice.address, { documentId })
      t.same(res.json().map((job: { jobId: string }) => job.jobId), expected, `${method} ${documentId}`)
    }
  }
  const res = await signed(app, 'GET', alice.address)
  t.same(res.json().map((job: { jobId: string }) => job.jobId).sort(), [mine, other].sort(), 'without it, all the jobs')
})

t.test('a 4xx of the operator-service reaches the client with its status and error', async t => {
  const service = await standIn(t)
  const impostor = await serve({ url: service.url, account: alice })
  t.teardown(() => impostor.close())
  let res = await startJob(impostor)
  t.equal(res.statusCode, 401, 'the operator-service checked providerSignature')
  t.same(res.json(), { error: '`providerSignature` of agreementId is required.' })
  t.equal(service.jobs.size, 0)

  const fault = await faultServer()
  t.teardown(() => fault.close())
  const app = await serve({ url: fault.url, account: provider })
  t.teardown(() => app.close())
  fault.fault = 'reject'
  res = await jobs(app)
  t.equal(res.statusCode, 403)
  t.same(res.json(), { error: REJECTION })
  fault.fault = 'reject-text'
  res = await startJob(app)
  t.equal(res.statusCode, 404)
  t.same(res.json(), { error: 'The compute operator answered 404.' }, 'without a JSON error, the status says it')
})

t.test('neither answers nor logs carry the operator URL, its credentials or the provider signature', async t => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } })
  const fault = await faultServer()
  t.teardown(() => fault.close())
  const port = await closedPort()
  for (const url of [fault.url, `http://127.0.0.1:${port}/`]) {
    const app = await serve({ account: provider, url: url.replace('http://', 'http://ops:s3cr3t@') }, {}, { logger: { level: 'trace', stream } })
    fault.fault = 'error500'
    for (const res of [await startJob(app), await jobs(app)]) {
      t.equal(res.statusCode, 503)
      t.notMatch(res.body, /s3cr3t|ops:|127\.0\.0\.1|http|10\.0\.0\.7/)
    }
    await app.close()
  }
  const logs = lines.join('')
  t.match(logs, /"level":40.*"The compute operator answered 500\."/, 'faults are logged as warnings')
  t.match(logs, /"level":40.*ECONNREFUSED.*"The compute operator refused the connection\."/, 'with their cause')
  t.notMatch(logs, /s3cr3t|providerSignature|api\/v1\/operator/)
})
