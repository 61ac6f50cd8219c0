import t from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import { typed } from '../../lib/routes/common.js'
import { paramsRoute } from '../../lib/routes/params-route.js'
import { validatorCompiler } from '../../lib/validation.js'
import { errorHandler } from '../../lib/error-handler.js'
import { defaultLimits } from '../../schemas/params.js'

const querystring = Type.Object({ name: Type.String({ maxLength: 5 }), count: Type.Optional(Type.Integer()) })

// A route as a new one would be written: all it does is answer the parameters it is handed.
async function server (spec?: { limits: typeof defaultLimits, bodyLimit: number }) {
  const app = Fastify()
  app.setValidatorCompiler(validatorCompiler())
  app.setErrorHandler(errorHandler)
  const calls: unknown[] = []
  paramsRoute(typed(app), {
    method: 'POST',
    url: '/thing',
    schema: { querystring },
    spec,
    check: params => params.count === 13 ? { count: ['The count field may not be 13.'] } : undefined,
    async handler (params) {
      calls.push(params)
      return params
    }
  })
  await app.ready()
  return { app, calls }
}

// The spec's 400 for `query`, with the handler never called.
async function refused (t: Test, query: Record<string, string>, body: unknown): Promise<void> {
  const { app, calls } = await server({ limits: defaultLimits, bodyLimit: 1024 })
  const res = await app.inject({ method: 'POST', url: '/thing', query })
  t.equal(res.statusCode, 400)
  t.same(res.json(), body)
  t.equal(calls.length, 0)
}

t.test('a route\'s handler never runs on parameters that fail validation, and the client gets the spec\'s 400', async t => {
  await refused(t, { name: 'toolong', count: 'x' }, {
    error: 'The name field may not be longer than 5 characters.',
    errors: { name: ['The name field may not be longer than 5 characters.'], count: ['The count field must be a whole number.'] }
  })
})

t.test('the route\'s own check is reported beside the schema\'s problems', async t => {
  await refused(t, { count: '13' }, {
    error: 'The name field is required.',
    errors: { name: ['The name field is required.'], count: ['The count field may not be 13.'] }
  })
})

t.test('with the spec\'s reading, valid parameters come from a JSON body under the body limit', async t => {
  const { app, calls } = await server({ limits: defaultLimits, bodyLimit: 64 })
  let res = await app.inject({ method: 'POST', url: '/thing', payload: { name: 'abc', count: 2 } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { name: 'abc', count: 2 })
  t.same(calls, [{ name: 'abc', count: 2 }])
  res = await app.inject({ method: 'POST', url: '/thing', payload: { name: 'abc', pad: 'x'.repeat(100) } })
  t.equal(res.statusCode, 413)
  t.equal(calls.length, 1)
})

t.test('without it, the parameters are the query string alone', async t => {
  const { app } = await server()
  const res = await app.inject({ method: 'POST', url: '/thing', payload: { name: 'abc' } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'The name field is required.')
})
