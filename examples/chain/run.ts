// The whole paid flow on one machine: `npm run example:chain`.
//
// Starts anvil (npm's @foundry-rs/anvil) on 127.0.0.1:CHAIN_PORT (default 8545; 0: any
// free port) as chain 8996, Ocean's development chain; deploys Ocean's V3 contracts from
// fixed development keys; writes their addresses to DATA_DIR/chain/address.json; serves the
// example provider with NETWORK_URL and ADDRESS_FILE set (orders checked on the chain, DDOs
// read from it; JOBS_PER_ORDER defaults to 1 here, empty for no limit); publishes the sample
// dataset and algorithm on chain for it; and prints what the consumer needs. The provider's
// other variables work as with `npm run example` (OPERATOR_SERVICE_URL, COMPUTE_ENGINE, ...;
// PUBLIC_URL is where an operator elsewhere fetches the files). Ctrl-C (or SIGTERM) stops
// the provider and anvil.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { buildProvider, configFromEnv } from '../provider-server.js'
import { anvilBinary, spawnAnvil } from './anvil.js'
import { accounts, deployOcean } from './contracts.js'
import { publishExample } from './publish.js'

const CHAIN_ID = 8996

async function main (): Promise<void> {
  const env = process.env
  const binary = anvilBinary()
  if (binary === undefined) throw new Error(`anvil is not installed: npm install puts it in @foundry-rs/anvil-${process.platform}-${process.arch}`)
  const anvil = await spawnAnvil(binary, Number(env.CHAIN_PORT ?? 8545), ['--chain-id', String(CHAIN_ID)], 60_000)
    .catch(err => { throw new Error(`anvil did not start on CHAIN_PORT ${env.CHAIN_PORT ?? 8545} (busy? set CHAIN_PORT, 0 for any): ${(err as Error).message}`) })
  // However this process ends, anvil ends with it; a signal first closes the provider
  // (running jobs are recorded as interrupted), whenever it comes.
  process.once('exit', () => { anvil.process.kill('SIGKILL') })
  const running: { app?: FastifyInstance } = {}
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      Promise.resolve(running.app?.close()).catch(err => { console.error(`close failed: ${(err as Error).message}`); process.exitCode = 1 })
        .finally(() => { process.exit() })
    })
  }

  const ocean = await deployOcean(anvil.url)
  const privateKey = (env.PROVIDER_PRIVATE_KEY || generatePrivateKey()) as `0x${string}`
  const config = configFromEnv({ ...env, NETWORK_URL: anvil.url, JOBS_PER_ORDER: env.JOBS_PER_ORDER ?? '1', PROVIDER_PRIVATE_KEY: privateKey })
  const chain = config.chain!
  // The addresses in the format of @oceanprotocol/contracts' artifacts/address.json, under the development chain's name.
  chain.addressFile = join(config.dataDir, 'chain', 'address.json')
  await mkdir(join(config.dataDir, 'chain'), { recursive: true })
  await writeFile(chain.addressFile, JSON.stringify({ development: { DTFactory: ocean.factory, Metadata: ocean.metadata, OPFCommunityFeeCollector: ocean.collector } }, null, 2) + '\n')

  const provider = await buildProvider(config)
  running.app = provider.app
  const address = await provider.app.listen({ port: config.port, host: config.host })
  const dids = await publishExample(ocean, chain.publicUrl ?? address, privateKeyToAccount(privateKey).publicKey)
  chain.published.datasets.push(dids.sample, dids.strict)
  chain.published.algorithms.push(dids.algorithm)

  const consumerEnv = anvil.url === 'http://127.0.0.1:8545' && address === 'http://127.0.0.1:8030' ? '' : `PROVIDER_URL=${address} NETWORK_URL=${anvil.url} `
  console.log([
    '',
    `  Paid compute on a local chain: anvil at ${anvil.url} (chain id ${CHAIN_ID}), Ocean's V3 contracts in ${chain.addressFile}`,
    `  provider          ${address} (address ${provider.providerAddress}), jobs run by ${config.operatorServiceUrl === undefined ? `the ${config.engine === 'docker' ? 'container' : 'local'} engine` : 'the operator-service'}`,
    `  dataset           ${dids.sample} (compute service 1: 1 datatoken, an hour)`,
    `  algorithm         ${dids.algorithm} (trusted by the dataset)`,
    `  consumer          ${accounts.consumer.address}: anvil's account 2, 100 of each datatoken`,
    `  jobs per order    ${chain.jobsPerOrder ?? 'no limit'}`,
    '',
    `  Run a paid job:   ${consumerEnv}npm run example:consumer`,
    ''
  ].join('\n'))
}

await main().catch(err => {
  console.error(String((err as Error).message))
  process.exit(1)
})
