import t from 'tap'
import { build, COMPUTE_PATH } from '../helpers/build.js'
import { alice, bob, sign, DID } from '../helpers/sign.js'

const ALGORITHM = { rawcode: 'console.log(1)', container: { entrypoint: 'node $ALGO', image: 'node', tag: '20' }, extra: 'kept' }
const OUTPUT = { publishOutput: 1, publishAlgorithmLog: 1, nodeUri: 'http://chain', metadataUri: 'http://aqua', owner: alice.address }

async function startQuery (overrides: Record<string, string | undefined> = {}) {
  return {
    consumerAddress: alice.address,
    signature: await sign(alice, { documentId: DID }),
    documentId: DID,
    algorithmMeta: JSON.stringify(ALGORITHM),
    output: JSON.stringify(OUTPUT),
    ...overrides
  }
}

t.test('starts a job signed by the consumer and answers it as a one-element array', async t => {
  const { app, operator } = await build()
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ transferTxId: '0xabc' }) })
  t.equal(res.statusCode, 200)
  const jobs = res.json()
  t.equal(jobs.length, 1)
  t.match(jobs[0], { jobId: /^[0-9a-f]{32}$/, owner: alice.address, status: 1, statusText: 'Warming up', agreementId: '0xabc' })
  const call = operator.calls[0]!
  t.equal(call.method, 'start')
  t.match(call.arg, { owner: alice.address, documentId: DID, agreementId: '0xabc' })
})

t.test('passes the algorithm, output and inputs to the operator as the spec workflow', async t => {
  const { app, operator } = await build()
  const inputs = [{ documentId: 'did:op:' + 'b'.repeat(64), transferTxId: '0x1' }, { serviceId: 'no id here' }]
  await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ additionalInputs: JSON.stringify(inputs) }) })
  const { workflow } = operator.calls[0]!.arg as { workflow: unknown }
  t.same(workflow, {
    stages: [{
      index: 0,
      input: [{ index: 0, id: DID, url: [] }, { index: 1, id: 'did:op:' + 'b'.repeat(64), url: [] }],
      compute: { Instances: 1, namespace: 'ocean-compute', maxtime: 3600 },
      algorithm: { ...ALGORITHM, id: '' },
      output: OUTPUT
    }]
  })
})

t.test('accepts the parameters as a JSON body when the query string is empty', async t => {
  const { app } = await build()
  const body = { ...await startQuery(), algorithmMeta: ALGORITHM, output: OUTPUT }
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, payload: body })
  t.equal(res.statusCode, 200)
  t.equal(res.json()[0].owner, alice.address)
})

t.test('reads the query only, never merged with the body', async t => {
  const { app } = await build()
  const query = await startQuery()
  const res = await app.inject({
    method: 'POST',
    url: COMPUTE_PATH,
    query: { consumerAddress: query.consumerAddress, signature: query.signature, documentId: DID, algorithmMeta: query.algorithmMeta },
    payload: { output: OUTPUT }
  })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'The output field is required.')
})

t.test('accepts an algorithmDid instead of algorithmMeta', async t => {
  const { app, operator } = await build()
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ algorithmMeta: undefined, algorithmDid: 'did:op:' + 'c'.repeat(64) }) })
  t.equal(res.statusCode, 200)
  t.equal(res.json()[0].algoDID, 'did:op:' + 'c'.repeat(64))
  t.equal(operator.jobs.size, 1)
})

t.test('takes the first value of a repeated query key, as a real client repeats consumerAddress', async t => {
  const { app } = await build()
  const query = new URLSearchParams(await startQuery() as Record<string, string>)
  query.append('consumerAddress', bob.address)
  const res = await app.inject({ method: 'POST', url: `${COMPUTE_PATH}?${query.toString()}` })
  t.equal(res.statusCode, 200)
  t.equal(res.json()[0].owner, alice.address)
})

t.test('ignores unknown parameters and the literal "undefined" on optional ones', async t => {
  const { app, operator } = await build()
  const signature = await sign(alice)
  const res = await app.inject({
    method: 'POST',
    url: COMPUTE_PATH,
    query: await startQuery({ signature, documentId: 'undefined', jobId: 'undefined', transferTxId: 'undefined', serviceType: 'compute', dataToken: '0x1' })
  })
  t.equal(res.statusCode, 200)
  t.match(operator.calls[0]!.arg, { documentId: undefined, agreementId: undefined })
})

t.test('treats an empty JSON body as no body', async t => {
  const { app } = await build()
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery(), headers: { 'content-type': 'application/json' }, payload: '' })
  t.equal(res.statusCode, 200)
})

t.test('answers 400 with the spec body for missing fields', async t => {
  const { app, operator } = await build()
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, headers: { 'content-type': 'application/json' }, payload: '' })
  t.equal(res.statusCode, 400)
  t.same(res.json(), {
    error: 'The consumerAddress field is required.',
    errors: {
      consumerAddress: ['The consumerAddress field is required.'],
      output: ['The output field is required.'],
      algorithmMeta: ['The algorithmMeta field is required when algorithmDid is not present.']
    }
  })
  t.equal(operator.calls.length, 0)
})

t.test('answers 400 when neither algorithmDid nor algorithmMeta is given', async t => {
  const { app } = await build()
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ algorithmMeta: undefined }) })
  t.equal(res.statusCode, 400)
  t.same(res.json(), {
    error: 'The algorithmMeta field is required when algorithmDid is not present.',
    errors: { algorithmMeta: ['The algorithmMeta field is required when algorithmDid is not present.'] }
  })
})

t.test('answers 400 naming each JSON field that does not parse or is of the wrong kind', async t => {
  const { app } = await build()
  const cases: Array<[string, string, string]> = [
    ['algorithmMeta', '{"rawcode":', 'The algorithmMeta field must be a JSON object.'],
    ['algorithmMeta', '[1,2]', 'The algorithmMeta field must be a JSON object.'],
    ['output', 'not json', 'The output field must be a JSON object.'],
    ['output', 'null', 'The output field must be a JSON object.'],
    ['additionalInputs', '{"documentId":"x"}', 'The additionalInputs field must be a JSON array.'],
    ['output', '{"__proto__":{"polluted":1}}', 'The output field must be a JSON object.'],
    ['output', '{"constructor":{"prototype":{"polluted":1}}}', 'The output field must be a JSON object.']
  ]
  for (const [field, text, message] of cases) {
    const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ [field]: text }) })
    t.equal(res.statusCode, 400, `${field}=${text}`)
    t.same(res.json(), { error: message, errors: { [field]: [message] } }, `${field}=${text}`)
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})

t.test('answers 400 for a malformed consumerAddress and an overlong id', async t => {
  const { app } = await build()
  let res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ consumerAddress: '0x1234' }) })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'The consumerAddress field must be an Ethereum address (0x followed by 40 hex characters).')
  res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ documentId: 'd'.repeat(257) }) })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'The documentId field may not be longer than 256 characters.')
})

t.test('answers 400 for a body of the wrong shape or that is not JSON', async t => {
  const { app, operator } = await build()
  let res = await app.inject({ method: 'POST', url: COMPUTE_PATH, headers: { 'content-type': 'application/json' }, payload: '{"consumerAddress":' })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'Body is not valid JSON but content-type is set to \'application/json\'' }, 'the body is named, with no field list')
  res = await app.inject({ method: 'POST', url: COMPUTE_PATH, payload: { ...await startQuery(), output: OUTPUT, algorithmMeta: { ...ALGORITHM, container: { entrypoint: ['a', 'b'] } } } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'The algorithmMeta.container.entrypoint field must be a string.')
  res = await app.inject({ method: 'POST', url: COMPUTE_PATH, headers: { 'content-type': 'application/xml' }, payload: '<a/>' })
  t.equal(res.statusCode, 415)
  t.same(res.json(), { error: 'Unsupported Media Type' })
  t.equal(operator.calls.length, 0)
})

t.test('rejects a signature from another address with 401', async t => {
  const { app, operator } = await build()
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ signature: await sign(bob, { consumerAddress: alice.address, documentId: DID }) }) })
  t.equal(res.statusCode, 401)
  t.same(res.json(), { error: 'Invalid signature provided.' })
  t.equal(operator.calls.length, 0)
})

t.test('rejects a missing, truncated, non-hex or differently signed signature with 401', async t => {
  const { app, operator } = await build()
  const good = await sign(alice, { documentId: DID })
  const bad = {
    missing: undefined,
    empty: '',
    truncated: good.slice(0, 100),
    'non-hex': '0x' + 'zz'.repeat(65),
    'other message': await sign(alice, { documentId: 'did:op:other' }),
    'v out of range': good.slice(0, -2) + '05',
    'zero r': '0x' + '0'.repeat(128) + '1b'
  }
  for (const [name, signature] of Object.entries(bad)) {
    const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ signature }) })
    t.equal(res.statusCode, 401, name)
    t.same(res.json(), { error: 'Invalid signature provided.' }, name)
  }
  t.equal(operator.calls.length, 0)
})

t.test('accepts v as 0/1 as well as 27/28, and a checksum-free address', async t => {
  const { app } = await build()
  const lower = alice.address.toLowerCase()
  const good = await sign(alice, { consumerAddress: lower, documentId: DID })
  const v01 = good.slice(0, -2) + (parseInt(good.slice(-2), 16) - 27).toString(16).padStart(2, '0')
  for (const signature of [good, v01]) {
    const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ consumerAddress: lower, signature }) })
    t.equal(res.statusCode, 200)
  }
})

t.test('signs the bare address as text when no jobId or documentId is given', async t => {
  const { app } = await build()
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ documentId: undefined, signature: await sign(alice) }) })
  t.equal(res.statusCode, 200)
})

t.test('answers 400 for more additionalInputs than the limit', async t => {
  const { app } = await build()
  const inputs = Array.from({ length: 33 }, (_, i) => ({ documentId: `did:op:${i}` }))
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ additionalInputs: JSON.stringify(inputs) }) })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'The additionalInputs field may not have more than 32 items.')
})

t.test('a start the operator accepted answers 200 with its job, whatever odd fields it has', async t => {
  const { app, operator } = await build()
  const honest = operator.start.bind(operator)
  operator.start = async request => (await honest(request)).map(job => ({
    ...job, status: '1', dateCreated: '1795994197.687832', dateFinished: 'never', results: '', stopreq: 'x', own: { kept: true }
  }) as never)
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery() })
  t.equal(res.statusCode, 200)
  const [job] = res.json()
  t.match(job, { status: 1, dateCreated: 1795994197.687832, results: [], own: { kept: true } })
  t.notOk('dateFinished' in job || 'stopreq' in job, 'what cannot fit is left out')
  t.equal(operator.jobs.size, 1, 'started once')
})

t.test('the operator gets the checksummed owner when the consumer signs with the lower-case address', async t => {
  const { app, operator } = await build()
  const lower = alice.address.toLowerCase()
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery({ consumerAddress: lower, signature: await sign(alice, { consumerAddress: lower, documentId: DID }) }) })
  t.equal(res.statusCode, 200)
  t.equal(operator.calls[0]!.arg.owner, alice.address)
})

t.test('a verifier that vouches for a name other than an address has it passed on as it is', async t => {
  const { app, operator } = await build({ verifier: { verify: () => 'account-7' } })
  const res = await app.inject({ method: 'POST', url: COMPUTE_PATH, query: await startQuery() })
  t.equal(res.statusCode, 200)
  t.equal(operator.calls[0]!.arg.owner, 'account-7')
})

t.test('result links follow the prefix the host mounted the plugin under', async t => {
  const { app, operator } = await build({}, '/custom/ocean')
  const honest = operator.start.bind(operator)
  operator.start = async request => (await honest(request)).map(job => ({ ...job, results: [{ filename: 'a', url: '/api/v1/services/computeResult?index=0' }] }))
  const res = await app.inject({ method: 'POST', url: '/custom/ocean/compute', query: await startQuery() })
  const [job] = res.json()
  t.same(job.results, [{ filename: 'a', index: 0, url: `/custom/ocean/computeResult?consumerAddress=${alice.address}&jobId=${job.jobId}&index=0` }])
})
