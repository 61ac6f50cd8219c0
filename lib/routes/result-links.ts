import type { JobStatus } from '../../schemas/job.js'
import type { TypedInstance } from './common.js'

// A log of the operator-service (`algorithmLog`) or of the bundled engines (`log`).
const LOG_TYPES: ReadonlySet<unknown> = new Set(['algorithmLog', 'log'])

/**
 * Links every result of `jobs` (fresh copies from operatorJobs) to this plugin's own
 * computeResult route, under its prefix, relative to the provider's origin: `index` and
 * `url` on each entry, and the reference provider's `resultsUrl` (the outputs) and
 * `algorithmLogUrl` (the log) from them. Operators do not know where the plugin is
 * mounted, so whatever URL they gave is replaced; a job without a `results` list keeps
 * its own. Links name `consumerAddress` as the client sent it: the client adds its
 * signature of `consumerAddress + jobId + index`, written as it writes it.
 */
export function resultLinker (fastify: TypedInstance): (jobs: JobStatus[], consumerAddress: string) => JobStatus[] {
  const base = `${fastify.prefix}/computeResult?consumerAddress=`
  return function linkResults (jobs, consumerAddress) {
    for (const job of jobs) {
      if (job.results === undefined) continue
      // toWellFormed: a lone surrogate, valid in JSON, would make encodeURIComponent throw (a 500).
      const link = `${base}${consumerAddress}&jobId=${encodeURIComponent(job.jobId.toWellFormed())}&index=`
      const outputs: string[] = []
      let log = ''
      job.results.forEach((entry, index) => {
        const url = entry.url = link + index
        entry.index = index
        if (LOG_TYPES.has(entry.type)) log ||= url
        else outputs.push(url)
      })
      job.resultsUrl = outputs
      job.algorithmLogUrl = log
    }
    return jobs
  }
}
