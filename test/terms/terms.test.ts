import diagnostics from 'node:diagnostics_channel'
import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import compute, { chainDdos, chainOrders, hostResolver, httpOperator, localOperator, type ChainClient, type ComputeOperator, type ComputePluginOptions, type DDO, type DdoResolver, type OperatorContext, type OperatorStartRequest } from '../../lib/index.js'
import { OperatorUnavailableError } from '../../lib/errors.js'
import { CHANNELS } from '../../lib/channels.js'
import type { JobStatus } from '../../schemas/job.js'
import type { OceanTermsOptions } from '../../lib/terms/index.js'
import { COMPUTE_PATH, PREFIX } from '../helpers/build.js'
import { freePort } from '../helpers/servers.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, bob, sign } from '../helpers/sign.js'
import { encryptFiles } from '../../lib/terms/files.js'
import {
  ALGORITHM_DID, ALGORITHM_TOKEN, ALGORITHM_URL, CONTAINER, DATASET_DID, DATASET_TOKEN, DATASET_URL, MemoryOrders,
  PROVIDER_KEY, PUBLISHER, SECOND_DID, SECOND_TOKEN, algorithm, dataset, provider, trusted
} from '../helpers/ddos.js'

// Every check of spec sections 6.2 and 6.3 through the route, as a client sends the
// start (a JSON body, signed by Alice), asserting the whole answer.

const RAW = { rawcode: 'console.log(1)', container: CONTAINER }

interface Setup<O> {
  ddos?: DDO[]
  orders?: MemoryOrders | false
  operator?: O
  terms?: Partial<OceanTermsOptions>
  plugin?: ComputePluginOptions
}

async function serve<O extends ComputeOperator = MemoryOperator> (t: Test, setup: Setup<O> = {}) {
  const operator = setup.operator ?? new MemoryOperator() as unknown as O
  const orders = setup.orders === false ? undefined : setup.orders ?? new MemoryOrders().pay('0xtx', DATASET_TOKEN, 1).pay('0xalgo', ALGORITHM_TOKEN, 1)
  const app = Fastify()
  await app.register(compute, {
    prefix: PREFIX,
    operator,
    terms: { resolver: hostResolver(setup.ddos ?? [dataset(), algorithm()]), privateKey: PROVIDER_KEY, orders, ...setup.terms },
    ...setup.plugin
  })
  await app.ready()
  t.teardown(() => app.close())
  return { app, operator, orders }
}

async function start (app: Awaited<ReturnType<typeof serve>>['app'], params: Record<string, unknown> = {}) {
  const documentId = 'documentId' in params ? params.documentId as string | undefined : DATASET_DID
  return await app.inject({
    method: 'POST',
    url: COMPUTE_PATH,
    payload: {
      consumerAddress: alice.address,
      signature: await sign(alice, { documentId: documentId ?? '' }),
      transferTxId: '0xtx',
      serviceId: '1',
      output: {},
      algorithmMeta: RAW,
      ...params,
      documentId
    }
  })
}

function workflowOf (operator: MemoryOperator) {
  return (operator.calls[0]!.arg as OperatorStartRequest).workflow
}

t.test('an allowed raw start reaches the operator with the decrypted file URLs', async t => {
  const { app, operator, orders } = await serve(t)
  const res = await start(app)
  t.equal(res.statusCode, 200)
  t.same(workflowOf(operator), {
    stages: [{
      index: 0,
      input: [{ index: 0, id: DATASET_DID, url: [DATASET_URL] }],
      compute: { Instances: 1, namespace: 'ocean-compute', maxtime: 3600 },
      algorithm: { id: '', rawcode: RAW.rawcode, container: CONTAINER },
      output: {}
    }]
  })
  t.same(orders!.checked, [{ txId: '0xtx', did: DATASET_DID, datatoken: DATASET_TOKEN, serviceIndex: 1, consumer: alice.address, cost: '1', timeout: 3600 }])
})

t.test('an allowed algorithmDid start carries the algorithm URL and container from its DDO, and checks its order', async t => {
  const { app, operator, orders } = await serve(t, { ddos: [dataset({ privacy: { publisherTrustedAlgorithms: [trusted(algorithm())] } }), algorithm()] })
  const res = await start(app, { algorithmMeta: undefined, algorithmDid: ALGORITHM_DID, algorithmDataToken: ALGORITHM_TOKEN, algorithmTransferTxId: '0xalgo' })
  t.equal(res.statusCode, 200)
  t.same(workflowOf(operator).stages[0]!.algorithm, { id: ALGORITHM_DID, rawcode: '', url: ALGORITHM_URL, container: CONTAINER })
  t.same(orders!.checked[1], { txId: '0xalgo', did: ALGORITHM_DID, datatoken: ALGORITHM_TOKEN, serviceIndex: 1, consumer: alice.address, cost: '2', timeout: 0 })
  t.equal(res.json()[0].algoDID, ALGORITHM_DID)
})

t.test('spec 6.2, in order, each with the reference provider\'s message', async t => {
  const denied = (credentials: DDO['credentials']) => dataset({ extra: { credentials } })
  const rows: Array<[string, Setup<MemoryOperator>, Record<string, unknown>, string]> = [
    ['documentId present', {}, { documentId: undefined }, 'No documentId in input item.'],
    ['transferTxId present', {}, { transferTxId: undefined }, 'No transferTxId in input item.'],
    ['serviceId present', {}, { serviceId: undefined }, 'No serviceId in input item.'],
    ['DDO found', {}, { documentId: SECOND_DID }, `Asset for did ${SECOND_DID} not found.`],
    ['not disabled', { ddos: [dataset({ status: { isOrderDisabled: true } })] }, {}, `Error: Access to asset ${DATASET_DID} was denied with code: 1.`],
    ['not retired', { ddos: [dataset({ status: { isRetired: true } })] }, {}, `Error: Access to asset ${DATASET_DID} was denied with code: 1.`],
    ['in the allow list', { ddos: [denied({ allow: [{ type: 'address', values: [bob.address] }] })] }, {}, `Error: Access to asset ${DATASET_DID} was denied with code: 3.`],
    ['not in the deny list', { ddos: [denied({ deny: [{ type: 'address', values: [alice.address.toLowerCase()] }] })] }, {}, `Error: Access to asset ${DATASET_DID} was denied with code: 4.`],
    ['the service index exists', {}, { serviceId: '7' }, 'Service index 7 not found.'],
    ['a service index that is no number (the reference crashed: 503)', {}, { serviceId: '1.0' }, 'Service index 1.0 not found.'],
    ['access or compute', {}, { serviceId: '0' }, 'Services in input can only be access or compute.'],
    ['the main input is compute', { ddos: [dataset({ serviceType: 'access' })] }, {}, 'Service for main asset must be compute.'],
    ['its files decrypt here', { ddos: [dataset({ elsewhere: true })] }, {}, 'Services in input with compute type must be in the same provider you are calling.'],
    ['the order', {}, { transferTxId: '0xunpaid' }, 'Order for serviceId 1 is not valid.']
  ]
  for (const [name, setup, params, error] of rows) {
    const { app, operator } = await serve(t, setup)
    const res = await start(app, params)
    t.equal(res.statusCode, 400, name)
    t.same(res.json(), { error }, name)
    t.equal(operator.calls.length, 0, `${name}: nothing reached the operator`)
  }
})

t.test('an allow list that names the consumer lets it in, in any case; a deny list is ignored beside an allow list', async t => {
  const { app } = await serve(t, { ddos: [dataset({ extra: { credentials: { allow: [{ type: 'address', values: [alice.address.toUpperCase().replace('0X', '0x')] }], deny: [{ type: 'address', values: [alice.address] }] } } })] })
  t.equal((await start(app)).statusCode, 200)
})

t.test('additional inputs: each checked in turn, refusals prefixed with the input index', async t => {
  const second = dataset({ token: SECOND_TOKEN, serviceType: 'access', elsewhere: true })
  const orders = new MemoryOrders().pay('0xtx', DATASET_TOKEN, 1).pay('0xtx2', SECOND_TOKEN, 1)
  const { app, operator } = await serve(t, { ddos: [dataset(), second], orders })
  let res = await start(app, { additionalInputs: [{ documentId: SECOND_DID, serviceId: 1 }] })
  t.same(res.json(), { error: 'Error in input at index 1: No transferTxId in input item.' })
  res = await start(app, { additionalInputs: [{ documentId: SECOND_DID, transferTxId: '0xtx2', serviceId: 0 }] })
  t.same(res.json(), { error: 'Error in input at index 1: Services in input can only be access or compute.' })
  res = await start(app, { additionalInputs: [{ documentId: SECOND_DID, transferTxId: '0xnone', serviceId: 1 }] })
  t.same(res.json(), { error: 'Error in input at index 1: Order for serviceId 1 is not valid.' })
  // An access input whose files are another provider's goes to the operator as `remote`.
  res = await start(app, { additionalInputs: [{ documentId: SECOND_DID, transferTxId: '0xtx2', serviceId: 1 }] })
  t.equal(res.statusCode, 200)
  t.same(workflowOf(operator).stages[0]!.input, [
    { index: 0, id: DATASET_DID, url: [DATASET_URL] },
    { index: 1, id: SECOND_DID, remote: { txid: '0xtx2', serviceIndex: 1 } }
  ])
})

t.test('a compute input after the first is checked against the algorithm too', async t => {
  const second = dataset({ token: SECOND_TOKEN, privacy: {} })
  const orders = new MemoryOrders().pay('0xtx', DATASET_TOKEN, 1).pay('0xtx2', SECOND_TOKEN, 1)
  const { app } = await serve(t, { ddos: [dataset(), second], orders })
  const res = await start(app, { additionalInputs: [{ documentId: SECOND_DID, transferTxId: '0xtx2', serviceId: '1' }] })
  t.same(res.json(), { error: `Error in input at index 1: cannot run raw algorithm on this did ${SECOND_DID}.` })
})

t.test('spec 6.3, the algorithm against the compute service\'s privacy', async t => {
  const algo = algorithm()
  const byDid = { algorithmMeta: undefined, algorithmDid: ALGORITHM_DID, algorithmDataToken: ALGORITHM_TOKEN, algorithmTransferTxId: '0xalgo' }
  const entry = trusted(algo)
  const rows: Array<[string, DDO[], Record<string, unknown>, string]> = [
    ['raw code needs allowRawAlgorithm (default false)', [dataset({ privacy: {} })], {}, `cannot run raw algorithm on this did ${DATASET_DID}.`],
    ['raw code with allowRawAlgorithm false', [dataset({ privacy: { allowRawAlgorithm: false } })], {}, `cannot run raw algorithm on this did ${DATASET_DID}.`],
    ['no trusted algorithms', [dataset({ privacy: {} }), algo], byDid,
      'Using algorithmDid but allowAllPublishedAlgorithms is False and no trusted algorithms are set in publisherTrustedAlgorithms.'],
    ['not listed', [dataset({ privacy: { publisherTrustedAlgorithms: [{ ...entry, did: SECOND_DID }] } }), algo], byDid, `this algorithm did ${ALGORITHM_DID} is not trusted.`],
    ['an entry without did', [dataset({ privacy: { publisherTrustedAlgorithms: [entry, { filesChecksum: 'x' }] } }), algo], byDid,
      'Some algos in the publisherTrustedAlgorithms don\'t have a did.'],
    ['filesChecksum', [dataset({ privacy: { publisherTrustedAlgorithms: [{ ...entry, filesChecksum: '00' }] } }), algo], byDid,
      `filesChecksum for algorithm with did ${ALGORITHM_DID} does not match`],
    ['containerSectionChecksum', [dataset({ privacy: { publisherTrustedAlgorithms: [{ ...entry, containerSectionChecksum: '00' }] } }), algo], byDid,
      `containerSectionChecksum for algorithm with did ${ALGORITHM_DID} does not match`],
    ['the container changed after it was trusted', [dataset({ privacy: { publisherTrustedAlgorithms: [entry] } }), algorithm({ container: { ...CONTAINER, tag: 'latest' } })], byDid,
      `containerSectionChecksum for algorithm with did ${ALGORITHM_DID} does not match`],
    ['trusted publishers', [dataset({ privacy: { publisherTrustedAlgorithms: [entry], publisherTrustedAlgorithmPublishers: [bob.address] } }), algo], byDid,
      'this algorithm is not from a trusted publisher'],
    ['the algorithm\'s DDO exists', [dataset({ privacy: { allowAllPublishedAlgorithms: true } })], byDid, `Asset for did ${ALGORITHM_DID} not found.`],
    ['the algorithm\'s DDO is an algorithm', [dataset({ privacy: { allowAllPublishedAlgorithms: true } }), algorithm({ type: 'dataset' })], byDid,
      `DID ${ALGORITHM_DID} is not a valid algorithm`],
    ['the algorithm\'s order', [dataset({ privacy: { allowAllPublishedAlgorithms: true } }), algo], { ...byDid, algorithmTransferTxId: '0xunpaid' },
      'Algorithm is already in use or can not be found on chain.'],
    ['the algorithm\'s order needs its transfer', [dataset({ privacy: { allowAllPublishedAlgorithms: true } }), algo], { ...byDid, algorithmTransferTxId: undefined },
      'Algorithm is already in use or can not be found on chain.'],
    ['the algorithm\'s order is of its own datatoken', [dataset({ privacy: { allowAllPublishedAlgorithms: true } }), algo], { ...byDid, algorithmDataToken: DATASET_TOKEN },
      'Algorithm is already in use or can not be found on chain.'],
    ['a raw algorithm\'s container is complete', [dataset()], { algorithmMeta: { rawcode: 'x', container: { ...CONTAINER, tag: '' } } },
      'algorithm `container` must specify values for all of entrypoint, image and tag.'],
    ['a raw algorithm has code', [dataset()], { algorithmMeta: { container: CONTAINER } },
      'algorithmMeta must define one of `url` or `rawcode` or `remote`, but all seem missing.'],
    ['a published algorithm\'s container is complete', [dataset({ privacy: { allowAllPublishedAlgorithms: true } }), algorithm({ container: { image: 'node', tag: '20' } })], byDid,
      'algorithm `container` must specify values for all of entrypoint, image and tag.']
  ]
  for (const [name, ddos, params, error] of rows) {
    const { app, operator } = await serve(t, { ddos })
    const res = await start(app, params)
    t.equal(res.statusCode, 400, name)
    t.same(res.json(), { error }, name)
    t.equal(operator.calls.length, 0, `${name}: nothing reached the operator`)
  }
})

t.test('neither algorithmDid nor algorithmMeta: the route refuses before the terms', async t => {
  const { app } = await serve(t)
  const res = await start(app, { algorithmMeta: undefined })
  t.equal(res.statusCode, 400)
  t.same(res.json(), {
    error: 'The algorithmMeta field is required when algorithmDid is not present.',
    errors: { algorithmMeta: ['The algorithmMeta field is required when algorithmDid is not present.'] }
  })
})

t.test('a trusted publisher, in any case, passes; an algorithm listed with empty checksums passes', async t => {
  const privacy = { publisherTrustedAlgorithms: [{ did: ALGORITHM_DID.toUpperCase().replace('DID:OP:', 'did:op:'), filesChecksum: '', containerSectionChecksum: '' }], publisherTrustedAlgorithmPublishers: [PUBLISHER.toUpperCase().replace('0X', '0x')] }
  const { app } = await serve(t, { ddos: [dataset({ privacy }), algorithm()] })
  const res = await start(app, { algorithmMeta: undefined, algorithmDid: ALGORITHM_DID, algorithmDataToken: ALGORITHM_TOKEN, algorithmTransferTxId: '0xalgo' })
  t.equal(res.statusCode, 200)
})

t.test('algorithmDid with a non-empty algorithmMeta runs the DID\'s algorithm with every check (provider v0.4.x skipped its order)', async t => {
  const ddos = [dataset({ privacy: { allowAllPublishedAlgorithms: true, allowRawAlgorithm: true } }), algorithm()]
  const { app, operator } = await serve(t, { ddos })
  const both = { algorithmDid: ALGORITHM_DID, algorithmDataToken: ALGORITHM_TOKEN, algorithmMeta: { rawcode: 'evil()', container: CONTAINER } }
  let res = await start(app, { ...both, algorithmTransferTxId: '0xunpaid' })
  t.same(res.json(), { error: 'Algorithm is already in use or can not be found on chain.' })
  res = await start(app, { ...both, algorithmTransferTxId: '0xalgo' })
  t.equal(res.statusCode, 200)
  t.same(workflowOf(operator).stages[0]!.algorithm, { id: ALGORITHM_DID, rawcode: '', url: ALGORITHM_URL, container: CONTAINER })
})

t.test('a published algorithm whose files are another provider\'s goes to the operator as remote', async t => {
  const { app, operator } = await serve(t, { ddos: [dataset({ privacy: { allowAllPublishedAlgorithms: true } }), algorithm({ elsewhere: true })] })
  const res = await start(app, { algorithmMeta: undefined, algorithmDid: ALGORITHM_DID, algorithmDataToken: ALGORITHM_TOKEN, algorithmTransferTxId: '0xalgo' })
  t.equal(res.statusCode, 200)
  t.same(workflowOf(operator).stages[0]!.algorithm, {
    id: ALGORITHM_DID, rawcode: '', remote: { serviceEndpoint: 'https://provider.example', txId: '0xalgo', serviceIndex: 1 }, container: CONTAINER
  })
})

t.test('an algorithm ordered through a compute service must have its files here', async t => {
  const algo = algorithm({ elsewhere: true })
  algo.service[1]!.type = 'compute'
  const { app } = await serve(t, { ddos: [dataset({ privacy: { allowAllPublishedAlgorithms: true } }), algo] })
  const res = await start(app, { algorithmMeta: undefined, algorithmDid: ALGORITHM_DID, algorithmDataToken: ALGORITHM_TOKEN, algorithmTransferTxId: '0xalgo' })
  t.same(res.json(), { error: 'Services in algorithm with compute type must be in the same provider you are calling.' })
})

t.test('an algorithm with no service to order, or no files and no service, is refused', async t => {
  const algo = algorithm({ elsewhere: true })
  algo.service.pop()
  const byDid = { algorithmMeta: undefined, algorithmDid: ALGORITHM_DID, algorithmDataToken: ALGORITHM_TOKEN, algorithmTransferTxId: '0xalgo' }
  let { app } = await serve(t, { ddos: [dataset({ privacy: { allowAllPublishedAlgorithms: true } }), algo] })
  t.same((await start(app, byDid)).json(), { error: 'Algorithm is already in use or can not be found on chain.' })
  ;({ app } = await serve(t, { ddos: [dataset({ privacy: { allowAllPublishedAlgorithms: true } }), algo], orders: false }))
  t.same((await start(app, byDid)).json(), { error: `cannot get url for the algorithmDid ${ALGORITHM_DID}` })
})

t.test('without an order verifier orders are not checked, and registration says so', async t => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(line) } } } })
  await app.register(compute, { prefix: PREFIX, operator: new MemoryOperator(), terms: { resolver: hostResolver([dataset()]), privateKey: PROVIDER_KEY } })
  await app.ready()
  t.teardown(() => app.close())
  t.match(lines.join(''), /orders are NOT checked/)
  const res = await start(app, { transferTxId: '0xnever-paid' })
  t.equal(res.statusCode, 200)
})

t.test('the RPC URL, which may carry an API key, is in no answer and no log line when the chain fails', async t => {
  const rpcUrl = `http://127.0.0.1:${await freePort()}/v3/SECRETKEY?apikey=SECRET2`
  const cases: Array<[string, Partial<OceanTermsOptions>]> = [
    ['the order check', { orders: chainOrders({ rpcUrl, confirmations: 0 }) }],
    ['the chain resolver', { resolver: chainDdos({ rpcUrl, metadata: '0x' + '11'.repeat(20) }) }]
  ]
  for (const [name, terms] of cases) {
    const lines: string[] = []
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(line) } } } })
    await app.register(compute, { prefix: PREFIX, operator: new MemoryOperator(), terms: { resolver: hostResolver([dataset()]), privateKey: PROVIDER_KEY, ...terms } })
    t.teardown(() => app.close())
    const res = await start(app, { transferTxId: '0x' + 'ab'.repeat(32) })
    t.equal(res.statusCode, 503, name)
    t.match(lines.join(''), /HTTP request failed.*127\.0\.0\.1:\d+/, `${name}: the log says what failed, and where`)
    t.notMatch(res.body + lines.join(''), /SECRET/, `${name}: but not the URL's path or query`)
  }
})

t.test('an order not final yet is a 503 that tells the consumer to try again, as the README says', async t => {
  const txId = '0x' + 'ab'.repeat(32)
  const stuck: ChainClient = {
    request: async ({ method }) => method === 'eth_chainId' ? '0x1' : method === 'eth_blockNumber' ? '0x5' : { transactionHash: txId, status: '0x1', blockNumber: '0x5', logs: [] }
  }
  const { app } = await serve(t, { orders: false, terms: { orders: chainOrders({ client: stuck, timeout: 200, pollInterval: 20 }) } })
  const res = await start(app, { transferTxId: txId })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: `The order ${txId} is not final yet: try again after a few more blocks.` })
})

t.test('a service without a timeout has no valid order (the reference provider failed on it)', async t => {
  const ddo = dataset()
  delete ddo.service[1]!.attributes.main.timeout
  const { app } = await serve(t, { ddos: [ddo] })
  t.same((await start(app)).json(), { error: 'Order for serviceId 1 is not valid.' })
})

t.test('a DID that is not its datatoken\'s, without a dataToken field, has no valid order', async t => {
  const ddo = dataset({ extra: { id: 'did:op:not-hex' } })
  delete ddo.dataToken
  const { app } = await serve(t, { ddos: [ddo] })
  t.same((await start(app, { documentId: 'did:op:not-hex' })).json(), { error: 'Order for serviceId 1 is not valid.' })
})

t.test('a use taken for an order is given back when the operator refuses the start or a later check refuses it', async t => {
  class FailingOperator extends MemoryOperator {
    override async start (): Promise<never> { throw Object.assign(new Error('no room'), { statusCode: 429 }) }
  }
  let { app, orders } = await serve(t, { operator: new FailingOperator() })
  const res = await start(app)
  t.equal(res.statusCode, 429)
  t.same(res.json(), { error: 'no room' })
  t.equal(orders!.uses, 1)
  t.equal(orders!.released, 1)

  ;({ app, orders } = await serve(t, { ddos: [dataset({ privacy: { allowAllPublishedAlgorithms: true } }), algorithm()] }))
  const refused = await start(app, { algorithmMeta: undefined, algorithmDid: ALGORITHM_DID, algorithmDataToken: ALGORITHM_TOKEN, algorithmTransferTxId: '0xunpaid' })
  t.equal(refused.statusCode, 400)
  t.equal(orders!.uses, 1, 'the dataset\'s order was checked and its use taken')
  t.equal(orders!.released, 1, 'then given back when the algorithm was refused')

  ;({ app, orders } = await serve(t))
  t.equal((await start(app)).statusCode, 200)
  t.equal(orders!.released, 0, 'a started job keeps its use')
})

t.test('a use is kept when the operator may have started the job: it timed out, failed, or the client left mid-start', async t => {
  // Each operator records the job before its answer goes wrong, as a remote one can.
  class LateOperator extends MemoryOperator {
    override async start (request: OperatorStartRequest): Promise<JobStatus[]> {
      const jobs = await super.start(request)
      await new Promise(resolve => setTimeout(resolve, 500))
      return jobs
    }
  }
  let { app, orders, operator } = await serve<MemoryOperator>(t, { operator: new LateOperator(), plugin: { operatorTimeout: 100 } })
  const late = await start(app)
  t.equal(late.statusCode, 503)
  t.equal(operator.jobs.size, 1, 'the job is on the operator')
  t.equal(orders!.released, 0, 'a timed-out start keeps its use, as the README says')

  class FailingAfterStart extends MemoryOperator {
    override async start (request: OperatorStartRequest): Promise<never> {
      await super.start(request)
      throw new Error('connection reset while reading the answer')
    }
  }
  ;({ app, orders, operator } = await serve(t, { operator: new FailingAfterStart() }))
  t.equal((await start(app)).statusCode, 503)
  t.equal(orders!.released, 0, 'an operator that failed after it may have started the job: kept')

  // The http operator aborts its call when the client goes away, and answers 503 (aborted).
  class AbortedOperator extends MemoryOperator {
    override async start (request: OperatorStartRequest, ctx: OperatorContext): Promise<never> {
      await super.start(request)
      await once(ctx.signal, 'abort')
      throw new OperatorUnavailableError('The compute operator call was aborted.')
    }
  }
  ;({ app, orders, operator } = await serve(t, { operator: new AbortedOperator() }))
  const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }))
  const payload = JSON.stringify({
    consumerAddress: alice.address,
    signature: await sign(alice, { documentId: DATASET_DID }),
    documentId: DATASET_DID,
    transferTxId: '0xtx',
    serviceId: '1',
    output: {},
    algorithmMeta: RAW
  })
  const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: COMPUTE_PATH, headers: { 'content-type': 'application/json' } })
  req.on('error', () => {})
  req.end(payload)
  while (operator.jobs.size === 0) await new Promise(resolve => setTimeout(resolve, 10))
  const refused = new Promise(resolve => { diagnostics.subscribe(CHANNELS.start, function done (message) { diagnostics.unsubscribe(CHANNELS.start, done); resolve(message) }) })
  req.destroy()
  t.match(await refused, { outcome: 'refused', statusCode: 503 }, 'the start ended as a 503')
  t.equal(orders!.uses, 1)
  t.equal(orders!.released, 0, 'a client that leaves once the job is sent does not get its use back')
})

t.test('a use is given back when the start reached no operator: the operator-service refused the connection, or the engine was closed', async t => {
  let { app, orders } = await serve<ComputeOperator>(t, { operator: httpOperator({ url: `http://127.0.0.1:${await freePort()}/`, account: provider }) })
  const unreachable = await start(app)
  t.equal(unreachable.statusCode, 503)
  t.same(unreachable.json(), { error: 'The compute operator refused the connection.' })
  t.equal(orders!.uses, 1)
  t.equal(orders!.released, 1, 'nothing was sent: the use is back')

  const dataDir = await mkdtemp(join(tmpdir(), 'compute-give-back-'))
  t.teardown(async () => await rm(dataDir, { recursive: true, force: true }))
  const engine = localOperator({ dataDir })
  ;({ app, orders } = await serve<ComputeOperator>(t, { operator: engine }))
  await engine.close()
  const closed = await start(app)
  t.equal(closed.statusCode, 503)
  t.equal(orders!.released, 1, 'a closed engine made no job: the use is back')
})

t.test('a give-back that fails or hangs is logged and does not change the answer', async t => {
  class FailingOperator extends MemoryOperator {
    override async start (): Promise<never> { throw Object.assign(new Error('no room'), { statusCode: 429 }) }
  }
  const orders = new MemoryOrders().pay('0xtx', DATASET_TOKEN, 1)
  const verify = orders.verify.bind(orders)
  let call = 0
  orders.verify = async (order, ctx) => {
    await verify(order, ctx)
    call++
    return { valid: true, release: call === 1 ? async () => { throw new Error('store down') } : async () => await new Promise<void>(() => {}) }
  }
  const { app } = await serve(t, { operator: new FailingOperator(), orders, plugin: { operatorTimeout: 100 } })
  const began = performance.now()
  t.same((await start(app)).json(), { error: 'no room' })
  t.same((await start(app)).json(), { error: 'no room' })
  t.ok(performance.now() - began < 5000, 'the hung give-back was not waited for beyond operatorTimeout')
})

t.test('faults of the terms\' collaborators answer 503 without their details', async t => {
  const faulty: Array<[string, DdoResolver, string]> = [
    ['a resolver that throws', async () => { throw new Error('http://10.0.0.1:5000 refused') }, `The DDO of ${DATASET_DID} could not be read.`],
    ['a resolver that answers garbage', async () => ({ id: DATASET_DID, service: 'nope' }) as unknown as DDO, `The DDO of ${DATASET_DID} could not be read.`],
    ['a resolver that answers another asset', async () => dataset({ token: SECOND_TOKEN }), `The DDO of ${DATASET_DID} could not be read.`]
  ]
  for (const [name, resolver, error] of faulty) {
    const { app } = await serve(t, { terms: { resolver, cache: false } })
    const res = await start(app)
    t.equal(res.statusCode, 503, name)
    t.same(res.json(), { error }, name)
  }
  const orders = new MemoryOrders()
  orders.fault = new Error('rpc https://mainnet.infura.io/v3/SECRET down')
  const { app } = await serve(t, { orders })
  const res = await start(app)
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'The order could not be checked on chain.' })
})

t.test('the terms end within the plugin\'s operatorTimeout: a hung resolver or a slow chain is a 503', async t => {
  const hung: DdoResolver = async () => await new Promise<undefined>(() => {})
  let { app } = await serve(t, { terms: { resolver: hung }, plugin: { operatorTimeout: 150 } })
  let began = performance.now()
  let res = await start(app)
  t.equal(res.statusCode, 503)
  t.same(res.json(), { error: 'The data owner\'s terms could not be checked within 150 ms.' })
  t.ok(performance.now() - began < 2000)

  const orders = new MemoryOrders().pay('0xtx', DATASET_TOKEN, 1)
  orders.delay = 400
  ;({ app } = await serve(t, { orders, plugin: { operatorTimeout: 150 } }))
  began = performance.now()
  res = await start(app)
  t.same(res.json(), { error: 'The data owner\'s terms could not be checked within 150 ms.' })
  t.ok(performance.now() - began < 2000)

  // A verifier that does not heed the signal: its use, taken after the start failed, is given back.
  const deaf = new MemoryOrders().pay('0xtx', DATASET_TOKEN, 1)
  const verify = deaf.verify.bind(deaf)
  let landed!: () => void
  const landing = new Promise<void>(resolve => { landed = resolve })
  deaf.verify = async order => {
    await new Promise(resolve => setTimeout(resolve, 400))
    const verdict = await verify(order, { signal: new AbortController().signal })
    landed()
    return verdict
  }
  ;({ app } = await serve(t, { orders: deaf, plugin: { operatorTimeout: 150 } }))
  t.equal((await start(app)).statusCode, 503)
  await landing
  await new Promise(resolve => setImmediate(resolve))
  t.equal(deaf.uses, 1)
  t.equal(deaf.released, 1, 'the late verdict\'s use is given back')
})

t.test('a resolver is given the start\'s signal, aborted when the time is up', async t => {
  let seen: AbortSignal | undefined
  const resolver: DdoResolver = async (_did, { signal }) => {
    seen = signal
    return await new Promise<undefined>((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }) })
  }
  const { app } = await serve(t, { terms: { resolver }, plugin: { operatorTimeout: 100 } })
  t.equal((await start(app)).statusCode, 503)
  t.equal(seen?.aborted, true)
})

t.test('DDOs are cached between starts; each start looks a DID up once', async t => {
  let lookups = 0
  const ddos = hostResolver([dataset({ privacy: { allowAllPublishedAlgorithms: true } }), algorithm()])
  const resolver: DdoResolver = async (did, ctx) => { lookups++; return await ddos(did, ctx) }
  const { app } = await serve(t, { terms: { resolver, cache: { max: 10, ttl: 60_000 } } })
  const byDid = { algorithmMeta: undefined, algorithmDid: ALGORITHM_DID, algorithmDataToken: ALGORITHM_TOKEN, algorithmTransferTxId: '0xalgo' }
  t.equal((await start(app, byDid)).statusCode, 200)
  t.equal((await start(app, byDid)).statusCode, 200)
  t.equal(lookups, 2, 'the dataset and the algorithm, once')
  const uncached = await serve(t, { terms: { resolver, cache: false } })
  lookups = 0
  await start(uncached.app, { ...byDid, additionalInputs: [{ documentId: DATASET_DID, transferTxId: '0xtx', serviceId: 1 }] })
  t.equal(lookups, 2, 'a DID named twice in one start is looked up once')
})

t.test('registration checks the terms\' options, naming them', async t => {
  const cases: Array<[ComputePluginOptions, RegExp]> = [
    [{ terms: { resolver: 'x' as never, privateKey: PROVIDER_KEY } }, /terms\.resolver must be a function/],
    [{ terms: { resolver: hostResolver([]), privateKey: '0x12' } }, /terms\.privateKey must be/],
    [{ terms: { resolver: hostResolver([]), privateKey: PROVIDER_KEY, orders: {} as never } }, /terms\.orders must have a verify/],
    [{ terms: { resolver: hostResolver([]), privateKey: PROVIDER_KEY, cache: { ttl: 0 } } }, /terms\.cache\.ttl must be a positive integer, got 0/],
    [{ terms: { resolver: hostResolver([]), privateKey: PROVIDER_KEY, cache: { max: Number.NaN } } }, /terms\.cache\.max must be a positive integer, got NaN/],
    [{ terms: { resolver: hostResolver([]), privateKey: PROVIDER_KEY }, buildWorkflow: () => { throw new Error() } }, /give terms or buildWorkflow, not both/],
    [{ terms: null as never }, /terms\.resolver must be a function/]
  ]
  for (const [options, message] of cases) {
    const app = Fastify()
    await t.rejects(async () => { await app.register(compute, { operator: new MemoryOperator(), ...options }).ready() }, { code: 'FST_COMPUTE_INVALID_OPTION', message })
  }
})

t.test('the URLs decrypted for a DDO follow its encryptedFiles, and what the operator does with a workflow changes no later start', async t => {
  const ddo = dataset()
  const { app, operator } = await serve(t, { ddos: [ddo, algorithm()], terms: { cache: false } })
  const urlsOfStart = (n: number) => (operator.calls[n]!.arg as OperatorStartRequest).workflow.stages[0]!.input[0]!.url
  t.equal((await start(app)).statusCode, 200)
  t.same(urlsOfStart(0), [DATASET_URL])
  // A host that republishes the asset in place: the new files, not the ones decrypted before.
  ddo.service[0]!.attributes.encryptedFiles = encryptFiles([{ url: 'https://data.example/v2.csv' }], provider.publicKey)
  t.equal((await start(app)).statusCode, 200)
  t.same(urlsOfStart(1), ['https://data.example/v2.csv'])
  // An operator (host code) that edits the workflow it was given.
  urlsOfStart(1)!.push('https://attacker.example/')
  t.equal((await start(app)).statusCode, 200)
  t.same(urlsOfStart(2), ['https://data.example/v2.csv'])

  const trusting = await serve(t, { ddos: [dataset({ privacy: { publisherTrustedAlgorithms: [trusted(algorithm())] } }), algorithm()], terms: { cache: { max: 10, ttl: 60_000 } } })
  const byDid = { algorithmMeta: undefined, algorithmDid: ALGORITHM_DID, algorithmDataToken: ALGORITHM_TOKEN, algorithmTransferTxId: '0xalgo' }
  t.equal((await start(trusting.app, byDid)).statusCode, 200)
  const algorithmOf = (n: number) => (trusting.operator.calls[n]!.arg as OperatorStartRequest).workflow.stages[0]!.algorithm
  algorithmOf(0).container!.image = 'edited-by-the-operator'
  const again = await start(trusting.app, byDid)
  t.equal(again.statusCode, 200, 'the cached algorithm DDO still matches its containerSectionChecksum')
  t.same(algorithmOf(1).container, CONTAINER)
})
