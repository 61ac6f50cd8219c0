// A compute-to-data provider in one file: `npm run example`.
//
// Fastify with its logger, the plugin under the prefix real Ocean clients use,
// `GET /` with the provider's info as the reference provider answers it, and the
// embedded local engine running a bundled sample dataset. COMPUTE_ENGINE=docker runs
// each job in a container instead (Docker's socket from DOCKER_HOST, or the default);
// OPERATOR_SERVICE_URL hands jobs to an Ocean operator-service. REPLAY_PROTECTION=1 makes
// each signed request work once (the nonces of ocean.js clients): recommended, since without
// it a captured signature works for every action (a status poll's signature deletes the job).
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Fastify, { type FastifyInstance } from 'fastify'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import compute, {
  aquariusResolver, defaultBuildWorkflow, dockerOperator, errors, httpOperator, localOperator, memoryNonceStore, nonceVerifier, personalSignVerifier,
  type BuildWorkflow, type ComputeOperator
} from 'fastify-ocean-compute'
import { allowedImages } from './allowed-images.js'
import { EXAMPLE_DATASETS, exampleAssets, serveExampleFiles } from './terms/assets.js'
import { chainFromEnv, chainTerms, type ChainConfig } from './chain/provider.js'
import { encryptRoute } from './terms/encrypt.js'
import { SAMPLE_DID, SAMPLE_PATH } from './data/sample.js'
import { DOCUMENTATION, registerDocumentation } from './documentation.js'
import { NODE_PREFIX, registerNodeWire } from './node-wire.js'
import { registerOperations } from './metrics.js'
import { limitPerConsumer, registerRateLimit, type RateLimits } from './rate-limit.js'

export const PREFIX = '/api/v1/services'

/** Where each route lives, in the shape of the reference provider's `serviceEndpoints`. */
export const SERVICE_ENDPOINTS = {
  computeDelete: ['DELETE', `${PREFIX}/compute`],
  computeResult: ['GET', `${PREFIX}/computeResult`],
  computeStart: ['POST', `${PREFIX}/compute`],
  computeStatus: ['GET', `${PREFIX}/compute`],
  computeStop: ['PUT', `${PREFIX}/compute`]
} as const

/** Listed too with replay protection: clients that find it sign the provider's current nonce. */
export const NONCE_ENDPOINT = { nonce: ['GET', `${PREFIX}/nonce`] } as const

/** The datasets this provider publishes: documentId to file URL. */
const DATASETS: Readonly<Record<string, string>> = { [SAMPLE_DID]: pathToFileURL(SAMPLE_PATH).href }

export interface ProviderConfig {
  port: number
  host: string
  /** Job folders and job records of the local engine. */
  dataDir: string
  /** An Ocean operator-service to run the jobs instead of the local engine. */
  operatorServiceUrl?: string
  /** 'docker': jobs in containers (dockerOperator) rather than local processes. */
  engine?: 'local' | 'docker'
  /** The images the container engine allows (ALLOWED_IMAGES); default: the node and python images. */
  images?: string[]
  /** The provider's key (0x and 64 hex characters); a fresh one when absent. */
  privateKey?: `0x${string}`
  /**
   * Each signed request works once (a nonce store in memory: one process). Recommended.
   * Off, the provider keeps the plain contract, for clients that never heard of nonces,
   * and a captured signature works for every action; the plugin warns at startup.
   */
  replayProtection?: boolean
  /** The data owner's terms: the datasets are DDOs (examples/terms/assets.ts), checked as the reference provider checks them. */
  terms?: boolean
  /** With the terms, DDOs from this Aquarius instead of the example's own. */
  aquariusUrl?: string
  /** Requests a minute per client address and per verified consumer (README, Running in production). */
  rateLimits?: RateLimits
  /** Paid orders checked on a chain (NETWORK_URL and the others, examples/chain/provider.ts): the terms with DDOs from the chain or Aquarius. */
  chain?: ChainConfig
  logger?: boolean
}

/** The configuration from the environment (PORT, HOST, DATA_DIR, COMPUTE_ENGINE, ALLOWED_IMAGES, OPERATOR_SERVICE_URL, PROVIDER_PRIVATE_KEY, REPLAY_PROTECTION, TERMS, AQUARIUS_URL, RATE_LIMIT_PER_CLIENT, RATE_LIMIT_PER_CONSUMER, and NETWORK_URL with examples/chain/provider.ts's). */
export function configFromEnv (env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  return {
    port: Number(env.PORT ?? 8030),
    host: env.HOST ?? '127.0.0.1',
    dataDir: env.DATA_DIR ?? join(tmpdir(), 'fastify-ocean-compute'),
    operatorServiceUrl: env.OPERATOR_SERVICE_URL || undefined,
    engine: env.COMPUTE_ENGINE === 'docker' ? 'docker' : 'local',
    images: allowedImages(env),
    privateKey: (env.PROVIDER_PRIVATE_KEY || undefined) as `0x${string}` | undefined,
    replayProtection: env.REPLAY_PROTECTION === '1',
    terms: env.TERMS === '1',
    aquariusUrl: env.AQUARIUS_URL || undefined,
    rateLimits: { perClient: Number(env.RATE_LIMIT_PER_CLIENT) || undefined, perConsumer: Number(env.RATE_LIMIT_PER_CONSUMER) || undefined },
    chain: chainFromEnv(env)
  }
}

// Resolving documentIds is the host's business (spec section 4): here a fixed
// list. A real provider would also check that the consumer paid (transferTxId).
const buildWorkflow: BuildWorkflow = input => {
  const workflow = defaultBuildWorkflow(input)
  for (const item of workflow.stages.flatMap(stage => stage.input)) {
    const url = DATASETS[item.id]
    if (url === undefined) throw new errors.UnknownDocumentError(item.id)
    item.url = [url]
  }
  return workflow
}

/** The provider, ready to listen, and the address it signs as. */
export async function buildProvider (config: ProviderConfig): Promise<{ app: FastifyInstance, providerAddress: string }> {
  const privateKey = config.privateKey ?? generatePrivateKey()
  const account = privateKeyToAccount(privateKey)
  const app = Fastify({ logger: config.logger ?? true })
  const paid = config.chain === undefined ? undefined : await chainTerms(config.chain, privateKey)
  const withTerms = config.terms === true || paid !== undefined
  // A remote operator-service must be able to fetch the dataset URLs: a file URL
  // works only for the local engine.
  // The container engine pulls what the consumer's algorithm names, within its allow-list
  // (ALLOWED_IMAGES, else the node and python images); its socket comes from DOCKER_HOST or the default.
  // buildWorkflow puts only this provider's own dataset URLs in the workflow: trusted, though
  // they are file: URLs (a consumer's algorithm URL stays held to public addresses).
  // With the terms the DDOs' files, the published algorithm's too, are served by this very
  // provider on its own address: allowed on purpose, which also lets a consumer's algorithm URL
  // reach it. A provider whose files live elsewhere leaves allowAddresses empty.
  const downloads = { trustInputUrls: true, allowAddresses: withTerms ? ['127.0.0.1', '::1'] : [] }
  const operator: ComputeOperator = config.operatorServiceUrl !== undefined
    ? httpOperator({ url: config.operatorServiceUrl, account })
    : config.engine === 'docker'
      ? dockerOperator({ dataDir: config.dataDir, pull: true, log: app.log, images: config.images, downloads })
      : localOperator({ dataDir: config.dataDir, downloads })

  // Graceful shutdown: closing, Node ends the keep-alive connections that are idle, not
  // the ones busy with a request; Fastify 5 would keep those open for keepAliveTimeout
  // (72 s) after their answer (fastify/fastify#7044). So what is answered while closing
  // says `Connection: close`, and a connection whose answer began before ends with it.
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close')
    return payload
  })
  app.addHook('onResponse', async request => { if (closing) request.raw.socket.end() })
  const { version } = createRequire(import.meta.url)('fastify-ocean-compute/package.json') as { version: string }
  const software = 'fastify-ocean-compute example provider'
  await registerDocumentation(app, { title: software, version })
  app.get('/', { schema: { summary: 'The provider\'s address, its datasets and where each route is', tags: ['provider'] } }, async () => ({
    software,
    version,
    documentation: DOCUMENTATION,
    providerAddress: account.address,
    computeOperator: config.operatorServiceUrl === undefined ? config.engine ?? 'local' : 'operator-service',
    datasets: config.terms === true ? EXAMPLE_DATASETS : Object.keys(DATASETS),
    terms: config.terms === true,
    serviceEndpoints: config.replayProtection === true ? { ...SERVICE_ENDPOINTS, ...NONCE_ENDPOINT } : SERVICE_ENDPOINTS,
    currentWire: NODE_PREFIX,
    ...paid?.info()
  }))
  const nonceStore = config.replayProtection === true ? memoryNonceStore() : undefined
  // With the terms, publishers encrypt their files for this provider, as with the reference provider.
  if (withTerms) encryptRoute(app, PREFIX, account.publicKey)
  if (paid !== undefined) serveExampleFiles(app)
  const terms = paid?.terms ?? (config.terms !== true
    ? undefined
    : { resolver: config.aquariusUrl !== undefined ? aquariusResolver({ url: config.aquariusUrl }) : exampleAssets(app, () => app.listeningOrigin, account.publicKey), privateKey })
  // Running in production (README): /metrics, /health, rate limits before and after the signature.
  await registerOperations(app, { operator, nonceStore })
  await registerRateLimit(app, config.rateLimits)
  // The per-consumer limit sits in the signature check, so the nonce checks stay the plugin's.
  const checkSignature = limitPerConsumer(undefined, config.rateLimits)
  const verifier = nonceStore === undefined ? personalSignVerifier({ checkSignature }) : nonceVerifier(nonceStore, { checkSignature })
  await app.register(compute, { prefix: PREFIX, operator, nonceStore, verifier, ...(terms === undefined ? { buildWorkflow } : { terms }) })
  await registerNodeWire(app, operator, buildWorkflow, account.address)
  return { app, providerAddress: account.address }
}

// The operator URL may carry a password (user:password@host); the console is no place for it.
function withoutCredentials (url: string): string {
  const parsed = new URL(url)
  parsed.username = ''
  parsed.password = ''
  return parsed.href
}

async function main (): Promise<void> {
  const config = configFromEnv()
  const { app, providerAddress } = await buildProvider(config)
  const address = await app.listen({ port: config.port, host: config.host })
  console.log([
    '',
    `  Provider listening at ${address}`,
    `  provider address  ${providerAddress}${config.privateKey === undefined ? ' (a fresh key: set PROVIDER_PRIVATE_KEY to keep one)' : ''}`,
    `  compute operator  ${config.operatorServiceUrl === undefined ? `${config.engine === 'docker' ? 'container' : 'local'} engine, jobs in ${config.dataDir}` : withoutCredentials(config.operatorServiceUrl)}`,
    config.chain === undefined ? `  sample dataset    ${SAMPLE_DID}` : `  orders checked on ${new URL(config.chain.networkUrl).origin}, ${config.chain.jobsPerOrder ?? 'any number of'} job(s) per order`,
    `  API in a browser  ${address}${DOCUMENTATION}`,
    '',
    '  Run a job on it:  npm run example:consumer',
    ''
  ].join('\n'))

  // Closing stops running jobs (recorded as interrupted) before the process ends.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info({ signal }, 'closing')
      app.close().catch(err => {
        app.log.error({ err }, 'close failed')
        process.exitCode = 1
      })
    })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
