import t from 'tap'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, erc20Abi, http, parseUnits } from 'viem'
import { SAMPLE_PATH } from '../../examples/data/sample.js'
import { datatokenOf } from '../../examples/terms/dids.js'
import { accounts } from '../../examples/chain/contracts.js'
import { rpc } from '../../examples/chain/anvil.js'
import { alice } from '../helpers/sign.js'
import { freePort } from '../helpers/servers.js'
import { until } from '../helpers/until.js'
import { spawnScript as run } from '../helpers/process.js'

// `npm run example:chain` and `npm run example:consumer` as a user runs them, as processes of
// their own: anvil from npm, Ocean's V3 contracts deployed, the assets published on chain, a
// paid job run to its output with real orders, and the refusals the consumer learns from.
// tsx compiles on start: on a busy 2-core machine that takes a while; the verdicts are not timed.
t.setTimeout(300_000)
// Imported once the timeout is set: on a loaded machine loading the provider took past tap's default 60 s.
const { buildProvider, configFromEnv } = await import('../../examples/provider-server.js')
const STARTUP_MS = 150_000
const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'

/** The summary the sample algorithm must write for the sample data: computed here, from the CSV. */
async function expectedSummary (): Promise<Record<string, { readings: number, mean_temperature_c: number }>> {
  const rows = (await readFile(SAMPLE_PATH, 'utf8')).trim().split('\n').slice(1).map(line => line.split(','))
  const summary: Record<string, { readings: number, mean_temperature_c: number }> = {}
  for (const station of new Set(rows.map(row => row[0]!))) {
    const temperatures = rows.filter(row => row[0] === station).map(row => Number(row[2]))
    summary[station] = { readings: temperatures.length, mean_temperature_c: Math.round(100 * temperatures.reduce((a, b) => a + b, 0) / temperatures.length) / 100 }
  }
  return summary
}

t.test('npm run example:chain and npm run example:consumer: a paid job on a real chain', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-example-chain-'))
  t.teardown(async () => await rm(dataDir, { recursive: true, force: true }))
  const providerUrl = `http://127.0.0.1:${await freePort()}`
  const networkUrl = `http://127.0.0.1:${await freePort()}`
  const chain = run('examples/chain/run.ts', {
    CHAIN_PORT: new URL(networkUrl).port, PORT: new URL(providerUrl).port, HOST: '127.0.0.1', DATA_DIR: dataDir, PROVIDER_PRIVATE_KEY: KEY, JOBS_PER_ORDER: '1'
  })
  const exited = once(chain, 'exit')
  t.teardown(async () => {
    if (chain.exitCode !== null || chain.signalCode !== null) return
    chain.kill('SIGTERM') // SIGKILL would leave anvil behind
    await exited
  })
  // The consumer at once, as `npm run example:chain & npm run example:consumer` runs it: it waits for the provider and its assets.
  const consumer = run('examples/consumer.ts', { PROVIDER_URL: providerUrl, NETWORK_URL: networkUrl })
  const consumed = once(consumer, 'exit')
  await until(() => {
    if (chain.exitCode !== null) throw new Error(`example:chain ended: ${chain.output()}`)
    return chain.output().includes(`  Run a paid job:   PROVIDER_URL=${providerUrl} NETWORK_URL=${networkUrl} npm run example:consumer\n`) || undefined
  }, 'example:chain to be ready', STARTUP_MS, 100)
  t.match(chain.output(), `anvil at ${networkUrl} (chain id 8996), Ocean's V3 contracts in ${join(dataDir, 'chain', 'address.json')}`)
  t.match(chain.output(), `(address ${alice.address}), jobs run by the local engine`)
  t.match(chain.output(), 'jobs per order    1\n')
  const addresses = JSON.parse(await readFile(join(dataDir, 'chain', 'address.json'), 'utf8'))
  t.match(addresses, { development: { Metadata: /^0x[0-9a-fA-F]{40}$/, DTFactory: /^0x[0-9a-fA-F]{40}$/ } }, 'the address file in @oceanprotocol/contracts\' format')

  const info = await (await fetch(providerUrl!)).json() as { datasets: string[], algorithms: string[] }
  t.match(info, { providerAddress: alice.address, terms: true, chainId: 8996, jobsPerOrder: 1, datasets: [/^did:op:[0-9a-fA-F]{40}$/, /^did:op:/], algorithms: [/^did:op:[0-9a-fA-F]{40}$/] })
  const [dataset] = info.datasets
  const [algorithm] = info.algorithms
  const node = createPublicClient({ transport: http(networkUrl) })
  const balance = async (did: string) => await node.readContract({ address: datatokenOf(did), abi: erc20Abi, functionName: 'balanceOf', args: [accounts.consumer.address] })

  t.test('wrong chain configuration fails at start, naming the variable', async t => {
    // A data folder of their own: a provider closing stops the jobs of its folder.
    const ownDir = await mkdtemp(join(tmpdir(), 'foc-example-chain-config-'))
    t.teardown(async () => await rm(ownDir, { recursive: true, force: true }))
    const start = async (env: Record<string, string>) => await buildProvider({ ...configFromEnv({ DATA_DIR: ownDir, PROVIDER_PRIVATE_KEY: KEY, ...env }), logger: false })
    const nobody = `http://127.0.0.1:${await freePort()}`
    await t.rejects(start({ NETWORK_URL: nobody, ADDRESS_FILE: join(dataDir, 'chain', 'address.json') }), { message: new RegExp(`^NETWORK_URL \\(${nobody}\\) did not answer eth_chainId`) })
    const secret = `http://user:s3cret@127.0.0.1:${new URL(nobody).port}/v3/API-KEY`
    const refused = await start({ NETWORK_URL: secret }).catch(err => (err as Error).message)
    t.notMatch(refused, /s3cret|API-KEY/, 'no credentials of the node\'s URL in the message')
    t.throws(() => configFromEnv({ NETWORK_URL: 'ws://127.0.0.1:8545' }), { message: 'NETWORK_URL must be an http(s) URL of a JSON-RPC node' })
    t.throws(() => configFromEnv({ NETWORK_URL: networkUrl, JOBS_PER_ORDER: '0' }), { message: /^JOBS_PER_ORDER must be a positive integer \(unset: no limit\), got "0"/ })
    await t.rejects(start({ NETWORK_URL: networkUrl }), { message: /^ADDRESS_FILE is needed without AQUARIUS_URL/ })
    await t.rejects(start({ NETWORK_URL: networkUrl, ADDRESS_FILE: join(dataDir, 'nowhere.json') }), { message: /^ADDRESS_FILE .*nowhere\.json could not be read as JSON/ })
    const rinkeby = join(dataDir, 'rinkeby.json')
    await writeFile(rinkeby, JSON.stringify({ rinkeby: { Metadata: addresses.development.Metadata } }))
    await t.rejects(start({ NETWORK_URL: networkUrl, ADDRESS_FILE: rinkeby }), { message: `ADDRESS_FILE ${rinkeby} has no "development" network (it has: rinkeby); set NETWORK_NAME to pick one` })
    const ready = await start({ NETWORK_URL: networkUrl, ADDRESS_FILE: rinkeby, NETWORK_NAME: 'rinkeby' })
    await ready.app.close()
    t.pass('NETWORK_NAME picks the address file\'s network')
  })

  const [code] = await consumed
  const output = consumer.output()
  t.equal(code, 0, output)
  t.match(output, /^waiting for the provider at http:\/\/127\.0\.0\.1:\d+ \(PROVIDER_WAIT=300 s\)\n/, 'it waited for example:chain')
  t.match(output, `consumer ${accounts.consumer.address} (it pays)\n`)
  const orders = [...output.matchAll(/^ordered (did:op:[0-9a-fA-F]{40})[^\n]* transaction (0x[0-9a-f]{64})$/gm)]
  t.same(orders.map(match => match[1]), [dataset, algorithm], 'both datatokens ordered')
  for (const [, , hash] of orders) {
    const receipt = await node.getTransactionReceipt({ hash: hash as `0x${string}` })
    t.equal(receipt.status, 'success', `${hash} mined on the chain`)
  }
  t.equal(await balance(dataset!), parseUnits('99', 18), 'the dataset\'s order cost the consumer 1 of its 100 datatokens')
  t.equal(await balance(algorithm!), parseUnits('99', 18), 'and the algorithm\'s 1')
  t.match(output, `the published algorithm ${algorithm}, trusted by the dataset\njob `)
  const printed = /70 Job completed\nexit code 0\n\noutput summary\.json \(\d+ bytes\):\n\n([^]*?\n})\n/.exec(output)
  t.ok(printed, 'the job completed and its output was printed')
  t.match(JSON.parse(printed![1]!), await expectedSummary(), 'the algorithm\'s real summary of the dataset\'s file')
  t.match(output, '\nthe same orders again: refused (400): Order for serviceId 1 is not valid.\n', 'JOBS_PER_ORDER=1: a used order starts no second job')
  t.match(output, '\nno order: refused (400): No transferTxId in input item.\n')

  chain.kill('SIGTERM')
  const [exitCode] = await exited
  t.equal(exitCode, 0, 'Ctrl-C or SIGTERM: a clean exit')
  await t.rejects(rpc(networkUrl, 'eth_chainId', [], AbortSignal.timeout(2000)), 'anvil stopped with it')
})
