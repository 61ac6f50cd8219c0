import { spawn } from 'node:child_process'
import { chainOrders, defaultBuildWorkflow, personalSignVerifier } from '../../lib/index.js'
import { anvilBinary, rpc } from '../../examples/chain/anvil.js'
import { accounts, deployOcean } from '../../examples/chain/contracts.js'
import { freePort } from '../../test/helpers/servers.js'
import { until } from '../../test/helpers/until.js'
import { URL, pluginServer, query, type Scenario } from '../scenario.js'

const algorithmMeta = { rawcode: 'print(sum(range(10)))', container: { image: 'python', tag: '3.12-slim', entrypoint: 'python $ALGO' } }

interface Paid { url: string, datatoken: `0x${string}` }

/**
 * The same signed start, with its order checked on anvil by chainOrders (as the data
 * owner's terms will call it: in buildWorkflow, before the operator) and without. One
 * order, used over and over (ocean.js reuses a valid order): after the first start its
 * receipt and minter are remembered, so the ratio is the check's own cost, not the
 * node's. The RPC calls per start are counted by test/terms/orders.test.ts.
 */
export const startPaid: Scenario = {
  name: 'start-paid',
  async request () {
    const binary = anvilBinary()
    if (binary === undefined) throw new Error('start-paid needs anvil (npm @foundry-rs/anvil)')
    const port = await freePort()
    const node = spawn(binary, ['--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore' })
    node.unref() // the run ends when its work does; anvil goes with it
    process.on('exit', () => { node.kill('SIGKILL') })
    const url = `http://127.0.0.1:${port}`
    await until(async () => await rpc(url, 'eth_chainId').catch(() => undefined), 'anvil to answer')
    const ocean = await deployOcean(url)
    const datatoken = await ocean.datatoken()
    const transferTxId = await ocean.order(datatoken, {})
    // The servers run in child processes, which inherit this environment.
    process.env.BENCH_PAID = JSON.stringify({ url, datatoken } satisfies Paid)
    const documentId = 'did:op:' + datatoken.slice(2)
    const consumer = accounts.consumer
    const signature = await consumer.signMessage!({ message: consumer.address + documentId })
    const params = { consumerAddress: consumer.address, signature, documentId, transferTxId, algorithmMeta: JSON.stringify(algorithmMeta), output: '{}' }
    return { method: 'POST', path: `${URL}?${query(params)}` }
  },
  async plugin () {
    const { url, datatoken } = JSON.parse(process.env.BENCH_PAID!) as Paid
    const orders = chainOrders({ rpcUrl: url })
    const ctx = { signal: new AbortController().signal } // the terms pass the route's; making one per start would be the bench's own cost
    return await pluginServer({
      verifier: personalSignVerifier({ cacheSize: 0 }),
      async buildWorkflow (input) {
        const order = { txId: input.params.transferTxId ?? '', did: input.params.documentId ?? '', datatoken, serviceIndex: 1, consumer: input.address as `0x${string}`, cost: '1', timeout: 0 }
        const verdict = await orders.verify(order, ctx)
        if (!verdict.valid) throw Object.assign(new Error('Order for serviceId 1 is not valid.'), { statusCode: 400 })
        return defaultBuildWorkflow(input)
      }
    })
  },
  baseline: async () => await pluginServer({ verifier: personalSignVerifier({ cacheSize: 0 }) })
}
