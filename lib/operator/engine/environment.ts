import { arch, platform } from 'node:os'
import type { ComputeEnvironment, EnvironmentResource } from '../../../schemas/modern/environment.js'
import type { ResolvedEngineOptions } from './options.js'

const GB = 1024 ** 3

/** What one job of an engine may use: what the machine has for a process, what a container is given. */
export interface JobShare {
  cpus: number
  ramBytes: number
  /** What the machine has, when a job's share is less. */
  totalCpus: number
  totalRamBytes: number
}

/**
 * The one compute environment an embedded engine offers the current wire: a job gets
 * `share` of cpu and ram, its outputs as disk, its `maxJobSeconds`; the free tier is all of
 * it, open to anyone, as many jobs at once as the engine runs.
 */
export function engineEnvironment (id: string, description: string, options: ResolvedEngineOptions, share: JobShare): ComputeEnvironment {
  const resource = (name: string, total: number, max: number, min: number): EnvironmentResource => ({ id: name, total, min, max })
  const disk = options.maxOutputBytes / GB
  const resources = [
    resource('cpu', share.totalCpus, share.cpus, Math.min(1, share.cpus)),
    resource('ram', share.totalRamBytes / GB, share.ramBytes / GB, 0),
    resource('disk', disk, disk, 0)
  ]
  const anyone = { addresses: [], accessLists: null }
  return {
    id,
    description,
    consumerAddress: '',
    platform: { architecture: arch(), os: platform() },
    access: anyone,
    fees: {},
    maxJobDuration: options.maxJobSeconds,
    maxJobs: options.maxConcurrentJobs,
    resources,
    free: { access: anyone, maxJobDuration: options.maxJobSeconds, maxJobs: options.maxConcurrentJobs, resources }
  }
}
