import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { HttpOperatorOptions } from '../../../lib/index.js'
import { operatorService } from '../../helpers/operator-service.js'
import { bob as provider } from '../../helpers/sign.js'
import { closedPort, faultServer, silentServer, type Fault } from './fault-server.js'
import { jobs, serve, startJob } from './setup.js'

const TIMEOUT = 300
// undici checks its connect, headers and body timers about once a second
// (lib/util/timers.js), so a timeout fires up to a second after it is due.
const TIMER_RESOLUTION = 1000
const BOUND = TIMEOUT + TIMER_RESOLUTION + 700
const SHORT = { connectTimeout: TIMEOUT, headersTimeout: TIMEOUT, bodyTimeout: TIMEOUT, maxResponseSize: 1024 }

const fault = await faultServer()
const silent = await silentServer()
const service = await operatorService({ allowedProviders: [provider.address.toLowerCase()] })
const healthy = await serve({ url: service.url, account: provider })
t.teardown(async () => {
  await healthy.close()
  await Promise.all([fault.close(), silent.close(), service.close()])
})

interface Case {
  /** What the operator-service does, or where the url points. */
  fault: Fault | (() => Promise<string>)
  error: string
  options?: Partial<HttpOperatorOptions>
}

const cases: Record<string, Case> = {
  'refuses the connection': { fault: async () => `http://127.0.0.1:${await closedPort()}/`, error: 'The compute operator refused the connection.' },
  'cannot be resolved': { fault: async () => 'http://operator-service.invalid:8050/', error: 'The compute operator could not be resolved.' },
  'does not finish the TLS handshake': { fault: async () => `https://127.0.0.1:${silent.port}/`, error: 'The compute operator did not connect in time.' },
  'speaks plain HTTP to https': { fault: async () => fault.url.replace('http:', 'https:'), error: 'The compute operator could not be reached.' },
  hangs: { fault: 'hang', error: 'The compute operator did not answer in time.' },
  'stalls after the headers': { fault: 'stall', error: 'The compute operator stalled while sending its answer.' },
  'answers 500': { fault: 'error500', error: 'The compute operator answered 500.' },
  'answers something other than JSON': { fault: 'not-json', error: 'The compute operator answered something other than JSON.' },
  'answers an object': { fault: 'not-a-list', error: 'The compute operator answered something other than a list of jobs.' },
  'answers something other than HTTP': { fault: 'not-http', error: 'The compute operator answered something other than HTTP.' },
  'answers more than maxResponseSize': { fault: 'huge', error: "The compute operator's answer exceeded 1024 bytes." },
  'announces more than the default 8 MiB': {
    fault: 'huge-declared',
    error: "The compute operator's answer exceeded 8388608 bytes.",
    options: { maxResponseSize: undefined }
  },
  'resets the connection': { fault: 'reset', error: 'The compute operator closed the connection without answering.' },
  'closes the connection mid-answer': { fault: 'reset-mid-body', error: 'The compute operator closed the connection mid-answer.' }
}

async function expectFault (t: Test, app: FastifyInstance, error: string, port: string) {
  for (const [route, send] of [['POST', startJob], ['GET', jobs]] as const) {
    const began = Date.now()
    const res = await send(app)
    const elapsed = Date.now() - began
    t.equal(res.statusCode, 503, `${route}: 503`)
    t.same(res.json(), { error }, `${route}: the error names what failed`)
    t.notMatch(res.body, new RegExp(`127\\.0\\.0\\.1|\\.invalid|http|${port}`), `${route}: no URL, host or port`)
    t.ok(elapsed < BOUND, `${route}: answered in ${elapsed} ms, within ${BOUND} ms`)
  }
}

for (const [name, { fault: what, error, options }] of Object.entries(cases)) {
  t.test(`an operator-service that ${name} gives 503 "${error}"`, async t => {
    fault.fault = typeof what === 'string' ? what : 'ok'
    const url = typeof what === 'string' ? fault.url : await what()
    const app = await serve({ url, account: provider, ...SHORT, ...options }, { operatorTimeout: 30_000 })
    t.teardown(() => app.close())
    await expectFault(t, app, error, new URL(url).port || '8050')

    // The process is healthy: the next request to a working operator-service succeeds.
    const res = await jobs(healthy)
    t.equal(res.statusCode, 200, 'a request to the healthy operator-service succeeds')
    if (typeof what === 'string') {
      fault.fault = 'ok'
      t.equal((await jobs(app)).statusCode, 200, 'and the same transport recovers once its operator-service does')
    }
  })
}
