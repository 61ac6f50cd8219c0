import { createRequire } from 'node:module'
import t from 'tap'
import { chainDdos, chainOrders } from '../../lib/index.js'
import { startAnvil } from '../helpers/anvil.js'
import { accounts, deployOcean } from '../../examples/chain/contracts.js'

// The real client: ocean.js 0.11.5 (npm @oceanprotocol/lib, installed as ocean-lib-0-11 beside the current 8.6.2, with web3 1.x), unmodified,
// publishing a DDO on chain and ordering a datatoken on anvil with the V3 contracts, as
// `ocean.assets.order` and `OnChainMetadata.publish` do once Aquarius and the provider have
// answered. Its own classes send the transactions (from anvil's unlocked accounts); the
// plugin's chainOrders and chainDdos must accept what they made.
t.setTimeout(180_000)

const require = createRequire(import.meta.url)
interface Receipt { transactionHash: string }
const Web3 = require('web3') as new (url: string) => unknown
const { DataTokens } = require('ocean-lib-0-11/dist/node/datatokens/Datatokens.js') as {
  DataTokens: new (factory: string, factoryAbi: undefined, datatokenAbi: undefined, web3: unknown, logger: unknown) => {
    create(blob: string, address: string, cap?: string, name?: string, symbol?: string): Promise<string>
    mint(datatoken: string, address: string, amount: string, to?: string): Promise<Receipt>
    startOrder(datatoken: string, consumer: string, amount: string, serviceId: number, mpFeeAddress: string | null, address: string): Promise<Receipt | null>
    getPreviousValidOrders(datatoken: string, amount: string, serviceId: number, timeout: number, address: string): Promise<string | null>
  }
}
const { OnChainMetadata } = require('ocean-lib-0-11/dist/node/metadatacache/OnChainMetaData.js') as {
  OnChainMetadata: new (web3: unknown, logger: unknown, metadata: string) => { publish(did: string, ddo: unknown, address: string): Promise<Receipt | null> }
}
const { Logger } = require('ocean-lib-0-11') as { Logger: unknown }

const node = await startAnvil(t)
if (node !== undefined) {
  const ocean = await deployOcean(node.url)
  const web3 = new Web3(node.url)
  const datatokens = new DataTokens(ocean.factory, undefined, undefined, web3, Logger)
  const publisher = accounts.publisher.address
  const consumer = accounts.consumer.address

  t.test('a datatoken made, a DDO published and an order started by ocean.js 0.11.5 are accepted', async t => {
    const datatoken = await datatokens.create('https://example.org/ddo', publisher, '1000', 'Weather', 'WTH')
    t.match(datatoken, /^0x[0-9a-fA-F]{40}$/, 'ocean.js created the datatoken through the factory')
    await datatokens.mint(datatoken, publisher, '10', consumer)
    const did = 'did:op:' + datatoken.slice(2)
    const ddo = {
      '@context': 'https://w3id.org/did/v1',
      id: did,
      dataToken: datatoken,
      service: [
        { type: 'metadata', index: 0, attributes: { main: { type: 'dataset', name: 'Weather', files: [{ index: 0, contentType: 'text/csv' }] } } },
        { type: 'compute', index: 1, serviceEndpoint: 'http://127.0.0.1:8030', attributes: { main: { cost: '1', timeout: 3600, privacy: {} } } }
      ]
    }
    const published = await new OnChainMetadata(web3, Logger, ocean.metadata).publish(did, ddo, publisher)
    t.ok(published?.transactionHash, 'ocean.js published the DDO (LZMA, flags 0x01) on the Metadata contract')
    t.same(await chainDdos({ rpcUrl: node.url, metadata: ocean.metadata })(did, { signal: AbortSignal.timeout(10_000) }), ddo, 'chainDdos reads it back')

    const receipt = await datatokens.startOrder(datatoken, consumer, '1', 1, null, consumer)
    t.ok(receipt?.transactionHash, 'ocean.js ordered the compute service')
    const order = { txId: receipt!.transactionHash, did, datatoken: datatoken as `0x${string}`, serviceIndex: 1, consumer: consumer as `0x${string}`, cost: '1', timeout: 3600 }
    const verifier = chainOrders({ rpcUrl: node.url })
    t.same(await verifier.verify(order, { signal: AbortSignal.timeout(10_000) }), { valid: true }, 'chainOrders accepts the order')

    const reused = await datatokens.getPreviousValidOrders(datatoken, '1', 1, 3600, consumer)
    t.equal(reused, receipt!.transactionHash, 'ocean.js would reuse it for the next job (searchPreviousOrders)')
    t.same(await verifier.verify({ ...order, txId: reused! }, { signal: AbortSignal.timeout(10_000) }), { valid: true }, 'and it is still valid, with no job limit')
    const limited = chainOrders({ rpcUrl: node.url, jobsPerOrder: 1 })
    t.equal((await limited.verify(order, { signal: AbortSignal.timeout(10_000) })).valid, true, 'with a limit of one job, the first job starts')
    t.same(await limited.verify({ ...order, txId: reused! }, { signal: AbortSignal.timeout(10_000) }), { valid: false }, 'unless the host limits jobs per order')
  })
}
