import t from 'tap'
import { normaliseJob, normaliseJobs } from '../../lib/operator/normalise.js'

const base = { jobId: 'a', status: 1, statusText: 'Warming up' }

t.test('the real operator-service\'s answer on PostgreSQL 14+ becomes the spec\'s job', async t => {
  const job = normaliseJob({
    agreementId: '0xfeed',
    jobId: 'a',
    owner: '0xAb',
    status: 70,
    statusText: 'Job completed',
    dateCreated: '1795994197.687832',
    dateFinished: '1795994200',
    results: '',
    stopreq: 1,
    removed: 0,
    algoDID: 'raw',
    inputDID: ['did:op:1']
  })
  t.same(job, {
    agreementId: '0xfeed',
    jobId: 'a',
    owner: '0xAb',
    status: 70,
    statusText: 'Job completed',
    dateCreated: 1795994197.687832,
    dateFinished: 1795994200,
    results: [],
    stopreq: 1,
    removed: 0,
    algoDID: 'raw',
    inputDID: ['did:op:1']
  })
})

t.test('numbers as text become numbers; null dates stay null; fields of its own pass', async t => {
  t.same(normaliseJob({ ...base, status: '40', stopreq: '0', removed: ' 1 ', dateFinished: null, exitCode: 3, extra: { a: [1] } }),
    { ...base, status: 40, stopreq: 0, removed: 1, dateFinished: null, exitCode: 3, extra: { a: [1] } })
})

t.test('a field that cannot fit its type is left out, never serialized wrong', async t => {
  const odd = {
    owner: 7,
    agreementId: null,
    documentId: ['x'],
    algoDID: {},
    inputDID: ['ok', 2],
    dateCreated: 'yesterday',
    dateFinished: '',
    stopreq: 'no',
    removed: 0.5,
    resultsUrl: [1],
    algorithmLogUrl: {},
    resultsDid: null
  }
  t.same(normaliseJob({ ...base, ...odd }), base)
  t.same(normaliseJob({ ...base, statusText: 40 }), { ...base, statusText: '' }, 'a statusText that is not text is empty')
  t.same(normaliseJob({ ...base, resultsUrl: 'u', algorithmLogUrl: ['l'] }), { ...base, resultsUrl: 'u', algorithmLogUrl: ['l'] })
})

t.test('results: a list of file objects, their fields made to fit; anything else is none', async t => {
  const results = [
    { filename: 'out.csv', filesize: '12', type: 'output', url: 'x' },
    { filename: 3, filesize: 'big', type: null },
    'not an entry',
    null
  ]
  t.same(normaliseJob({ ...base, results })!.results, [{ filename: 'out.csv', filesize: 12, type: 'output', url: 'x' }, {}])
  for (const none of ['', null, 'x', {}]) t.same(normaliseJob({ ...base, results: none })!.results, [], JSON.stringify(none))
  t.notOk('results' in normaliseJob(base)!, 'absent stays absent')
})

t.test('what is no job at all is refused: the answer is garbage', async t => {
  for (const garbage of [null, 'a', [], { status: 1 }, { jobId: 1, status: 1 }, { jobId: 'a' }, { jobId: 'a', status: 'running' }, { jobId: 'a', status: '' }, { jobId: 'a', status: 1.5 }]) {
    t.equal(normaliseJob(garbage), undefined, JSON.stringify(garbage))
  }
  t.equal(normaliseJobs({ jobs: [] }), undefined)
  t.equal(normaliseJobs([base, null]), undefined, 'one bad job spoils the answer')
  t.same(normaliseJobs([]), [])
})

t.test('the operator\'s objects are not changed', async t => {
  const answer = { ...base, dateCreated: '1', results: [{ filesize: '2' }] }
  normaliseJob(answer)
  t.same(answer, { ...base, dateCreated: '1', results: [{ filesize: '2' }] })
})

t.test('a job that fits is passed on as it is; one that does not is fixed in a copy, the operator\'s object untouched', async t => {
  const fits = { ...base, owner: '0xAb', dateCreated: 1, dateFinished: null, inputDID: ['did:op:1'], resultsUrl: ['u'], custom: { x: 1 } }
  t.equal(normaliseJob(fits), fits, 'the same object: no copy on the common path')
  for (const [field, value] of [['dateCreated', '1.5'], ['stopreq', '1'], ['owner', 7], ['inputDID', ['a', 1]], ['results', []]] as const) {
    const job: Record<string, unknown> = { ...fits, [field]: value }
    const fixed = normaliseJob(job)
    t.not(fixed, job, `${field}: a copy`)
    t.equal(job[field], value, `${field}: the operator's object keeps its value`)
  }
})
