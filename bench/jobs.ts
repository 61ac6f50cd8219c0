import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import { dockerOperator, localOperator, type ComputeOperator, type LocalJobStatus, type OperatorContext, type Workflow } from '../lib/index.js'
import { answersPing, podmanMissing, podmanService } from '../test/helpers/podman.js'
import { consumer, DID } from './operator.js'

/**
 * The job-latency scenario: how long a trivial job takes on each engine, from the start
 * call to the engine's status 40, to the algorithm's first statement, and to status 70. Not a
 * ratio goal: a container costs its start, and this says how much.
 */
export const JOB_LATENCY = 'job-latency'

// The algorithm notes when it began, by the same clock as the host's (a container shares the kernel's).
const ALGORITHM = "require('fs').writeFileSync(require('path').join(process.env.OUTPUTS, 'began'), String(Date.now()))"
const CSV = new URL('../examples/data/sample.csv', import.meta.url).pathname
const POLL_MS = 5

interface Engine {
  name: string
  operator: ComputeOperator
  container: { image: string, tag: string }
  close (): Promise<void>
}

/** Milliseconds from the start call to each point of one job. */
interface Timing { running: number, began: number, done: number }

const silent = { level: 'silent', child: () => silent, fatal () {}, error () {}, warn () {}, info () {}, debug () {}, trace () {}, silent () {} }
const ctx = (): OperatorContext => ({ signal: new AbortController().signal, log: silent as unknown as FastifyBaseLogger })

function workflow ({ image, tag }: Engine['container']): Workflow {
  return {
    stages: [{
      index: 0,
      input: [{ index: 0, id: DID, url: [] }],
      compute: { Instances: 1, namespace: 'ocean-compute', maxtime: 60 },
      algorithm: { id: '', rawcode: ALGORITHM, container: { entrypoint: 'node $ALGO', image, tag } },
      output: {}
    }]
  }
}

async function job (engine: Engine): Promise<Timing> {
  const owner = consumer.address
  const start = Date.now()
  const [{ jobId }] = await engine.operator.start({ workflow: workflow(engine.container), owner, documentId: DID }, ctx()) as LocalJobStatus[] as [LocalJobStatus]
  let running: number | undefined
  for (;;) {
    const [status] = await engine.operator.status({ owner, jobId }, ctx()) as LocalJobStatus[] as [LocalJobStatus]
    const now = Date.now() - start
    if (status.status >= 40) running ??= now
    if (status.status === 70 && status.exitCode === 0) {
      const began = await engine.operator.result!({ owner, jobId, index: 0 }, ctx())
      return { running: running!, began: Number(await text(began!.stream)) - start, done: now }
    }
    if ([31, 32, 70].includes(status.status)) throw new Error(`${engine.name}: the job ended ${status.status}: ${status.error ?? status.statusText}`)
    await sleep(POLL_MS)
  }
}

/** The container side: the test Podman (podman installed), else a Docker daemon, else why there is none. */
async function containerEngine (dataDir: string): Promise<Engine | string> {
  const common = { dataDir, datasets: { [DID]: CSV }, maxConcurrentJobs: 1 }
  if (podmanMissing() === undefined) {
    const podman = await podmanService()
    const [image, tag] = podman.images.node.split(/:(?=[^:]+$)/) as [string, string]
    const operator = dockerOperator({ ...common, socketPath: podman.socketPath, images: [podman.images.node] })
    return { name: 'dockerOperator (podman)', operator, container: { image, tag }, close: async () => { await operator.close?.(); await podman.close() } }
  }
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'
  const socketPath = host.replace(/^unix:\/\//, '')
  if (!host.startsWith('unix://') || await answersPing(socketPath) === undefined) {
    return `neither podman nor a Docker daemon at ${host}`
  }
  // A real Docker pulls what it lacks: IMAGE as in the example, default node:20-alpine.
  const [image, tag = 'latest'] = (process.env.IMAGE ?? 'node:20-alpine').split(/:(?=[^:/]+$)/) as [string, string?]
  const operator = dockerOperator({ ...common, socketPath, images: [`${image}:${tag}`], pull: true })
  return { name: 'dockerOperator (docker)', operator, container: { image, tag }, close: async () => { await operator.close?.() } }
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export interface JobLatency {
  scenario: typeof JOB_LATENCY
  jobs: number
  /** Per engine and point: median, min and max in ms. */
  engines: Record<string, Record<keyof Timing, { median: number, min: number, max: number }>>
  /** Why there is no container side, when there is none. */
  skipped?: string
}

/** Runs `jobs` trivial jobs on each engine, one at a time and alternating, after one warm-up job each. */
export async function jobLatency (jobs: number): Promise<JobLatency> {
  const dataDir = await mkdtemp(join(tmpdir(), 'foc-bench-jobs-'))
  const local = localOperator({ dataDir: join(dataDir, 'local'), datasets: { [DID]: CSV }, maxConcurrentJobs: 1 })
  const engines: Engine[] = [{ name: 'localOperator', operator: local, container: { image: 'node', tag: '20' }, close: async () => { await local.close() } }]
  const container = await containerEngine(join(dataDir, 'docker'))
  if (typeof container !== 'string') engines.push(container)
  const timings = engines.map((): Timing[] => [])
  try {
    for (const engine of engines) await job(engine)
    for (let round = 0; round < jobs; round++) {
      for (const i of round % 2 === 0 ? engines.keys() : [...engines.keys()].reverse()) timings[i]!.push(await job(engines[i]!))
    }
  } finally {
    for (const engine of engines) await engine.close()
    await rm(dataDir, { recursive: true, force: true })
  }
  const of = (runs: Timing[], key: keyof Timing) => {
    const values = runs.map(run => run[key])
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
  }
  return {
    scenario: JOB_LATENCY,
    jobs,
    engines: Object.fromEntries(engines.map((engine, i) => [engine.name, { running: of(timings[i]!, 'running'), began: of(timings[i]!, 'began'), done: of(timings[i]!, 'done') }])),
    ...(typeof container === 'string' ? { skipped: `container side skipped: ${container}` } : {})
  }
}

/** The scenario as a Markdown table. */
export function jobLatencyTable ({ jobs, engines, skipped }: JobLatency): string {
  const cell = ({ median, min, max }: { median: number, min: number, max: number }) => `${median} (${min}–${max})`
  return [
    `${JOB_LATENCY}: ${jobs} trivial jobs per engine, one at a time; ms from the start call, median (min–max)\n`,
    '| engine | to status 40 | to the algorithm\'s start | to status 70 |',
    '|---|---:|---:|---:|',
    ...Object.entries(engines).map(([name, t]) => `| ${name} | ${cell(t.running)} | ${cell(t.began)} | ${cell(t.done)} |`),
    ...(skipped === undefined ? [] : [`\n${skipped}`])
  ].join('\n')
}
