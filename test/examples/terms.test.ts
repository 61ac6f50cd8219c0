import t from 'tap'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decrypt } from 'eciesjs'
import { SAMPLE_DID } from '../../examples/data/sample.js'
import { ALGORITHM_DID, STRICT_DID } from '../../examples/terms/assets.js'
import { alice } from '../helpers/sign.js'
import { until } from '../helpers/until.js'
import { spawnScript as run } from '../helpers/process.js'

// The example provider with the data owner's terms (TERMS=1) and the example consumer,
// as processes of their own over real HTTP: the published algorithm runs by its DID on
// the sample dataset, raw code runs where the DDO allows it and is refused where not,
// and a publisher's client can encrypt files for the provider.
t.test('TERMS=1: npm run example and npm run example:consumer through the terms', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-example-terms-'))
  t.teardown(async () => await rm(dataDir, { recursive: true, force: true }))
  const key = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
  const provider = run('examples/provider-server.ts', { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, PROVIDER_PRIVATE_KEY: key, TERMS: '1' })
  t.teardown(() => { provider.kill('SIGKILL') })
  const url = await until(() => /Provider listening at (http:\/\/\S+)/.exec(provider.output())?.[1], 'the provider to listen', 20_000, 50)
  t.ok(await until(() => /orders are NOT checked/.test(provider.output()) || undefined, 'the warning that no orders are checked', 5_000, 50))
  t.match(await (await fetch(url)).json(), { providerAddress: alice.address, terms: true, datasets: [SAMPLE_DID, STRICT_DID] })

  const consumer = run('examples/consumer.ts', { PROVIDER_URL: url })
  const [code] = await once(consumer, 'exit')
  t.equal(code, 0, consumer.output())
  t.match(consumer.output(), `the published algorithm ${ALGORITHM_DID}, trusted by the dataset\njob `)
  t.match(consumer.output(), /70 Job completed\nexit code 0\n\noutput summary\.json[^]*"Oslo": \{\n\s+"readings": 4,/)
  t.match(consumer.output(), new RegExp(`raw code on ${SAMPLE_DID}: job [0-9a-f]{32} started\n`))
  t.match(consumer.output(), `raw code on ${STRICT_DID}: refused (400): cannot run raw algorithm on this did ${STRICT_DID}.\n`)

  const encrypted = await fetch(new URL('/api/v1/services/encrypt', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ documentId: SAMPLE_DID, document: '[{"url": "https://data.example/é.csv"}]', publisherAddress: alice.address })
  })
  t.equal(encrypted.status, 201)
  const { encryptedDocument } = await encrypted.json() as { encryptedDocument: string }
  t.equal(Buffer.from(decrypt(key.slice(2), Buffer.from(encryptedDocument.slice(2), 'hex'))).toString(), '[{"url":"https://data.example/\\u00e9.csv"}]',
    'the document as Python\'s json.dumps writes it, for the provider\'s key')

  provider.kill('SIGTERM')
  await once(provider, 'exit')
})
