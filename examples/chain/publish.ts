// The example's assets published on chain as ocean.js 0.9/0.11 publish them: a datatoken
// per asset (DTFactory.createToken, from the publisher), then `Metadata.create` of the DDO
// (flags 0x01: LZMA-compressed), whose files are encrypted for the provider's key as its
// POST /encrypt would have encrypted them. The datasets' compute service trusts the
// algorithm with its checksums; the consumer and the payer hold 100 of each datatoken.
import type { Address } from 'viem'
import { exampleDdos, type ExampleDids } from '../terms/assets.js'
import { accounts, compressDDO, Metadata, type Ocean } from './contracts.js'

/** The sample dataset, the strict one and the algorithm on `ocean`'s chain, for a provider at `origin` with `publicKey`; their DIDs. */
export async function publishExample (ocean: Ocean, origin: string, publicKey: string): Promise<ExampleDids> {
  const datatokens: Address[] = []
  for (let i = 0; i < 3; i++) datatokens.push(await ocean.datatoken(accounts.publisher))
  const [sample, strict, algorithm] = datatokens.map(datatoken => `did:op:${datatoken.slice(2)}`) as [string, string, string]
  const dids = { sample, strict, algorithm }
  const ddos = exampleDdos(origin, publicKey, dids)
  for (const [index, ddo] of ddos.entries()) {
    const published = { '@context': 'https://w3id.org/did/v1', ...ddo, created: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }
    await ocean.send(accounts.publisher, ocean.metadata, Metadata.abi, 'create', [datatokens[index], '0x01', compressDDO(published)])
  }
  return dids
}
