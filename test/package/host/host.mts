// An ESM TypeScript host: the options and hooks are typed from the published declarations.
import Fastify from 'fastify'
import compute, {
  fastifyOceanCompute, defaultLimits, defaultBuildWorkflow, errors,
  type ComputeOperator, type ComputePluginOptions, type ParamLimits, type BuildWorkflow, type ErrorBody
} from 'fastify-ocean-compute'

const operator: ComputeOperator = {
  start: async () => [],
  status: async query => [{ jobId: 'j1', status: 70, statusText: 'Job finished', owner: query.owner }],
  stop: async () => [],
  delete: async () => []
}
const limits: Partial<ParamLimits> = { idLength: defaultLimits.idLength * 2 }
const buildWorkflow: BuildWorkflow = input => {
  input.request.log.info({ consumer: input.params.consumerAddress }, 'workflow for %s', input.address)
  return defaultBuildWorkflow(input)
}
const options: ComputePluginOptions = { operator, limits, buildWorkflow }

const app = Fastify()
app.decorate('computeOperator', operator)
// The plugin's `declare module 'fastify'` reached this host's one fastify: the decorator is typed.
export const decorated: ComputeOperator | undefined = app.computeOperator
await app.register(compute, options)
await app.register(fastifyOceanCompute, { prefix: '/v2', operator })
// @ts-expect-error an option of the wrong type is refused: the options are not `any`
await app.register(compute, { operatorTimeout: 'soon' })
// @ts-expect-error httpStatusOf is internal, not one of the public errors
errors.httpStatusOf(new Error('x'))
export const refused: ErrorBody = { error: new errors.InvalidParamsError('bad').message }
