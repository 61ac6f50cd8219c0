import t from 'tap'
import { Agent } from 'undici'
import { httpOperator, type HttpOperatorOptions } from '../../../lib/index.js'
import { bob as provider } from '../../helpers/sign.js'

const url = 'http://operator:s3cr3t@operator-service.internal:8050/'

function thrown (options: unknown): { code?: string, message: string } {
  try {
    httpOperator(options as HttpOperatorOptions)
  } catch (err) {
    return err as { code?: string, message: string }
  }
  throw new Error('httpOperator accepted the options')
}

t.test('valid options make an operator with the four methods and close', async t => {
  const operator = httpOperator({ url, account: provider })
  t.same(Object.keys(operator).sort(), ['close', 'delete', 'result', 'start', 'status', 'stop'])
  await operator.close?.()
})

t.test('invalid options are refused at construction with a message naming the option', async t => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['no options', undefined, /httpOperator needs options: \{ url, account \}/],
    ['no url', { account: provider }, /url must be the absolute http\(s\) URL of the operator-service/],
    ['a relative url', { url: 'operator/', account: provider }, /url must be the absolute http\(s\) URL/],
    ['another protocol', { url: 'ftp://operator:s3cr3t@host/', account: provider }, /url must use http: or https:/],
    ['broken credentials', { url: 'http://op%zz:s3cr3t@host/', account: provider }, /credentials in url are not valid percent-encoding/],
    ['no account', { url }, /account must be a viem account/],
    ['an account without signMessage', { url, account: { address: provider.address } }, /account must be a viem account/],
    ['an account with a bad address', { url, account: { ...provider, address: 'provider' } }, /account must be a viem account/],
    ['a zero timeout', { url, account: provider, headersTimeout: 0 }, /headersTimeout must be a positive integer, got 0/],
    ['a fractional timeout', { url, account: provider, connectTimeout: 1.5 }, /connectTimeout must be a positive integer, got 1.5/],
    ['a text timeout', { url, account: provider, bodyTimeout: '5000' }, /bodyTimeout must be a positive integer, got 5000/],
    ['a timeout longer than a Node timer waits', { url, account: provider, connectTimeout: 2 ** 31 }, /connectTimeout must be at most 2147483647 ms/],
    ['a negative pool', { url, account: provider, connections: -1 }, /connections must be a positive integer, got -1/],
    ['an infinite size', { url, account: provider, maxResponseSize: Infinity }, /maxResponseSize must be a positive integer, got Infinity/],
    ['a dispatcher that is not one', { url, account: provider, dispatcher: {} }, /dispatcher must be an undici Dispatcher/]
  ]
  for (const [name, options, message] of cases) {
    const err = thrown(options)
    t.equal(err.code, 'FST_COMPUTE_INVALID_OPTION', name)
    t.match(err.message, message, name)
    t.notMatch(err.message, /s3cr3t|operator-service\.internal|host/, `${name}: the url is not repeated`)
  }
})

t.test('connectTimeout and connections are refused next to a host dispatcher, which configures them itself', async t => {
  const dispatcher = new Agent()
  t.teardown(() => dispatcher.close())
  t.match(thrown({ url, account: provider, dispatcher, connections: 4 }).message,
    /connections configures the pool httpOperator creates; with a dispatcher, configure the dispatcher instead/)
  t.match(thrown({ url, account: provider, dispatcher, connectTimeout: 100 }).message, /connectTimeout configures the pool/)
  const operator = httpOperator({ url, account: provider, dispatcher, headersTimeout: 100, bodyTimeout: 100 })
  await operator.close?.()
  t.equal(dispatcher.closed, false, 'the host dispatcher is left open')
})
