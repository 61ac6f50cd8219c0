import t from 'tap'
import { once } from 'node:events'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SAMPLE_DID } from '../../examples/data/sample.js'
import { alice } from '../helpers/sign.js'
import { until } from '../helpers/until.js'
import { spawnScript as run } from '../helpers/process.js'

// A provider process starts through tsx, which compiles on start: on a busy 2-core machine
// that took more than 30 s here. Waits are for events, with room; the verdicts are not timed.
t.setTimeout(240_000)
const STARTUP_MS = 120_000

// The quick start as a user runs it: the example provider and the example consumer
// as processes of their own (through tsx, on the built package), over real HTTP.
t.test('npm run example and npm run example:consumer: a finished job and its output', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-example-'))
  t.teardown(async () => await rm(dataDir, { recursive: true, force: true }))
  const key = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
  const provider = run('examples/provider-server.ts', { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, PROVIDER_PRIVATE_KEY: key })
  t.teardown(() => { provider.kill('SIGKILL') })
  const url = await until(() => /Provider listening at (http:\/\/\S+)/.exec(provider.output())?.[1], 'the provider to listen', STARTUP_MS, 50)
  t.match(provider.output(), `provider address  ${alice.address}\n`)
  t.match(provider.output(), `sample dataset    ${SAMPLE_DID}`)
  t.match(provider.output(), `API in a browser  ${url}/documentation\n`)

  const info = await (await fetch(url)).json()
  t.match(info, {
    providerAddress: alice.address,
    computeOperator: 'local',
    documentation: '/documentation',
    datasets: [SAMPLE_DID],
    serviceEndpoints: {
      computeStart: ['POST', '/api/v1/services/compute'],
      computeStatus: ['GET', '/api/v1/services/compute'],
      computeStop: ['PUT', '/api/v1/services/compute'],
      computeDelete: ['DELETE', '/api/v1/services/compute'],
      computeResult: ['GET', '/api/v1/services/computeResult']
    }
  })
  t.equal((info as { serviceEndpoints: Record<string, unknown> }).serviceEndpoints.nonce, undefined, 'no replay protection unless asked: clients without nonces keep working')

  for (const algorithm of ['examples/algorithms/weather-summary.cjs', 'examples/algorithms/weather-summary.py']) {
    const consumer = run('examples/consumer.ts', { PROVIDER_URL: url, ALGORITHM: algorithm })
    const [code] = await once(consumer, 'exit')
    t.equal(code, 0, `${algorithm}: ${consumer.output()}`)
    t.match(consumer.output(), /started on did:op:[0-9a-f]{40}\n {3}1 Warming up\n[^]* 70 Job completed\nexit code 0\n\noutput summary\.json/, algorithm)
    t.match(consumer.output(), /"Oslo": \{\n\s+"readings": 4,\n\s+"mean_temperature_c": -0\.52,/, algorithm)
  }
  t.equal((await readdir(join(dataDir, 'records'))).length, 2, 'the jobs are recorded under DATA_DIR')

  // An unknown dataset is refused by the example's buildWorkflow, naming it.
  const refused = await fetch(new URL('/api/v1/services/compute', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ consumerAddress: alice.address, signature: await alice.signMessage({ message: alice.address + 'did:op:nope' }), documentId: 'did:op:nope', algorithmMeta: { rawcode: '1' }, output: {} })
  })
  t.equal(refused.status, 400)
  t.same(await refused.json(), { error: 'The documentId did:op:nope is not a dataset of this provider.' })

  provider.kill('SIGTERM')
  const [code] = await once(provider, 'exit')
  t.equal(code, 0, 'SIGTERM closes the server and the process ends')
  t.match(provider.output(), '"msg":"closing"')
})

t.test('the consumer says so when no provider runs', async t => {
  const consumer = run('examples/consumer.ts', { PROVIDER_URL: 'http://127.0.0.1:9', PROVIDER_WAIT: '0' })
  const [code] = await once(consumer, 'exit')
  t.equal(code, 1)
  t.match(consumer.output(), 'no provider at http://127.0.0.1:9: start one with `npm run example`')
})
