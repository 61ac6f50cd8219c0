import type { FastifyRequest } from 'fastify'
import type { StartParams } from '../../schemas/params.js'
import { TermsTimeoutError } from '../errors.js'
import type { BuildWorkflowInput } from '../workflow.js'

/**
 * The input of one start's buildWorkflow. Its signal is made when a builder first reads
 * it (the default builder never does, and a timer per start costs), then aborted after
 * `timeout` ms. What the builder asks to give back is given back by `giveBack`, when the
 * operator refuses or fails the job.
 */
export class WorkflowBuild implements BuildWorkflowInput {
  readonly #giveBacks: Array<() => Promise<void>> = []
  #controller: AbortController | undefined
  #timer: NodeJS.Timeout | undefined

  constructor (
    readonly params: StartParams,
    readonly address: string,
    readonly request: FastifyRequest,
    readonly timeout: number
  ) {}

  get signal (): AbortSignal {
    if (this.#controller === undefined) {
      const controller = this.#controller = new AbortController()
      this.#timer = setTimeout(() => { controller.abort(new TermsTimeoutError(this.timeout)) }, this.timeout)
    }
    return this.#controller.signal
  }

  readonly onStartFailed = (giveBack: () => Promise<void>): void => { this.#giveBacks.push(giveBack) }

  /** The workflow is built (or refused): its timer ends. */
  end (): void {
    clearTimeout(this.#timer)
  }

  /**
   * Gives back what the builder took, each at most `timeout` ms; a failure is logged,
   * never thrown over the error that made the start fail.
   */
  async giveBack (): Promise<void> {
    await Promise.all(this.#giveBacks.map(async giveBack => {
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([giveBack(), new Promise((_resolve, reject) => {
          timer = setTimeout(() => { reject(new Error(`not given back within ${this.timeout} ms`)) }, this.timeout)
        })])
      } catch (err) {
        this.request.log.warn({ err }, 'a use of an order could not be given back after the start failed')
      } finally {
        clearTimeout(timer)
      }
    }))
  }
}
