// What the README's snippets take as given: the host's app, its operator, its clients.
// Only type-checked, never run.
import type { FastifyInstance } from 'fastify'
import type { ComputeOperator, OrderVerifier, PostgresNonceClient, RedisNonceClient, RedisOrderUseClient } from 'fastify-ocean-compute'

export declare const app: FastifyInstance & {
  redis: RedisNonceClient // @fastify/redis
  pg: { pool: PostgresNonceClient } // @fastify/postgres
}
export declare const operator: ComputeOperator
export declare const orders: OrderVerifier
export declare const redis: RedisOrderUseClient
export declare const signal: AbortSignal
