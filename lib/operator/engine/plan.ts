import { UnknownAlgorithmError, UnknownDocumentError } from '../../errors.js'
import type { OperatorStartRequest } from '../types.js'
import type { Entrypoint } from './entrypoint.js'
import { isHttpUrl } from './fetch.js'
import { isSafeDocumentId } from './layout.js'
import type { ResolvedEngineOptions } from './options.js'
import type { JobRecord } from './record.js'
import type { AlgorithmRunner } from './runner.js'

/** What a job needs to run, worked out (and refused with a 400) before it is queued. */
export interface JobPlan {
  /** Each dataset with the sources of its files (file 0, 1, ...). */
  inputs: Array<{ documentId: string, sources: string[] }>
  algorithm: { rawcode: string } | { url: string }
  algoDID: string
  entrypoint: Entrypoint
  container: JobRecord['container']
  maxSeconds: number
}

function sourcesOf ({ id, url = [] }: { id: string, url?: string[] }, datasets: ReadonlyMap<string, string>): string[] {
  // Sources in the workflow come from the host's buildWorkflow hook; the map is the fallback.
  const known = datasets.get(id)
  const sources = url.length > 0 ? url : known === undefined ? [] : [known]
  if (sources.length === 0 || !isSafeDocumentId(id)) throw new UnknownDocumentError(id)
  return sources
}

function algorithmOf ({ rawcode, url }: { rawcode?: string, url?: string }): JobPlan['algorithm'] {
  if (typeof rawcode === 'string' && rawcode !== '') return { rawcode }
  if (typeof url === 'string' && isHttpUrl(url)) return { url }
  // Consumers choose the algorithm: a file: URL or a path would hand them the server's files.
  throw new UnknownAlgorithmError(url === undefined || url === ''
    ? 'The algorithm needs rawcode or a url: this provider does not resolve algorithm DIDs.'
    : 'The algorithm url must be an http(s) URL.')
}

/** Reads the first stage of a workflow; later stages are not run. The runner reads the entrypoint. */
export function planJob ({ workflow }: OperatorStartRequest, options: ResolvedEngineOptions, runner: AlgorithmRunner): JobPlan {
  const stage = workflow.stages[0]
  if (stage === undefined) throw new UnknownAlgorithmError('The workflow has no stage to run.')
  const { entrypoint, image, tag } = stage.algorithm.container ?? {}
  const maxtime = stage.compute.maxtime
  return {
    inputs: stage.input.map(input => ({ documentId: input.id, sources: sourcesOf(input, options.datasets) })),
    algorithm: algorithmOf(stage.algorithm),
    algoDID: stage.algorithm.id === '' ? 'raw' : stage.algorithm.id,
    entrypoint: runner.entrypoint(entrypoint),
    container: { entrypoint, image, tag },
    maxSeconds: maxtime > 0 ? Math.min(maxtime, options.maxJobSeconds) : options.maxJobSeconds
  }
}
