import t, { type Test } from 'tap'
import { errors, type ComputeEnvironment } from '../../lib/index.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, bob, DID } from '../helpers/sign.js'
import { ALGORITHM, nodeApp, nodeSign, PREFIX, signedParams, storedNonce } from './helpers.js'

const anyone = { addresses: [], accessLists: null }
const ENV: ComputeEnvironment = {
  id: 'small',
  consumerAddress: '',
  platform: { architecture: 'x64', os: 'linux' },
  access: anyone,
  fees: {},
  resources: [{ id: 'cpu', total: 4, min: 1, max: 4 }, { id: 'ram', total: 8, min: 0.5, max: 8 }],
  free: { access: anyone, maxJobDuration: 60, resources: [{ id: 'cpu', total: 4, min: 1, max: 1 }] }
}
const PAID_ONLY: ComputeEnvironment = { ...ENV, id: 'paid-only', free: undefined }
const ALICE_ONLY: ComputeEnvironment = { ...ENV, id: 'alice-only', free: { ...ENV.free!, access: { addresses: [alice.address.toLowerCase()], accessLists: null } } }

async function setup (t: Test) {
  const operator = new MemoryOperator()
  const app = await nodeApp(t, operator, { environments: [ENV, PAID_ONLY, ALICE_ONLY], providerAddress: alice.address })
  const start = async (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    await app.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, headers, payload: { environment: 'small', algorithm: ALGORITHM, datasets: [{ documentId: DID }], ...body } })
  return { operator, app, start }
}

t.test('starts a free job within the free tier and answers it as ocean-node does', async t => {
  const { operator, app, start } = await setup(t)
  const res = await start({ ...await signedParams(app, 'freeStartCompute'), metadata: { name: 'run 1' }, additionalViewers: [bob.address], queueMaxWaitTime: 5 })
  t.equal(res.statusCode, 200, res.body)
  const [job] = res.json()
  t.same(Object.keys(job).sort(), ['additionalViewers', 'agreementId', 'algoDID', 'algoDuration', 'algoStartTimestamp', 'algoStopTimestamp', 'dateCreated', 'dateFinished',
    'did', 'environment', 'inputDID', 'isFree', 'jobId', 'maxJobDuration', 'metadata', 'owner', 'queueMaxWaitTime', 'resources', 'results', 'status', 'statusText',
    'stopRequested', 'terminationDetails'])
  t.match(job, {
    owner: alice.address,
    did: DID,
    status: 1,
    statusText: 'Job queued',
    dateFinished: null,
    results: [],
    inputDID: [DID],
    algoDID: 'raw',
    environment: 'small',
    metadata: { name: 'run 1' },
    maxJobDuration: 60,
    queueMaxWaitTime: 5,
    stopRequested: false,
    resources: [{ id: 'cpu', amount: 1 }, { id: 'ram', amount: 0.5 }],
    isFree: true,
    additionalViewers: [bob.address],
    terminationDetails: { exitCode: null, OOMKilled: false }
  })
  t.match(job.dateCreated, /^\d+(\.\d+)?$/, 'dateCreated is epoch seconds as text')
  t.equal(await storedNonce(app), 1)
  const { workflow, owner } = operator.calls[0]!.arg as { workflow: { stages: Array<{ compute: { maxtime: number }, input: Array<{ id: string }> }> }, owner: string }
  t.equal(owner, alice.address)
  t.equal(workflow.stages[0]!.compute.maxtime, 60, 'the free tier\'s time when none is asked for')
  t.same(workflow.stages[0]!.input.map(input => input.id), [DID])
})

t.test('maxJobDuration is clamped to the free tier\'s; a shorter one is kept', async t => {
  const { operator, app, start } = await setup(t)
  t.equal((await start({ ...await signedParams(app, 'freeStartCompute'), maxJobDuration: 3600 })).json()[0].maxJobDuration, 60)
  t.equal((await start({ ...await signedParams(app, 'freeStartCompute'), maxJobDuration: 9.5 })).json()[0].maxJobDuration, 9.5)
  const maxtimes = operator.calls.map(call => (call.arg as { workflow: { stages: Array<{ compute: { maxtime: number } }> } }).workflow.stages[0]!.compute.maxtime)
  t.same(maxtimes, [60, 10], 'the operator gets whole seconds, rounded up')
})

t.test('refuses, with the whole body: bad signature, spent nonce, no credentials', async t => {
  const { operator, app, start } = await setup(t)
  const forged = await start({ consumerAddress: alice.address, nonce: '1', signature: await nodeSign(bob, 1, 'freeStartCompute', 'bytes', alice.address) })
  t.equal(forged.statusCode, 401)
  t.same(forged.json(), { error: 'consumer address and nonce signature mismatch' })
  t.equal(await storedNonce(app), 0, 'a forged request does not move the nonce')

  const params = await signedParams(app, 'freeStartCompute')
  t.equal((await start(params)).statusCode, 200)
  const replay = await start(params)
  t.equal(replay.statusCode, 401)
  t.same(replay.json(), { error: 'nonce: 1 is not a valid nonce' })

  const bare = await start({ consumerAddress: alice.address })
  t.equal(bare.statusCode, 401)
  t.same(bare.json(), { error: 'Invalid authentication, you need to provide either a token or an address, signature and nonce' })
  t.equal(operator.calls.filter(call => call.method === 'start').length, 1, 'only the good request started a job')
})

t.test('refuses resources beyond the free tier, and resources the environment lacks', async t => {
  const { operator, app, start } = await setup(t)
  const greedy = await start({ ...await signedParams(app, 'freeStartCompute'), resources: [{ id: 'cpu', amount: 2 }] })
  t.equal(greedy.statusCode, 400)
  t.same(greedy.json(), { error: 'Not enough cpu resources. Requested 2, but max is 1' })
  const gpu = await start({ ...await signedParams(app, 'freeStartCompute'), resources: [{ id: 'gpu', amount: 1 }] })
  t.equal(gpu.statusCode, 400)
  t.same(gpu.json(), { error: 'The environment small has no gpu resource.' })
  const ram = await start({ ...await signedParams(app, 'freeStartCompute'), resources: [{ id: 'ram', amount: 0.1 }] })
  t.same(ram.json()[0].resources, [{ id: 'cpu', amount: 1 }, { id: 'ram', amount: 0.5 }], 'less than the minimum gets the minimum')
  t.equal(operator.calls.length, 1)
})

t.test('refuses unknown environments, environments without a free tier, and tiers not open to the consumer', async t => {
  const { app, start } = await setup(t)
  const unknown = await start({ ...await signedParams(app, 'freeStartCompute'), environment: 'nope' })
  t.equal(unknown.statusCode, 400)
  t.same(unknown.json(), { error: 'There is no compute environment nope.' })
  const paid = await start({ ...await signedParams(app, 'freeStartCompute'), environment: 'paid-only' })
  t.equal(paid.statusCode, 400)
  t.same(paid.json(), { error: 'The environment paid-only runs no free jobs.' })
  const denied = await start({ ...await signedParams(app, 'freeStartCompute', bob), environment: 'alice-only' })
  t.equal(denied.statusCode, 403)
  t.same(denied.json(), { error: 'Access denied' })
  t.equal((await start({ ...await signedParams(app, 'freeStartCompute'), environment: 'alice-only' })).statusCode, 200)
})

t.test('says what it does not do instead of dropping it, and names every malformed field', async t => {
  const { operator, app, start } = await setup(t)
  const output = await start({ ...await signedParams(app, 'freeStartCompute'), output: { remoteStorage: { type: 's3' } }, outputBucketId: 'b', encryptedDockerRegistryAuth: 'x' })
  t.equal(output.statusCode, 400)
  t.same(output.json(), {
    error: 'The output field is not supported: results stay with this provider (GET computeResult).',
    errors: {
      output: ['The output field is not supported: results stay with this provider (GET computeResult).'],
      outputBucketId: ['The outputBucketId field is not supported: results stay with this provider (GET computeResult).'],
      encryptedDockerRegistryAuth: ['The encryptedDockerRegistryAuth field is not supported: this provider runs the images it allows.']
    }
  })
  const big = await start({ ...await signedParams(app, 'freeStartCompute'), metadata: { note: 'x'.repeat(1100) }, datasets: [{ fileObject: { type: 'url', url: 'http://169.254.169.254/' } }], algorithm: {} })
  t.same(big.json(), {
    error: 'The metadata field may not be longer than 1024 bytes of JSON.',
    errors: {
      metadata: ['The metadata field may not be longer than 1024 bytes of JSON.'],
      'datasets.0.documentId': ['Each dataset needs a documentId: this provider runs only its own datasets.'],
      'algorithm.meta': ['The algorithm needs meta (rawcode and container) or a documentId.']
    }
  })
  const malformed = await start({ consumerAddress: 'alice', resources: [{ id: 'cpu', amount: -1 }], additionalViewers: ['bob'] })
  t.equal(malformed.statusCode, 400)
  t.same(malformed.json(), {
    error: 'The consumerAddress field must be an Ethereum address (0x followed by 40 hex characters).',
    errors: {
      consumerAddress: ['The consumerAddress field must be an Ethereum address (0x followed by 40 hex characters).'],
      'resources.0.amount': ['The resources.0.amount field is invalid.'],
      'additionalViewers.0': ['The additionalViewers.0 field must be an Ethereum address (0x followed by 40 hex characters).']
    }
  })
  const none = await app.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, headers: { 'content-type': 'application/json' }, payload: '' })
  t.equal(none.statusCode, 400)
  t.same(none.json(), { error: 'A JSON body is required.', errors: { body: ['A JSON body is required.'] } })
  for (const [type, payload] of [['application/json', '[1,2]'], ['application/json', '"text"'], ['text/plain', 'hello']] as const) {
    const other = await app.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, headers: { 'content-type': type }, payload })
    t.equal(other.statusCode, 400, payload)
    t.same(other.json(), { error: 'The body must be a JSON object.', errors: { body: ['The body must be a JSON object.'] } }, payload)
  }
  t.equal(operator.calls.length, 0)
  t.equal(await storedNonce(app), 0, 'no nonce is spent on a request refused for its parameters')
})

t.test('a token stands for its holder\'s signature, and only for its holder', async t => {
  const { app, start } = await setup(t)
  const issue = async (account = alice) => (await app.inject({ method: 'POST', url: `${PREFIX}/auth/token`, payload: { ...await signedParams(app, 'createAuthToken', account), address: account.address, consumerAddress: undefined } })).json().token as string
  const aliceToken = await issue(alice)
  const bobToken = await issue(bob)
  const ok = await start({ consumerAddress: alice.address, signature: null }, { authorization: aliceToken })
  t.equal(ok.statusCode, 200, ok.body)
  t.equal(ok.json()[0].owner, alice.address)
  t.equal((await start({ consumerAddress: alice.address }, { authorization: `Bearer ${aliceToken}` })).statusCode, 200, 'with Bearer too')
  const stolen = await start({ consumerAddress: alice.address }, { authorization: bobToken })
  t.equal(stolen.statusCode, 403)
  t.same(stolen.json(), { error: 'Access denied: the token was issued to another address.' })
  const forged = await start({ consumerAddress: alice.address }, { authorization: aliceToken.slice(0, -2) + 'AA' })
  t.equal(forged.statusCode, 401)
  t.same(forged.json(), { error: 'Invalid token' })
})

t.test('a dataset the host does not serve is the host\'s 400; an operator failure a 503', async t => {
  const operator = new MemoryOperator()
  const app = await nodeApp(t, operator, {
    environments: [ENV],
    buildWorkflow: () => { throw new errors.UnknownDocumentError('did:op:nope') }
  })
  const res = await app.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, payload: { ...await signedParams(app, 'freeStartCompute'), environment: 'small', algorithm: ALGORITHM, datasets: [{ documentId: 'did:op:nope' }] } })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'The documentId did:op:nope is not a dataset of this provider.' })

  operator.start = async () => { throw new Error('connect ECONNREFUSED 10.1.2.3:8050') }
  const broken = await nodeApp(t, operator, { environments: [ENV] })
  const down = await broken.inject({ method: 'POST', url: `${PREFIX}/freeCompute`, payload: { ...await signedParams(broken, 'freeStartCompute'), environment: 'small', algorithm: { documentId: 'did:op:algo' }, datasets: [] } })
  t.equal(down.statusCode, 503)
  t.same(down.json(), { error: 'The compute operator failed.' })
})
