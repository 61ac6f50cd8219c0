import type { Test } from 'tap'
import { anvilBinary, spawnAnvil } from '../../examples/chain/anvil.js'
import { serverMissing } from './servers.js'

/**
 * A throwaway anvil (a real EVM, from npm's @foundry-rs/anvil) on 127.0.0.1, with its
 * ten well-known funded accounts, stopped at the end of `t`; undefined (the test
 * skipped or failed) when npm did not install it for this platform.
 */
export async function startAnvil (t: Test, args: string[] = []): Promise<{ url: string } | undefined> {
  const binary = anvilBinary()
  if (binary === undefined) {
    serverMissing(t, `anvil (npm @foundry-rs/anvil for ${process.platform}-${process.arch})`)
    return undefined
  }
  const node = await spawnAnvil(binary, 0, args)
  t.teardown(() => { node.process.kill('SIGKILL') })
  return { url: node.url }
}
