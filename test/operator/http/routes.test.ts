import t from 'tap'
import { Writable } from 'node:stream'
import { COMPUTE_PATH as ROUTE } from '../../helpers/build.js'
import { alice, bob as provider, DID } from '../../helpers/sign.js'
import { closedPort, faultServer, REJECTION } from './fault-server.js'
import { jobs, serve, standIn, startJob } from './setup.js'

t.test('the four routes run a job through the operator-service over HTTP', async t => {
  const service = await standIn(t)
  const app = await serve({ url: service.url, account: provider })
  t.teardown(() => app.close())

  let res = await startJob(app)
  t.equal(res.statusCode, 200)
  const [job] = res.json()
  t.match(job, { owner: alice.address, documentId: DID, status: 1, statusText: 'Warming up' })
  t.match(service.received[0]!.body, { owner: alice.address, documentId: DID, workflow: { stages: [{ algorithm: { rawcode: 'print(1)' } }] } })

  res = await jobs(app, 'GET', job.jobId)
  t.same(res.json(), [job], 'a signed status shows the whole job')
  res = await app.inject({ method: 'GET', url: ROUTE, query: { consumerAddress: alice.address } })
  t.equal(res.json()[0].jobId, job.jobId)
  t.notOk('owner' in res.json()[0], 'an unsigned status is redacted')

  res = await jobs(app, 'PUT', job.jobId)
  t.match(res.json(), [{ jobId: job.jobId, stopreq: 1, status: 70 }])
  res = await jobs(app, 'DELETE', job.jobId)
  t.match(res.json(), [{ jobId: job.jobId, removed: 1 }])
  res = await jobs(app)
  t.equal(res.statusCode, 200)
  t.same(res.json(), [])
})

t.test('a 4xx of the operator-service reaches the client with its status and error', async t => {
  const service = await standIn(t)
  const impostor = await serve({ url: service.url, account: alice })
  t.teardown(() => impostor.close())
  let res = await startJob(impostor)
  t.equal(res.statusCode, 401, 'the operator-service checked providerSignature')
  t.same(res.json(), { error: 'Invalid providerSignature.' })
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
