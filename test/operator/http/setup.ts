import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import compute, { httpOperator, type ComputePluginOptions, type HttpOperatorOptions, type OperatorContext } from '../../../lib/index.js'
import { defaultBuildWorkflow } from '../../../lib/workflow.js'
import { PREFIX, COMPUTE_PATH } from '../../helpers/build.js'
import { operatorService, type OperatorService, type OperatorServiceOptions } from '../../helpers/operator-service.js'
import { alice, bob, sign, DID } from '../../helpers/sign.js'

const log = Fastify().log

/** A context for calling an operator directly, its signal never aborted. */
export const ctx = (): OperatorContext => ({ signal: new AbortController().signal, log })

/** The workflow of Alice's raw-code start on DID, as the routes build it. */
export const workflow = defaultBuildWorkflow({
  params: { consumerAddress: alice.address, documentId: DID, output: {}, algorithmMeta: { rawcode: 'print(1)' } },
  address: alice.address,
  request: undefined as never
})

/**
 * An operator-service stand-in that checks provider signatures and accepts only Bob's
 * (SIGNATURE_REQUIRED=1, ALLOWED_PROVIDERS=[bob]), closed when `t` ends.
 */
export async function standIn (t: Test, options: OperatorServiceOptions = {}): Promise<OperatorService> {
  const service = await operatorService({ allowedProviders: [bob.address.toLowerCase()], ...options })
  t.teardown(() => service.close())
  return service
}

/** A server with the plugin under the real clients' prefix, its operator an httpOperator. */
export async function serve (operator: HttpOperatorOptions, plugin: ComputePluginOptions = {}, server: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(server)
  await app.register(compute, { prefix: PREFIX, operator: httpOperator(operator), ...plugin })
  await app.ready()
  return app
}

/** POST compute as a real client sends it: Alice starts raw code on `documentId`, without a transferTxId. */
export async function startJob (app: FastifyInstance, documentId = DID): Promise<LightMyRequestResponse> {
  return await app.inject({
    method: 'POST',
    url: COMPUTE_PATH,
    payload: {
      consumerAddress: alice.address,
      signature: await sign(alice, { documentId }),
      documentId,
      output: { publishOutput: 0 },
      algorithmMeta: { rawcode: 'print(1)', container: { entrypoint: 'python $ALGO', image: 'python', tag: '3.12' } }
    }
  })
}

/** GET, PUT or DELETE compute, signed by Alice. */
export async function jobs (app: FastifyInstance, method: 'GET' | 'PUT' | 'DELETE' = 'GET', jobId?: string): Promise<LightMyRequestResponse> {
  return await app.inject({
    method,
    url: COMPUTE_PATH,
    query: { consumerAddress: alice.address, signature: await sign(alice, { jobId }), ...(jobId === undefined ? {} : { jobId }) }
  })
}
