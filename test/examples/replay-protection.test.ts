import t from 'tap'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alice } from '../helpers/sign.js'
import { until } from '../helpers/until.js'
import { spawnScript as run } from '../helpers/process.js'

// A provider process starts through tsx, which compiles on start: on a busy 2-core machine
// that took more than 30 s here. Waits are for events, with room; the verdicts are not timed.
t.setTimeout(240_000)
const STARTUP_MS = 120_000

// The example with replay protection as a user runs it: the provider and the consumer as
// processes of their own, over real HTTP (a file of its own: each spawn costs seconds).
t.test('REPLAY_PROTECTION=1 npm run example: GET / lists nonce, the consumer signs nonces, a captured request is refused', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-example-'))
  t.teardown(async () => await rm(dataDir, { recursive: true, force: true }))
  const provider = run('examples/provider-server.ts', { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, REPLAY_PROTECTION: '1' })
  t.teardown(() => { provider.kill('SIGKILL') })
  const url = await until(() => /Provider listening at (http:\/\/\S+)/.exec(provider.output())?.[1], 'the provider to listen', STARTUP_MS, 50)
  const info = await (await fetch(url)).json() as { serviceEndpoints: Record<string, unknown> }
  t.same(info.serviceEndpoints.nonce, ['GET', '/api/v1/services/nonce'])
  t.match(info, { providerAddress: /^0x[0-9a-fA-F]{40}$/, version: /^\d+\.\d+\.\d+/ })

  const consumer = run('examples/consumer.ts', { PROVIDER_URL: url })
  const [code] = await once(consumer, 'exit')
  t.equal(code, 0, consumer.output())
  t.match(consumer.output(), /signing the provider's nonces\n[^]* 70 Job completed\nexit code 0\n\noutput summary\.json/)

  // A request of the provider-held form, captured and sent again.
  const nonce = async () => (await (await fetch(new URL(`/api/v1/services/nonce?userAddress=${alice.address}`, url))).json() as { nonce: number }).nonce
  t.equal(await nonce(), 0)
  const stop = new URL('/api/v1/services/compute', url)
  stop.search = new URLSearchParams({ consumerAddress: alice.address, signature: await alice.signMessage({ message: alice.address + '0' }) }).toString()
  t.equal((await fetch(stop, { method: 'PUT' })).status, 200)
  t.equal(await nonce(), 1)
  t.equal((await fetch(stop, { method: 'PUT' })).status, 401, 'the same request again')
})
