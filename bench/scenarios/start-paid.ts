import { spawn } from 'node:child_process'
import Fastify from 'fastify'
import { request as send } from 'undici'
import { toHex, type Address, type Hex } from 'viem'
import { chainDdos, chainOrders, personalSignVerifier } from '../../lib/index.js'
import type { DDO } from '../../lib/terms/ddo.js'
import { anvilBinary, rpc } from '../../examples/chain/anvil.js'
import { accounts, deployOcean, Metadata } from '../../examples/chain/contracts.js'
import { PROVIDER_KEY, algorithm, dataset, trusted } from '../../test/helpers/ddos.js'
import { freePort } from '../../test/helpers/servers.js'
import { until } from '../../test/helpers/until.js'
import { URL, pluginServer, query, type Calls, type Scenario } from '../scenario.js'

// The whole paid path through the route: a signed start by algorithmDid whose two DDOs
// come from the chain (chainDdos, published on anvil's V3 Metadata contract) and whose two
// orders (the dataset's compute service, the algorithm's access service) are checked on
// anvil by chainOrders, against the same start with the same terms and no order check.
// One pair of orders is used over and over (ocean.js reuses a valid order), so the ratio
// is a remembered check's cost. Both sides reach anvil through a counting JSON-RPC proxy
// (the stand-in), which says what each start cost in RPC calls, by method.

interface Paid { anvil: string, metadata: Address }
interface Orders { dataset: Hex, algorithm: Hex }

const consumer = accounts.consumer
const did = (token: Address) => 'did:op:' + token.slice(2)
// Filled by request() in the bench's own process, for probe().
let assets: { dataset: Address, algorithm: Address, orders: Orders[] } | undefined

function start (orders: Orders, signature: Hex) {
  const { dataset, algorithm } = assets!
  const params = {
    consumerAddress: consumer.address,
    signature,
    documentId: did(dataset),
    serviceId: '1',
    transferTxId: orders.dataset,
    algorithmDid: did(algorithm),
    algorithmDataToken: algorithm,
    algorithmTransferTxId: orders.algorithm,
    output: '{}'
  }
  return `${URL}?${query(params)}`
}

const signature = async () => await consumer.signMessage!({ message: consumer.address + did(assets!.dataset) })

/** The terms both sides run, DDOs from the chain through `rpcUrl`; the plugin's check the orders too. */
function terms (rpcUrl: string, checked: boolean) {
  const { metadata } = JSON.parse(process.env.BENCH_PAID!) as Paid
  return {
    resolver: chainDdos({ rpcUrl, metadata }),
    privateKey: PROVIDER_KEY,
    ...(checked ? { orders: chainOrders({ rpcUrl }) } : {})
  }
}

/** What `role` asked of the chain while `work` ran, by method (the methods it did not call left out). */
async function counted (upstream: string, role: 'plugin' | 'baseline', work: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = (await rpcCalls(upstream))[role]
  await work()
  const after = (await rpcCalls(upstream))[role]
  return Object.fromEntries(Object.entries(after).map(([method, n]) => [method, n - (before[method] ?? 0)]).filter(([, n]) => n !== 0))
}

async function rpcCalls (upstream: string): Promise<Calls> {
  const { body } = await send(`${upstream}/calls`)
  return await body.json() as Calls
}

async function post (base: string, path: string): Promise<void> {
  const { statusCode, body } = await send(base + path, { method: 'POST' })
  const text = await body.text()
  if (statusCode !== 200) throw new Error(`start-paid: a start answered ${statusCode}: ${text}`)
}

export const startPaid: Scenario = {
  name: 'start-paid',
  async request () {
    const binary = anvilBinary()
    if (binary === undefined) throw new Error('start-paid needs anvil (npm @foundry-rs/anvil)')
    const port = await freePort()
    const node = spawn(binary, ['--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore' })
    node.unref() // the run ends when its work does; anvil goes with it
    process.on('exit', () => { node.kill('SIGKILL') })
    const anvil = `http://127.0.0.1:${port}`
    await until(async () => await rpc(anvil, 'eth_chainId').catch(() => undefined), 'anvil to answer')
    const ocean = await deployOcean(anvil)
    const [datasetToken, algorithmToken] = [await ocean.datatoken(), await ocean.datatoken()]
    const algorithmDdo = { ...algorithm(), id: did(algorithmToken), dataToken: algorithmToken } as DDO
    const datasetDdo = dataset({ token: datasetToken, privacy: { publisherTrustedAlgorithms: [trusted(algorithmDdo)] } })
    // Plain JSON (flags 0): ocean.js compresses with LZMA, which only a cold read would pay.
    for (const [token, ddo] of [[datasetToken, datasetDdo], [algorithmToken, algorithmDdo]] as const) {
      await ocean.send(accounts.publisher, ocean.metadata, Metadata.abi, 'create', [token, '0x00', toHex(JSON.stringify(ddo))])
    }
    // The compute service costs 1, the algorithm's access service 2 (test/helpers/ddos.ts).
    const orders: Orders[] = []
    for (let i = 0; i < 3; i++) orders.push({ dataset: await ocean.order(datasetToken, {}), algorithm: await ocean.order(algorithmToken, { amount: '2' }) })
    assets = { dataset: datasetToken, algorithm: algorithmToken, orders }
    // The servers and the stand-in run in child processes, which inherit this environment.
    process.env.BENCH_PAID = JSON.stringify({ anvil, metadata: ocean.metadata } satisfies Paid)
    return { method: 'POST', path: start(orders[0]!, await signature()) }
  },
  plugin: async upstream => await pluginServer({ verifier: personalSignVerifier({ cacheSize: 0 }), terms: terms(`${upstream!}/plugin`, true) }),
  baseline: async upstream => await pluginServer({ verifier: personalSignVerifier({ cacheSize: 0 }), terms: terms(`${upstream!}/baseline`, false) }),
  /** A JSON-RPC proxy to anvil that counts each side's calls (POST /plugin, POST /baseline) by method: GET /calls. */
  async standIn () {
    const { anvil } = JSON.parse(process.env.BENCH_PAID!) as Paid
    const calls: Calls = { plugin: {}, baseline: {} }
    const app = Fastify()
    app.get('/calls', async () => calls)
    app.post<{ Params: { side: 'plugin' | 'baseline' } }>('/:side', async (request, reply) => {
      const counts = calls[request.params.side]
      if (counts === undefined) return await reply.code(404).send({ error: 'no such side' })
      const body = request.body as { method?: string } | Array<{ method?: string }>
      for (const { method } of Array.isArray(body) ? body : [body]) counts[String(method)] = (counts[String(method)] ?? 0) + 1
      const answer = await send(anvil, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return await reply.code(answer.statusCode).type('application/json').send(await answer.body.text())
    })
    return app
  },
  /**
   * On each fresh side, one start at a time: the first (DDOs and orders never seen), the
   * same again, another pair of orders of the same assets, then ten at once with a third
   * pair (a client starting several jobs with one order).
   */
  async probe (sides, upstream) {
    const { orders } = assets!
    const signed = await signature()
    const phases: Record<string, Calls> = {}
    const phase = async (name: string, work: (base: string) => Promise<unknown>) => {
      phases[name] = { plugin: {}, baseline: {} }
      for (const role of ['plugin', 'baseline'] as const) phases[name][role] = await counted(upstream, role, async () => await work(sides[role]))
    }
    await phase('first', async base => { await post(base, start(orders[0]!, signed)) })
    await phase('again', async base => { await post(base, start(orders[0]!, signed)) })
    await phase('new orders', async base => { await post(base, start(orders[1]!, signed)) })
    await phase('10 at once, new orders', async base => await Promise.all(Array.from({ length: 10 }, async () => { await post(base, start(orders[2]!, signed)) })))
    return phases
  },
  calls: rpcCalls
}
