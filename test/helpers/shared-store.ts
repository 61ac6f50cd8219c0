import type { Test } from 'tap'
import { request } from 'undici'
import { alice } from './sign.js'
import { until } from './until.js'
import { PREFIX } from './build.js'
import { spawnScript } from './process.js'

/** A provider process (test/helpers/replay-provider.ts) with `env`; its URL once it listens. Killed after `t`. */
async function provider (t: Test, env: Record<string, string>): Promise<string> {
  const child = spawnScript('test/helpers/replay-provider.ts', env)
  t.teardown(() => { child.kill('SIGKILL') })
  return await until(() => {
    if (child.exitCode !== null) throw new Error(`the provider exited: ${child.output()}`)
    return /listening (http:\/\/\S+)/.exec(child.output())?.[1]
  }, 'a provider process to listen', 90_000, 50) // tsx compiles on start: slow on a loaded machine
}

async function send (origin: string, query: Record<string, string>): Promise<number> {
  const { statusCode, body } = await request(new URL(`${PREFIX}/compute`, origin), {
    method: 'POST', query: { output: '{}', algorithmDid: 'did:op:x', ...query }
  })
  await body.dump()
  return statusCode
}

/**
 * Two Fastify processes with one store (`env` tells them where it is): 100 concurrent
 * copies of one signed request, split between them, in each nonce form.
 */
export async function checkSharedBetweenProcesses (t: Test, env: Record<string, string>): Promise<void> {
  const origins = await Promise.all([provider(t, env), provider(t, env)])
  const nonceAt = async (origin: string) => await (await request(new URL(`${PREFIX}/nonce?userAddress=${alice.address}`, origin))).body.json()

  const held = { consumerAddress: alice.address, signature: await alice.signMessage({ message: alice.address + '0' }) }
  const sent = { consumerAddress: alice.address, nonce: '1700000000000', signature: await alice.signMessage({ message: alice.address + '1700000000000' }) }
  for (const [form, query, after] of [['provider-held', held, 1], ['client-sent', sent, 1700000000001]] as const) {
    const answers = await Promise.all(Array.from({ length: 100 }, async (_, i) => await send(origins[i % 2]!, query)))
    t.equal(answers.filter(code => code === 200).length, 1, `${form}: exactly one of 100 copies over two processes is accepted`)
    t.equal(answers.filter(code => code === 401).length, 99, `${form}: the others are refused`)
    t.same(await Promise.all(origins.map(nonceAt)), [{ nonce: after }, { nonce: after }], `${form}: both processes see the nonce advanced`)
  }
}
