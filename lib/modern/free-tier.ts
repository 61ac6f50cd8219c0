import type { ComputeEnvironment, EnvironmentResource } from '../../schemas/modern/environment.js'
import { AccessDeniedError, InvalidParamsError } from '../errors.js'

/** What a free job asked for beyond its algorithm and data. */
export interface FreeAsk {
  resources?: Array<{ id: string, amount: number }> | undefined
  maxJobDuration?: number | undefined
}

/** What a free job gets: every resource of the tier with its amount, and its time. */
export interface FreeGrant {
  resources: Array<{ id: string, amount: number }>
  maxJobDuration: number
}

function refuse (message: string): Error {
  return new InvalidParamsError(message)
}

function allowed (addresses: readonly string[], consumer: string): boolean {
  const lower = consumer.toLowerCase()
  return addresses.length === 0 || addresses.some(address => address.toLowerCase() === lower)
}

/**
 * The free tier's terms for `consumer` in `environment`, as ocean-node applies them: 403
 * for a consumer the tier is not open to (an empty list opens it to anyone), 400 for an
 * environment without a free tier and for any resource asked beyond what one free job may
 * have (or that the environment does not have: nothing asked is dropped), and the job's
 * time clamped to the tier's. A resource not asked for gets its minimum.
 */
export function freeGrant (environment: ComputeEnvironment, consumer: string, ask: FreeAsk): FreeGrant {
  const free = environment.free
  if (free === undefined) throw refuse(`The environment ${environment.id} runs no free jobs.`)
  if (!allowed(free.access.addresses, consumer)) throw new AccessDeniedError('Access denied')
  const limits = new Map<string, EnvironmentResource>()
  for (const resource of environment.resources) limits.set(resource.id, resource)
  for (const resource of free.resources) limits.set(resource.id, resource)
  const asked = new Map<string, number>()
  for (const { id, amount } of ask.resources ?? []) {
    if (!limits.has(id)) throw refuse(`The environment ${environment.id} has no ${id} resource.`)
    asked.set(id, amount)
  }
  const resources = [...limits.values()].map(({ id, min, max }) => {
    const amount = Math.max(asked.get(id) ?? min, min)
    if (amount > max) throw refuse(`Not enough ${id} resources. Requested ${amount}, but max is ${max}`)
    return { id, amount }
  })
  const maxJobDuration = ask.maxJobDuration === undefined ? free.maxJobDuration : Math.min(ask.maxJobDuration, free.maxJobDuration)
  return { resources, maxJobDuration }
}
