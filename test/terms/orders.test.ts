import { createServer } from 'node:http'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { createPublicClient, http, parseEther, parseUnits, toEventSelector, type Address, type Hex } from 'viem'
import Fastify from 'fastify'
import compute, { chainOrders, hostResolver, memoryOrderUses, type ChainClient, type DDO, type OrderToCheck } from '../../lib/index.js'
import { rpc } from '../../examples/chain/anvil.js'
import { startAnvil } from '../helpers/anvil.js'
import { accounts, DataTokenTemplate, deployOcean } from '../../examples/chain/contracts.js'
import { freePort } from '../helpers/servers.js'
import { COMPUTE_PATH, PREFIX } from '../helpers/build.js'
import { CONTAINER, PROVIDER_KEY, algorithm, dataset } from '../helpers/ddos.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { sign } from '../helpers/sign.js'

t.setTimeout(180_000)
const signal = () => ({ signal: new AbortController().signal })

/** The node at `url`, counting the calls of each method. */
function counting (url: string): ChainClient & { calls: string[] } {
  const client = createPublicClient({ transport: http(url) })
  const calls: string[] = []
  return {
    calls,
    request: async (args: { method: string, params?: unknown }) => {
      calls.push(args.method)
      return await client.request(args as never)
    }
  }
}

// Logs a node could serve, crafted without a chain: an order of 1 token for service 0, now.
const word = (value: bigint) => value.toString(16).padStart(64, '0')
const topic = (address: string) => '0x' + address.slice(2).padStart(64, '0')
const orderLog = (order: OrderToCheck, marketFee: bigint) => ({
  address: order.datatoken,
  topics: [toEventSelector('OrderStarted(address,address,uint256,uint256,uint256,address,uint256)'), topic(order.consumer), topic(order.consumer), topic('0x' + '77'.repeat(20))],
  data: '0x' + word(10n ** 18n) + word(0n) + word(BigInt(Math.floor(Date.now() / 1000))) + word(marketFee)
})
const paidLog = (order: OrderToCheck, minter: string) => ({
  address: order.datatoken, topics: [toEventSelector('Transfer(address,address,uint256)'), topic(order.consumer), topic(minter)], data: '0x' + word(10n ** 18n)
})

t.test('option checks name the option', async t => {
  t.throws(() => chainOrders({}), { code: 'FST_COMPUTE_INVALID_OPTION', message: /exactly one of rpcUrl .* and client/ })
  t.throws(() => chainOrders({ rpcUrl: 'http://x', client: { request: async () => null } }), { message: /exactly one of rpcUrl/ })
  t.throws(() => chainOrders({ rpcUrl: 'file:///etc/passwd' }), { message: /rpcUrl must be an http or https URL/ })
  t.throws(() => chainOrders({ rpcUrl: 'not a url' }), { message: /rpcUrl must be an http or https URL/ })
  t.throws(() => chainOrders({ client: {} as never }), { message: /client must have a request method/ })
  t.throws(() => chainOrders({ rpcUrl: 'http://x', confirmations: -1 }), { message: /chainOrders: confirmations must be a whole number/ })
  t.throws(() => chainOrders({ rpcUrl: 'http://x', jobsPerOrder: 0 }), { message: /chainOrders: jobsPerOrder must be a positive integer/ })
  t.throws(() => chainOrders({ rpcUrl: 'http://x', jobsPerOrder: 1, uses: {} as never }), { message: /chainOrders: uses must be an order-use store/ })
  t.throws(() => chainOrders({ rpcUrl: 'http://x', timeout: 0 }), { message: /chainOrders: timeout must be a positive integer/ })
  t.ok(chainOrders({ rpcUrl: 'https://rpc.example.org', confirmations: 0, jobsPerOrder: 3 }))
})

const node = await startAnvil(t)
if (node !== undefined) {
  const ocean = await deployOcean(node.url)
  const datatoken = await ocean.datatoken()
  const other = await ocean.datatoken()
  const { consumer, payer, stranger, market } = accounts
  const did = (token: Address) => 'did:op:' + token.slice(2)
  const request = (txId: Hex | string, more: Partial<OrderToCheck> = {}): OrderToCheck => ({
    txId, did: did(datatoken), datatoken, serviceIndex: 1, consumer: consumer.address, cost: '1', timeout: 0, ...more
  })
  const verifier = chainOrders({ rpcUrl: node.url })

  t.test('an order from the consumer is valid; one the consumer did not pay is not', async t => {
    const tx = await ocean.order(datatoken, {})
    t.same(await verifier.verify(request(tx), signal()), { valid: true }, 'the consumer\'s own order')
    t.same(await verifier.verify(request(tx.slice(2)), signal()), { valid: true }, 'its hash without 0x, as Python\'s HexBytes reads it')
    t.same(await verifier.verify(request(tx.toUpperCase().replace('0X', '0x')), signal()), { valid: true }, 'in upper case')
    t.same(await verifier.verify(request(tx, { consumer: stranger.address }), signal()), { valid: false }, 'signed by someone else')
    t.same(await verifier.verify(request(tx, { serviceIndex: 2 }), signal()), { valid: false }, 'for another service index')
    t.same(await verifier.verify(request(tx, { cost: '2' }), signal()), { valid: false }, 'a service that costs more than was paid')
    t.same(await verifier.verify(request(tx, { did: did(other), datatoken: other }), signal()), { valid: false }, 'checked as an order of another datatoken')
    t.same(await verifier.verify(request(tx, { did: did(other) }), signal()), { valid: false }, 'a DID that is not the datatoken\'s')
  })

  t.test('a payer may order for a consumer: either of them may start', async t => {
    const tx = await ocean.order(datatoken, { from: payer, consumer: consumer.address })
    t.same(await verifier.verify(request(tx), signal()), { valid: true }, 'the consumer named in the order')
    t.same(await verifier.verify(request(tx, { consumer: payer.address }), signal()), { valid: true }, 'the payer who sent it')
    t.same(await verifier.verify(request(tx, { consumer: stranger.address }), signal()), { valid: false }, 'anyone else')
  })

  t.test('the amount reaching the minter must cover the cost less the fees', async t => {
    const withMarket = await ocean.order(datatoken, { market: market.address, amount: '10' })
    t.same(await verifier.verify(request(withMarket, { cost: '10' }), signal()), { valid: true }, 'the community\'s and a market\'s 0.1 % are allowed for')
    t.same(await verifier.verify(request(withMarket, { cost: '10.03' }), signal()), { valid: false }, 'not a wei more than 5 beyond')
    const underpaid = await ocean.order(datatoken, { amount: '0.5' })
    t.same(await verifier.verify(request(underpaid), signal()), { valid: false }, 'half the cost')
    t.same(await verifier.verify(request(underpaid, { cost: '0.5' }), signal()), { valid: true }, 'which is enough for a service that costs that')
    const exact = await ocean.order(datatoken, { amount: '1.5' })
    t.same(await verifier.verify(request(exact, { cost: '1.5' }), signal()), { valid: true }, 'a decimal cost')
    t.same(await verifier.verify(request(exact, { cost: '1.500000000000000005' }), signal()), { valid: true }, 'up to 5 wei short, as the reference allows')
    t.same(await verifier.verify(request(exact, { cost: '1.500000000000000006' }), signal()), { valid: false }, 'but not 6')
    for (const cost of ['', 'abc', '-1', '1e18', '0x10', '1.0000000000000000001']) {
      t.same(await verifier.verify(request(exact, { cost }), signal()), { valid: false }, `a DDO cost of ${JSON.stringify(cost)}`)
    }
  })

  t.test('a transaction that is not a startOrder of the datatoken is no order', async t => {
    const transfer = await ocean.send(consumer, datatoken, DataTokenTemplate.abi, 'transfer', [accounts.publisher.address, parseUnits('5', 18)])
    t.same(await verifier.verify(request(transfer), signal()), { valid: false }, 'a plain transfer to the minter')
    const elsewhere = await ocean.order(other, {})
    t.same(await verifier.verify(request(elsewhere), signal()), { valid: false }, 'an order of another datatoken')
    t.same(await verifier.verify(request('0x' + 'ab'.repeat(32)), signal()), { valid: false }, 'an unknown hash')
    const reverted = await ocean.send(consumer, datatoken, DataTokenTemplate.abi, 'startOrder',
      [consumer.address, parseUnits('1000', 18), 1n, '0x0000000000000000000000000000000000000000'], 200_000n)
    t.equal((await ocean.chain.getTransactionReceipt({ hash: reverted })).status, 'reverted', 'the order of more tokens than held was mined, reverted')
    t.same(await verifier.verify(request(reverted), signal()), { valid: false }, 'a reverted order')
  })

  t.test('a V4-style OrderStarted (same topic, three topics) is not read as a V3 order', async t => {
    // OrderStarted(address indexed consumer, address payer, uint256 amount, uint256 serviceIndex,
    // uint256 timestamp, address indexed publishMarketAddress, uint256 blockNumber): a contract
    // whose every call logs it, with the consumer as its first topic and five words of data.
    const topic0 = toEventSelector('OrderStarted(address,address,uint256,uint256,uint256,address,uint256)').slice(2)
    const consumerTopic = consumer.address.slice(2).toLowerCase().padStart(64, '0')
    const runtime = `7f${consumerTopic}7f${consumerTopic}7f${topic0}60a0600052600060a0a300`
    // 60a0600052 stores 0xa0 at memory 0: data of five words (payer, amount, serviceIndex, timestamp, block).
    const v4 = await ocean.deploy([], `0x60${(runtime.length / 2).toString(16)}80600b6000396000f3${runtime}` as Hex)
    const tx = await ocean.transact(consumer, v4, '0x', 100_000n)
    const receipt = await ocean.chain.getTransactionReceipt({ hash: tx })
    t.equal(receipt.logs.length, 1)
    t.equal(receipt.logs[0]!.topics.length, 3, 'a V4-shaped log')
    t.equal(receipt.logs[0]!.topics[0], '0x' + topic0, 'with the V3 topic')
    t.same(await verifier.verify(request(tx, { did: did(v4), datatoken: v4, serviceIndex: 0, cost: '0' }), signal()), { valid: false })
  })

  t.test('an order older than the service\'s timeout has expired; 0 never expires', async t => {
    const tx = await ocean.order(datatoken, {})
    t.same(await verifier.verify(request(tx, { timeout: 3600 }), signal()), { valid: true }, 'within an hour')
    await new Promise(resolve => setTimeout(resolve, 2100))
    t.same(await verifier.verify(request(tx, { timeout: 1 }), signal()), { valid: false }, 'two seconds later, for a service of one second')
    t.same(await verifier.verify(request(tx, { timeout: 0 }), signal()), { valid: true }, 'timeout 0')
    t.same(await verifier.verify(request(tx, { timeout: -1 }), signal()), { valid: false }, 'a negative timeout is a broken DDO')
  })

  t.test('weird transaction ids are refused without asking the chain', async t => {
    const client = counting(node.url)
    const cheap = chainOrders({ client })
    for (const txId of ['', '0x', '0x1234', 'ab'.repeat(33), '0x' + 'zz'.repeat(32), '0x' + 'ab'.repeat(32) + '\n', 'ab'.repeat(16) + '0x' + 'ab'.repeat(15)]) {
      t.same(await cheap.verify(request(txId), signal()), { valid: false }, JSON.stringify(txId))
    }
    t.same(await cheap.verify(request('0x' + 'ab'.repeat(32), { datatoken: 'x' as never }), signal()), { valid: false }, 'a datatoken that is no address')
    t.same(await cheap.verify(request('0x' + 'ab'.repeat(32), { serviceIndex: 1.5 }), signal()), { valid: false }, 'a fractional service index')
    t.same(client.calls, [], 'not one RPC call')
  })

  t.test('an order costs one receipt and one minter call; used again, none', async t => {
    const client = counting(node.url)
    const counted = chainOrders({ client })
    const tx = await ocean.order(datatoken, {})
    t.same(await counted.verify(request(tx), signal()), { valid: true })
    t.same(client.calls.sort(), ['eth_call', 'eth_chainId', 'eth_getTransactionReceipt'], 'chain id (once: anvil\'s 31337 needs no confirmations), the receipt, the minter')
    client.calls.length = 0
    t.same(await counted.verify(request(tx), signal()), { valid: true })
    t.same(await counted.verify(request(tx, { consumer: stranger.address }), signal()), { valid: false })
    t.same(client.calls, [], 'the final receipt and the minter are remembered')
    const second = await ocean.order(datatoken, {})
    t.same(await counted.verify(request(second), signal()), { valid: true })
    t.same(client.calls, ['eth_getTransactionReceipt'], 'another order of the datatoken: its receipt only')
    client.calls.length = 0
    const third = await ocean.order(datatoken, {})
    const verdicts = await Promise.all(Array.from({ length: 10 }, async () => await counted.verify(request(third), signal())))
    t.ok(verdicts.every(verdict => verdict.valid), 'ten starts at once with a new order')
    t.same(client.calls, ['eth_getTransactionReceipt'], 'share one read of its receipt')
  })

  t.test('a non-development chain waits for one block on top of the order\'s by default', async t => {
    const real = counting(node.url)
    const mainnetLike: ChainClient = { request: async args => args.method === 'eth_chainId' ? '0x1' : await real.request(args) }
    const waiting = chainOrders({ client: mainnetLike, pollInterval: 20 })
    const tx = await ocean.order(datatoken, {})
    const verdict = waiting.verify(request(tx), signal())
    await new Promise(resolve => setTimeout(resolve, 200))
    t.equal(real.calls.filter(method => method === 'eth_call').length, 0, 'no verdict before the next block')
    await rpc(node.url, 'evm_mine')
    t.same(await verdict, { valid: true }, 'valid once a block is mined on top')
    t.equal(real.calls.filter(method => method === 'eth_getTransactionReceipt').length, 2, 'the receipt read again once final (a reorg may have moved it)')

    const impatient = chainOrders({ client: mainnetLike, pollInterval: 20, confirmations: 3, timeout: 300 })
    const fresh = await ocean.order(datatoken, {})
    await t.rejects(impatient.verify(request(fresh), signal()), {
      code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', statusCode: 503, message: `The order ${fresh} is not final yet: try again after a few more blocks.`
    }, 'a chain that mines no more blocks: 503, try again, never a refusal')
    await rpc(node.url, 'anvil_mine', ['0x3'])
    t.same(await impatient.verify(request(fresh), signal()), { valid: true }, 'three blocks later')
    t.same(await chainOrders({ client: mainnetLike, confirmations: 0 }).verify(request(await ocean.order(datatoken, {})), signal()), { valid: true }, 'confirmations 0 on any chain')
  })

  t.test('an order that a reorg drops while it waits for its blocks is not final yet (503), never refused', async t => {
    const mainnetLike: ChainClient = { request: async args => args.method === 'eth_chainId' ? '0x1' : await ocean.chain.request(args as never) }
    const before = await rpc(node.url, 'evm_snapshot')
    const tx = await ocean.order(datatoken, {})
    const verdict = chainOrders({ client: mainnetLike, confirmations: 2, pollInterval: 20, timeout: 1500 }).verify(request(tx), signal())
    await new Promise(resolve => setTimeout(resolve, 200))
    await rpc(node.url, 'evm_revert', [before])
    await rpc(node.url, 'anvil_mine', ['0x3'])
    t.equal(await ocean.chain.request({ method: 'eth_getTransactionReceipt', params: [tx] }), null, 'the order is gone from the chain')
    await t.rejects(verdict, { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', message: `The order ${tx} is not final yet: try again after a few more blocks.` },
      'the consumer is told to try again: the transaction may be mined again')
  })

  t.test('jobsPerOrder: uses are counted per order, atomically, and can be given back', async t => {
    const limited = chainOrders({ rpcUrl: node.url, jobsPerOrder: 2 })
    const tx = await ocean.order(datatoken, {})
    const first = await limited.verify(request(tx), signal())
    const second = await limited.verify(request(tx), signal())
    t.equal(first.valid && second.valid, true, 'two jobs with one order')
    t.same(await limited.verify(request(tx), signal()), { valid: false }, 'not a third')
    if (!second.valid) throw new Error('unreachable')
    await second.release!()
    await second.release!()
    t.equal((await limited.verify(request(tx), signal())).valid, true, 'a use given back (once, however often release is called) starts another')
    t.same(await limited.verify(request(tx), signal()), { valid: false })
    t.same(await limited.verify(request(tx, { consumer: stranger.address }), signal()), { valid: false }, 'an invalid order takes no use')

    const once = chainOrders({ rpcUrl: node.url, jobsPerOrder: 1 })
    const raced = await ocean.order(datatoken, {})
    const verdicts = await Promise.all(Array.from({ length: 100 }, async () => await once.verify(request(raced), signal())))
    t.equal(verdicts.filter(verdict => verdict.valid).length, 1, 'of 100 concurrent starts with one order exactly one is valid')
    const another = await ocean.order(datatoken, {})
    t.equal((await once.verify(request(another), signal())).valid, true, 'each order has its own uses')
    const spellings = [another.slice(2), another.toUpperCase().replace('0X', '0x'), another.replace('0x', '0X'), another.slice(2).toUpperCase()]
    for (const txId of spellings) {
      t.same(await once.verify(request(txId, { datatoken: datatoken.toUpperCase().replace('0X', '0x') as Address }), signal()), { valid: false }, `the same order spelt ${txId.slice(0, 4)}…: its use is taken`)
    }
    const fresh = await ocean.order(datatoken, {})
    t.equal((await once.verify(request(fresh.replace('0x', '0X')), signal())).valid, true, 'a hash with 0X, as Python reads it, is the order')
    t.same(await once.verify(request(fresh), signal()), { valid: false }, 'counted under the same key as with 0x')
  })

  t.test('jobsPerOrder holds at an order\'s expiry, with a store that forgets an order once it has expired (as Redis does)', async t => {
    // Redis's counter goes at expiresAt; a start checked just before the expiry takes its use
    // just after (the minter's call, a store round trip, another clock), from a counter gone.
    const counters = new Map<string, { taken: number, until: number }>()
    const forgetful = {
      take: async (order: string, limit: number, expiresAt = Infinity) => {
        await new Promise(resolve => setTimeout(resolve, 2100)) // past the order's expiry: at most 2 s after it was mined
        const counter = counters.get(order)
        const taken = counter === undefined || counter.until <= Date.now() ? 0 : counter.taken
        if (taken >= limit) return false
        counters.set(order, { taken: taken + 1, until: expiresAt })
        return true
      },
      release: () => {}
    }
    const edge = chainOrders({ rpcUrl: node.url, jobsPerOrder: 1, uses: forgetful })
    const tx = await ocean.order(datatoken, {})
    const verdicts = await Promise.all([edge.verify(request(tx, { timeout: 2 }), signal()), edge.verify(request(tx, { timeout: 2 }), signal())])
    t.equal(verdicts.filter(verdict => verdict.valid).length, 1, 'two starts at the expiry of an order of one job: one job')
  })

  t.test('a failing order-use store is a 503 within the time allowed', async t => {
    const tx = await ocean.order(datatoken, {})
    const failing = chainOrders({ rpcUrl: node.url, jobsPerOrder: 1, uses: { take: () => { throw new Error('ECONNREFUSED 10.0.0.7:6379') }, release: () => {} } })
    await t.rejects(failing.verify(request(tx), signal()), { code: 'FST_COMPUTE_ORDER_USES_UNAVAILABLE', statusCode: 503, message: 'The store of order uses could not be reached.' })
    const hanging = chainOrders({ rpcUrl: node.url, jobsPerOrder: 1, timeout: 300, uses: { take: async () => await new Promise<boolean>(() => {}), release: () => {} } })
    const started = Date.now()
    await t.rejects(hanging.verify(request(tx), signal()), { code: 'FST_COMPUTE_ORDER_USES_UNAVAILABLE' })
    t.ok(Date.now() - started < 5000, 'cut off at the timeout')

    // A store slower than the check's time: the start got its 503, and a use that lands later is given back.
    const memory = memoryOrderUses()
    let landed!: () => void
    const landing = new Promise<void>(resolve => { landed = resolve })
    const slow = chainOrders({
      rpcUrl: node.url,
      jobsPerOrder: 1,
      timeout: 300,
      uses: {
        take: async (...args) => { await new Promise(resolve => setTimeout(resolve, 600)); const taken = memory.take(...args); landed(); return taken },
        release: order => memory.release(order)
      }
    })
    const late = await ocean.order(datatoken, {})
    await t.rejects(slow.verify(request(late), signal()), { code: 'FST_COMPUTE_ORDER_USES_UNAVAILABLE' })
    await landing
    await new Promise(resolve => setImmediate(resolve))
    t.equal((await chainOrders({ rpcUrl: node.url, jobsPerOrder: 1, uses: memory }).verify(request(late), signal())).valid, true,
      'the order still has its one use: the start that timed out spent none')
  })

  t.test('the minter: an emitter without minter() is no datatoken; a node that fails on it is a 503', async t => {
    const tx = await ocean.order(datatoken, {})
    const noMinter: ChainClient = { request: async args => args.method === 'eth_call' ? '0x' : await ocean.chain.request(args as never) }
    t.same(await chainOrders({ client: noMinter, confirmations: 0 }).verify(request(tx), signal()), { valid: false }, 'an empty answer')
    const reverts: ChainClient = { request: async args => { if (args.method === 'eth_call') throw Object.assign(new Error('execution reverted'), { code: 3 }); return await ocean.chain.request(args as never) } }
    t.same(await chainOrders({ client: reverts, confirmations: 0 }).verify(request(tx), signal()), { valid: false }, 'a revert')
    const garbage: ChainClient = { request: async args => args.method === 'eth_call' ? 'hello' : await ocean.chain.request(args as never) }
    await t.rejects(chainOrders({ client: garbage, confirmations: 0 }).verify(request(tx), signal()), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE' }, 'garbage')
    const down: ChainClient = { request: async args => { if (args.method === 'eth_call') throw new Error('socket hang up'); return await ocean.chain.request(args as never) } }
    await t.rejects(chainOrders({ client: down, confirmations: 0 }).verify(request(tx), signal()), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE' }, 'a node that fails')
  })

  t.test('through the start route, one order pays for one input of one job: not two inputs, not the algorithm too', async t => {
    const dataToken = await ocean.datatoken()
    const algorithmToken = await ocean.datatoken()
    const data = dataset({ token: dataToken, privacy: { allowAllPublishedAlgorithms: true, allowRawAlgorithm: true } })
    const algo = { ...algorithm(), id: did(algorithmToken), dataToken: algorithmToken } as DDO
    const app = Fastify()
    await app.register(compute, {
      prefix: PREFIX,
      operator: new MemoryOperator(),
      terms: { resolver: hostResolver([data, algo]), privateKey: PROVIDER_KEY, orders: chainOrders({ rpcUrl: node.url, jobsPerOrder: 1 }) }
    })
    t.teardown(() => app.close())
    const tx = await ocean.order(dataToken, {})
    const start = async (more: Record<string, unknown>) => await app.inject({
      method: 'POST',
      url: COMPUTE_PATH,
      payload: {
        consumerAddress: consumer.address,
        signature: await sign(consumer as Parameters<typeof sign>[0], { documentId: did(dataToken) }),
        documentId: did(dataToken),
        serviceId: 1,
        transferTxId: tx,
        output: {},
        ...more
      }
    })
    const raw = { algorithmMeta: { rawcode: 'x', container: CONTAINER } }
    t.same((await start({ ...raw, additionalInputs: [{ documentId: did(dataToken), transferTxId: tx.toUpperCase().replace('0X', '0x'), serviceId: 1 }] })).json(),
      { error: 'Error in input at index 1: Order for serviceId 1 is not valid.' }, 'the same order (in another case) for a second input')
    t.same((await start({ algorithmDid: did(algorithmToken), algorithmDataToken: algorithmToken, algorithmTransferTxId: tx })).json(),
      { error: 'Algorithm is already in use or can not be found on chain.' }, 'the dataset\'s order as the algorithm\'s')
    t.equal((await start(raw)).statusCode, 200, 'each refusal gave the dataset\'s use back: one job')
    t.same((await start(raw)).json(), { error: 'Order for serviceId 1 is not valid.' }, 'and only one')
  })

  t.test('ocean.chain funds are real: the consumer paid', async t => {
    t.ok(await ocean.chain.getBalance({ address: consumer.address }) < parseEther('10000'), 'gas was spent on real transactions')
  })
}

t.test('an RPC node that is down, slow or answers garbage: a 503 within the bound, never valid', async t => {
  const order: OrderToCheck = {
    txId: '0x' + 'ab'.repeat(32), did: 'did:op:' + 'cd'.repeat(20), datatoken: `0x${'cd'.repeat(20)}`, serviceIndex: 0, consumer: `0x${'ef'.repeat(20)}`, cost: '1', timeout: 0
  }
  const closed = await freePort()
  await t.rejects(chainOrders({ rpcUrl: `http://127.0.0.1:${closed}`, confirmations: 0 }).verify(order, signal()), {
    code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', statusCode: 503, message: 'The chain could not be read to check the order.'
  }, 'nothing listens')

  const answers: Array<(body: { method: string }) => unknown> = []
  const server = createServer((req, res) => {
    let text = ''
    req.on('data', chunk => { text += String(chunk) })
    req.on('end', () => {
      const body = JSON.parse(text) as { id: number, method: string }
      const answer = answers[0]!(body)
      if (answer === 'hang') return
      res.setHeader('content-type', 'application/json')
      const raw = (answer as { raw?: string } | null)?.raw
      res.end(raw ?? JSON.stringify({ jsonrpc: '2.0', id: body.id, result: answer }))
    })
  }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  const fake = chainOrders({ rpcUrl: url, confirmations: 0, timeout: 500 })
  const log = (extra: object = {}) => ({
    address: order.datatoken, topics: ['0x' + '11'.repeat(32)], data: '0x', ...extra
  })
  const receipt = (extra: object = {}) => ({ transactionHash: order.txId, status: '0x1', blockNumber: '0x5', logs: [log()], ...extra })
  const cases: Array<[string, unknown]> = [
    ['not JSON', { raw: 'hello' }],
    ['a JSON-RPC answer without a result', { raw: '{"jsonrpc":"2.0","id":1}' }],
    ['a number', 7],
    ['the receipt of another transaction', receipt({ transactionHash: '0x' + 'cd'.repeat(32) })],
    ['a receipt without status', receipt({ status: undefined })],
    ['a receipt without a block', receipt({ blockNumber: 'five' })],
    ['logs that are no list', receipt({ logs: {} })],
    ['a log without an address', receipt({ logs: [log({ address: 'x' })] })],
    ['a log with five topics', receipt({ logs: [log({ topics: Array(5).fill('0x' + '11'.repeat(32)) })] })],
    ['a log with odd data', receipt({ logs: [log({ data: '0x123' })] })],
    ['null log', receipt({ logs: [null] })]
  ]
  for (const [what, answer] of cases) {
    answers[0] = () => answer
    await t.rejects(fake.verify(order, signal()), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', statusCode: 503 }, what)
  }
  answers[0] = () => receipt()
  t.same(await fake.verify(order, signal()), { valid: false }, 'a well-formed receipt without an order: refused, not a fault')
  answers[0] = () => { throw new Error('no second call') }
  t.same(await fake.verify(order, signal()), { valid: false }, 'and remembered: a final receipt does not change')
  order.txId = '0x' + '12'.repeat(32)

  // Receipts no real V3 datatoken writes, but a node could serve: checked all the same.
  const minter = '0x' + '99'.repeat(20)
  const paid = paidLog(order, minter)
  const crafted = (txId: string, logs: unknown[]) => {
    order.txId = txId
    answers[0] = body => body.method === 'eth_call' ? '0x' + minter.slice(2).padStart(64, '0') : receipt({ transactionHash: txId, logs })
  }
  crafted('0x' + '21'.repeat(32), [orderLog(order, 0n), paid])
  t.same(await fake.verify(order, signal()), { valid: true }, 'a crafted order that pays the minter: the checks read it as a real one')
  crafted('0x' + '22'.repeat(32), [orderLog(order, 10n ** 15n + 6n), paid])
  t.same(await fake.verify(order, signal()), { valid: false }, 'a market fee over 0.1 % + 5 wei')
  crafted('0x' + '23'.repeat(32), [orderLog(order, 0n), orderLog(order, 0n), paid])
  t.same(await fake.verify(order, signal()), { valid: false }, 'two orders of the datatoken in one transaction')
  crafted('0x' + '24'.repeat(32), [orderLog(order, 0n), { ...paid, address: '0x' + '55'.repeat(20) }])
  t.same(await fake.verify(order, signal()), { valid: false }, 'a Transfer to the minter by another token does not pay')
  order.txId = '0x' + '12'.repeat(32)
  answers[0] = () => 'hang'
  const started = Date.now()
  await t.rejects(fake.verify(order, signal()), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', message: 'The chain did not answer in time to check the order.' }, 'a node that never answers')
  t.ok(Date.now() - started < 5000, 'cut off at the timeout')
  const aborted = new AbortController()
  setTimeout(() => { aborted.abort() }, 50)
  await t.rejects(chainOrders({ rpcUrl: url, confirmations: 0 }).verify(order, { signal: aborted.signal }), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE' }, 'or at the caller\'s signal')

  answers[0] = body => body.method === 'eth_chainId' ? 'garbage' : receipt()
  await t.rejects(chainOrders({ rpcUrl: url }).verify(order, signal()), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE' }, 'a chain id that is no number')
  answers[0] = body => body.method === 'eth_chainId' ? '0x1' : body.method === 'eth_blockNumber' ? { number: 1 } : receipt()
  await t.rejects(chainOrders({ rpcUrl: url }).verify(order, signal()), { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE' }, 'a block number that is no number')
})

t.test('concurrent checks of one new order read its receipt and its minter once, each within its own time', async t => {
  const order: OrderToCheck = {
    txId: '0x' + '31'.repeat(32), did: 'did:op:' + 'cd'.repeat(20), datatoken: `0x${'cd'.repeat(20)}`, serviceIndex: 0, consumer: `0x${'ef'.repeat(20)}`, cost: '1', timeout: 0
  }
  const minter = '0x' + '99'.repeat(20)
  const calls: string[] = []
  let hang = false
  // A node 20 ms away: the checks meet while the first read is out.
  const client: ChainClient = {
    request: async ({ method }) => {
      calls.push(method)
      if (hang) {
        hang = false
        return await new Promise(() => {})
      }
      await sleep(20)
      return method === 'eth_call'
        ? '0x' + minter.slice(2).padStart(64, '0')
        : { transactionHash: order.txId, status: '0x1', blockNumber: '0x5', logs: [orderLog(order, 0n), paidLog(order, minter)] }
    }
  }
  const verifier = chainOrders({ client, confirmations: 0, timeout: 400 })
  const verdicts = await Promise.all(Array.from({ length: 10 }, async () => await verifier.verify(order, signal())))
  t.same(verdicts, Array(10).fill({ valid: true }), 'ten starts with one new order')
  t.same(calls.sort(), ['eth_call', 'eth_getTransactionReceipt'], 'one receipt and one minter call between them, not ten of each')

  order.txId = '0x' + '32'.repeat(32)
  calls.length = 0
  const leaving = new AbortController()
  const gone = verifier.verify(order, { signal: leaving.signal })
  const staying = verifier.verify(order, signal())
  leaving.abort()
  await t.rejects(gone, { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE' }, 'a start that went away')
  t.same(await staying, { valid: true }, 'does not cut off the one that shared its read')
  t.same(calls, ['eth_getTransactionReceipt'])

  order.txId = '0x' + '33'.repeat(32)
  calls.length = 0
  hang = true
  const first = verifier.verify(order, signal())
  await sleep(200)
  const second = verifier.verify(order, signal())
  await t.rejects(first, { code: 'FST_COMPUTE_CHAIN_UNAVAILABLE', message: 'The chain did not answer in time to check the order.' }, 'a read that hangs: its start gets a 503 at its deadline')
  t.same(await second, { valid: true }, 'a start that joined it later reads again within its own time')
  t.same(calls, ['eth_getTransactionReceipt', 'eth_getTransactionReceipt'])
})

t.test('a receipt is remembered with only the datatoken\'s logs: hashes of huge transactions cannot fill the memory', async t => {
  // Any signer may send the hash of any transaction on chain, such as an airdrop's with
  // thousands of logs; each is final, so it is remembered (up to cacheSize of them).
  const datatoken = `0x${'cd'.repeat(20)}` as const
  const order: OrderToCheck = { txId: '', did: 'did:op:' + datatoken.slice(2), datatoken, serviceIndex: 0, consumer: `0x${'ef'.repeat(20)}`, cost: '1', timeout: 0 }
  const transfer = toEventSelector('Transfer(address,address,uint256)')
  const huge: ChainClient = {
    request: async ({ params }) => ({
      transactionHash: (params as string[])[0],
      status: '0x1',
      blockNumber: '0x5',
      logs: Array.from({ length: 2000 }, (_, i) => ({
        address: '0x' + '55'.repeat(20),
        topics: [transfer, '0x' + i.toString(16).padStart(64, '0'), '0x' + (i + 1).toString(16).padStart(64, 'a')],
        data: '0x' + i.toString(16).padStart(64, '0')
      }))
    })
  }
  const verifier = chainOrders({ client: huge, confirmations: 0 })
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < 40; i++) {
    t.same(await verifier.verify({ ...order, txId: '0x' + i.toString(16).padStart(64, '0') }, signal()), { valid: false })
  }
  gc()
  const kept = process.memoryUsage().heapUsed - before
  t.ok(kept < 8 * 1024 * 1024, `40 receipts of 2000 foreign logs each keep ${Math.round(kept / 1024)} KiB, under 8 MiB`)
})
