import t from 'tap'
import type { ErrorObject } from 'ajv'
import { schemaProblems, invalidParams } from '../lib/validation.js'
import { ADDRESS_PATTERN } from '../schemas/params.js'

const problem = (keyword: string, instancePath: string, params: Record<string, unknown>): ErrorObject =>
  ({ keyword, instancePath, params, schemaPath: '' })

t.test('writes one sentence per problem, named by the field\'s path', async t => {
  t.same(schemaProblems([
    problem('required', '', { missingProperty: 'output' }),
    problem('required', '/algorithmMeta/container', { missingProperty: 'image' }),
    problem('type', '/output', { type: 'object' }),
    problem('type', '/additionalInputs', { type: 'array' }),
    problem('type', '/jobId', { type: 'string' }),
    problem('type', '/count', { type: 'integer' }),
    problem('type', '/when', { type: 'null' }),
    problem('pattern', '/consumerAddress', { pattern: ADDRESS_PATTERN }),
    problem('pattern', '/serviceId', { pattern: '^[0-9]+$' }),
    problem('maxLength', '/jobId', { limit: 256 }),
    problem('maxItems', '/additionalInputs', { limit: 32 }),
    problem('minimum', '/index', { limit: 0 })
  ]), {
    output: ['The output field is required.', 'The output field must be a JSON object.'],
    'algorithmMeta.container.image': ['The algorithmMeta.container.image field is required.'],
    additionalInputs: ['The additionalInputs field must be a JSON array.', 'The additionalInputs field may not have more than 32 items.'],
    jobId: ['The jobId field must be a string.', 'The jobId field may not be longer than 256 characters.'],
    count: ['The count field must be a whole number.'],
    when: ['The when field must be null.'],
    consumerAddress: ['The consumerAddress field must be an Ethereum address (0x followed by 40 hex characters).'],
    serviceId: ['The serviceId field has an invalid format.'],
    index: ['The index field is invalid.']
  })
})

t.test('the 400 leads with the first problem and lists them all', async t => {
  const err = invalidParams({ a: ['A is wrong.', 'A is long.'], b: ['B is missing.'] })
  t.equal(err.statusCode, 400)
  t.equal(err.code, 'FST_COMPUTE_INVALID_PARAMS')
  t.equal(err.message, 'A is wrong.')
  t.same(err.errors, { a: ['A is wrong.', 'A is long.'], b: ['B is missing.'] })
})
