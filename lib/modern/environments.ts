import type { FastifyReply, FastifyRequest } from 'fastify'
import { arch, platform } from 'node:os'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ComputeEnvironment } from '../../schemas/modern/environment.js'
import { OperatorUnavailableError } from '../errors.js'
import { operatorAnswer } from '../routes/operator-call.js'
import type { ResolvedNodeOptions } from './options.js'

/** The environment of an operator that describes none (the http operator): free, time-bound, no resources to ask for. */
export function defaultEnvironment (maxJobDuration: number): ComputeEnvironment {
  const anyone = { addresses: [], accessLists: null }
  return {
    id: 'default',
    description: 'The provider\'s compute operator',
    consumerAddress: '',
    platform: { architecture: arch(), os: platform() },
    access: anyone,
    fees: {},
    maxJobDuration,
    resources: [],
    free: { access: anyone, maxJobDuration, resources: [] }
  }
}

const ENVIRONMENTS = TypeCompiler.Compile(Type.Array(ComputeEnvironment))

/**
 * The first problem of `given` as a list of environments, by the schema the routes serve
 * and read them with ('environments.0.free.access: Expected required property'), or
 * undefined: anything short of it would be a 500 when listed or when a free job is asked.
 */
export function environmentsProblem (given: unknown): string | undefined {
  const error = ENVIRONMENTS.Errors(given).First()
  return error === undefined ? undefined : `environments${error.path.replaceAll('/', '.')}: ${error.message}`
}

function checked (answer: unknown): ComputeEnvironment[] {
  if (environmentsProblem(answer) !== undefined) throw new OperatorUnavailableError('The compute operator described its environments wrongly.')
  return answer as ComputeEnvironment[]
}

/** The environments on offer: the options', else the operator's (within its deadline), else the default; the provider's address in each. */
export async function environmentsFor (options: ResolvedNodeOptions, request: FastifyRequest, reply: FastifyReply): Promise<ComputeEnvironment[]> {
  const { operator } = options
  const environments = options.environments ??
    (operator.environments === undefined
      ? [defaultEnvironment(options.maxJobDuration)]
      : await operatorAnswer(request, reply, options.deadlines, 'environments', async ctx => await operator.environments!(ctx), checked))
  return environments.map(env => env.consumerAddress === '' ? { ...env, consumerAddress: options.providerAddress } : env)
}
