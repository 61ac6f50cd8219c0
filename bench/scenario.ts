import Fastify, { type FastifyInstance } from 'fastify'
import type { Request } from 'autocannon'
import compute, { type ComputePluginOptions } from '../lib/index.js'
import { BenchOperator } from './operator.js'

/** Where the real clients find the compute routes. */
export const URL = '/api/v1/services/compute'

/** An Ethereum address, as the plugin's schema has it. */
export const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/** One comparison: the same request, sent over and over to the plugin and to what it is measured against. */
export interface Scenario {
  name: string
  /** What autocannon sends to both sides. */
  request (): Promise<Request>
  /**
   * The two servers; each runs in a child process of its own, so that the load
   * generator never shares their event loop. `upstream` is the stand-in's URL.
   */
  plugin (upstream?: string): Promise<FastifyInstance>
  baseline (upstream?: string): Promise<FastifyInstance>
  /** A server both sides call (an operator-service stand-in), in a child process of its own too. */
  standIn? (): Promise<FastifyInstance>
  /** Requests sent to the fresh sides (their base URLs) before the warm-up; what it answers is reported. */
  probe? (sides: Record<'plugin' | 'baseline', string>, upstream: string): Promise<unknown>
  /** What each side has asked of the stand-in so far, by method: reported per request over the rounds. */
  calls? (upstream: string): Promise<Calls>
}

/** Calls each side made, by method. */
export type Calls = Record<'plugin' | 'baseline', Record<string, number>>

/** The three kinds of server a scenario may start. */
export type Role = 'plugin' | 'baseline' | 'standIn'

/** A query string; the values are URI-encoded. */
export function query (params: Record<string, string>): string {
  return new URLSearchParams(params).toString()
}

/** The plugin as a host registers it, over the bench operator unless `options` name another. */
export async function pluginServer (options: ComputePluginOptions = {}): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(compute, { prefix: '/api/v1/services', operator: new BenchOperator(), ...options })
  return app
}
