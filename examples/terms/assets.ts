// The example provider's assets as Ocean V3 DDOs, and the routes that serve their files.
//
// - the sample dataset (SAMPLE_DID): a compute service that costs 1 datatoken, for an hour,
//   open to raw algorithms and to the bundled sample algorithm (trusted with its checksums);
// - a second dataset (STRICT_DID), the same data, that refuses raw algorithms: only the
//   trusted sample algorithm runs on it;
// - the sample algorithm (ALGORITHM_DID), weather-summary.cjs, published with its container.
//
// The file URLs are the provider's own (it serves the files under /examples/), encrypted
// for the provider's key as a publisher's client would have them encrypted by
// POST /api/v1/services/encrypt: the DDOs are made at the first lookup, once the
// provider's address is known.
import { readFile } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import { containerSectionChecksum, encryptFiles, filesChecksum, hostResolver, type DdoResolver } from 'fastify-ocean-compute'
import { SAMPLE_DID, SAMPLE_PATH } from '../data/sample.js'
import { ALGORITHM_DID, datatokenOf, STRICT_DID } from './dids.js'

export { ALGORITHM_DID, STRICT_DID }
const ALGORITHM_PATH = new URL('../algorithms/weather-summary.cjs', import.meta.url)
const CONTAINER = { entrypoint: 'node $ALGO', image: 'node', tag: '20-alpine' }

const DATA_ROUTE = '/examples/data/sample.csv'
const ALGORITHM_ROUTE = '/examples/algorithms/weather-summary.cjs'

function metadata (type: 'dataset' | 'algorithm', name: string, encryptedFiles: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'metadata',
    index: 0,
    attributes: {
      main: { type, name, dateCreated: '2024-01-01T00:00:00Z', author: 'fastify-ocean-compute', license: 'CC0', files: [{ index: 0, contentType: type === 'dataset' ? 'text/csv' : 'text/javascript' }], ...extra },
      encryptedFiles
    }
  }
}

function computeService (origin: string, privacy: Record<string, unknown>) {
  return {
    type: 'compute',
    index: 1,
    serviceEndpoint: origin,
    attributes: { main: { name: 'compute', creator: 'fastify-ocean-compute', cost: '1', timeout: 3600, privacy } }
  }
}

/** The assets' DIDs: the fixed ones, or those of datatokens made on a chain (examples/chain/publish.ts). */
export interface ExampleDids { sample: string, strict: string, algorithm: string }

/** The DDOs (the sample dataset, the strict one, the algorithm), for a provider at `origin` whose public key is `publicKey`. */
export function exampleDdos (origin: string, publicKey: string, dids: ExampleDids = { sample: SAMPLE_DID, strict: STRICT_DID, algorithm: ALGORITHM_DID }): Array<{ id: string }> {
  const algorithmFiles = encryptFiles([{ url: new URL(ALGORITHM_ROUTE, origin).href, index: 0, contentType: 'text/javascript' }], publicKey)
  const algorithmMetadata = metadata('algorithm', 'Weather summary', algorithmFiles, { algorithm: { language: 'js', format: 'docker-image', version: '0.1', container: CONTAINER } })
  const algorithm = {
    id: dids.algorithm,
    dataToken: datatokenOf(dids.algorithm),
    service: [
      algorithmMetadata,
      { type: 'access', index: 1, serviceEndpoint: origin, attributes: { main: { name: 'access', cost: '1', timeout: 0 } } }
    ]
  }
  const trusted = {
    did: dids.algorithm,
    filesChecksum: filesChecksum(algorithmFiles, algorithmMetadata.attributes.main.files),
    containerSectionChecksum: containerSectionChecksum(CONTAINER)
  }
  const dataFiles = encryptFiles([{ url: new URL(DATA_ROUTE, origin).href, index: 0, contentType: 'text/csv' }], publicKey)
  const dataset = (did: string, name: string, allowRawAlgorithm: boolean) => ({
    id: did,
    dataToken: datatokenOf(did),
    service: [
      metadata('dataset', name, dataFiles),
      computeService(origin, { allowRawAlgorithm, allowNetworkAccess: false, allowAllPublishedAlgorithms: false, publisherTrustedAlgorithms: [trusted] })
    ]
  })
  return [dataset(dids.sample, 'Weather readings', true), dataset(dids.strict, 'Weather readings (trusted algorithms only)', false), algorithm]
}

/** The routes that serve the files the DDOs name, on the provider's own address. */
export function serveExampleFiles (app: FastifyInstance): void {
  app.get(DATA_ROUTE, { schema: { hide: true } }, async (_request, reply) => await reply.type('text/csv').send(await readFile(SAMPLE_PATH)))
  app.get(ALGORITHM_ROUTE, { schema: { hide: true } }, async (_request, reply) => await reply.type('text/javascript').send(await readFile(ALGORITHM_PATH)))
}

/**
 * A resolver of the example's DDOs, made at the first lookup from the address the
 * provider listens at (`origin()`), and the routes that serve the files they name.
 */
export function exampleAssets (app: FastifyInstance, origin: () => string, publicKey: string): DdoResolver {
  serveExampleFiles(app)
  let resolver: DdoResolver | undefined
  return async (did, ctx) => {
    resolver ??= hostResolver(exampleDdos(origin(), publicKey))
    return await resolver(did, ctx)
  }
}

/** The datasets, for the provider's root page. */
export const EXAMPLE_DATASETS = [SAMPLE_DID, STRICT_DID]
