import t from 'tap'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import compute, { hostResolver } from '../../lib/index.js'
import { PREFIX } from '../helpers/build.js'
import { CSV_PATH, engine, resultText, waitFor } from '../operator/local/helpers.js'
import { ALGORITHM_DID, PROVIDER_KEY, startByDid, algorithm, dataset } from '../helpers/ddos.js'

// The workflow the terms build for the operator-service runs as it is on the bundled
// engine: the dataset and the algorithm are downloaded from their decrypted URLs, and
// the algorithm runs with its DDO's entrypoint.

const ALGORITHM = `
const { readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')
const [did] = JSON.parse(process.env.DIDS)
const rows = readFileSync(join(process.env.INPUTS, did, '0'), 'utf8').trim().split('\\n').length - 1
writeFileSync(join(process.env.OUTPUTS, 'rows.txt'), String(rows))
`

t.test('a start by algorithmDid runs on the local engine with the files its DDOs name', async t => {
  const files = createServer((req, res) => {
    if (req.url === '/weather.csv') res.end(readFileSync(CSV_PATH))
    else if (req.url === '/rows.js') res.end(ALGORITHM)
    else res.writeHead(404).end()
  })
  files.listen(0, '127.0.0.1')
  await once(files, 'listening')
  t.teardown(() => files.close())
  const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`
  const operator = await engine(t, { datasets: {} })
  const app = Fastify()
  const ddos = [dataset({ urls: [`${base}/weather.csv`], privacy: { allowAllPublishedAlgorithms: true } }), algorithm({ url: `${base}/rows.js` })]
  await app.register(compute, { prefix: PREFIX, operator, terms: { resolver: hostResolver(ddos), privateKey: PROVIDER_KEY } })
  t.teardown(() => app.close())
  const res = await startByDid(app)
  t.equal(res.statusCode, 200)
  const job = await waitFor(operator, res.json()[0].jobId)
  t.match(job, { status: 70, exitCode: 0, algoDID: ALGORITHM_DID })
  const index = job.results.findIndex(result => result.filename === 'rows.txt')
  t.equal(await resultText(operator, job.jobId, index), String(readFileSync(CSV_PATH, 'utf8').trim().split('\n').length - 1))
})
