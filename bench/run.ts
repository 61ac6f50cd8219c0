import { parseArgs } from 'node:util'
import autocannon, { type Request } from 'autocannon'
import { JOB_LATENCY, jobLatency, jobLatencyTable, type JobLatency } from './jobs.js'
import { scenarios } from './scenarios/index.js'
import { compileServers, startSide, type Side } from './side.js'

// npm run bench -- [--quick] [--json] [--scenario <name>]... [--cpu-prof]
//   --quick     3 rounds of 1 s per side (under a minute in all) instead of 5 rounds of 5 s,
//               and 3 jobs per engine in job-latency instead of 10
//   --json      one JSON line per scenario instead of a table
//   --cpu-prof  writes a CPU profile of each server to bench/profiles/<scenario>/<plugin|baseline>/ (sampled every 100 µs)
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    scenario: { type: 'string', multiple: true },
    'cpu-prof': { type: 'boolean', default: false }
  }
})

const settings = args.quick
  ? { rounds: 3, seconds: 1, warmup: 0.5 }
  : { rounds: 5, seconds: 5, warmup: 2 }
// Enough to keep one server process busy; the load generator gets the other core.
const CONNECTIONS = 10

const selected = args.scenario === undefined ? scenarios : scenarios.filter(s => args.scenario!.includes(s.name))
// job-latency times jobs on the engines rather than loading a server: it runs after the others.
const latency = args.scenario === undefined || args.scenario.includes(JOB_LATENCY)
if (selected.length === 0 && !latency) throw new Error(`no such scenario; there are ${[...scenarios.map(s => s.name), JOB_LATENCY].join(', ')}`)

/** One round of one side: throughput, latency, and the server's CPU time per request and memory after it. */
interface Round { rps: number, p50: number, p99: number, cpu: number, rss: number }

async function load (side: Side, request: Request, seconds: number): Promise<Round> {
  const before = await side.usage()
  const result = await autocannon({ url: `http://127.0.0.1:${side.port}`, connections: CONNECTIONS, duration: seconds, requests: [request] })
  const after = await side.usage()
  // A fast 4xx is no throughput: every answer must be a success.
  if (result.errors + result.timeouts + result.non2xx > 0) {
    throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`)
  }
  const requests = result.requests.total
  return { rps: requests / result.duration, p50: result.latency.p50, p99: result.latency.p99, cpu: (after.cpu - before.cpu) / requests, rss: after.rss }
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const round2 = (value: number) => Math.round(value * 100) / 100

/** Medians over the rounds, and the most memory the server held after any of them. */
function summary (rounds: Round[]) {
  const of = (key: keyof Round) => median(rounds.map(r => r[key]))
  return {
    rps: Math.round(of('rps')),
    p50: of('p50'),
    p99: of('p99'),
    cpu: round2(of('cpu')),
    rss: round2(Math.max(...rounds.map(r => r.rss)) / 2 ** 20)
  }
}

if (selected.length > 0) compileServers()
const lines = []
for (const scenario of selected) {
  const request = await scenario.request()
  const execArgv = (role: string) => args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', `bench/profiles/${scenario.name}/${role}`] : []
  const standIn = scenario.standIn === undefined ? undefined : await startSide(scenario.name, 'standIn')
  const upstream = standIn === undefined ? undefined : `http://127.0.0.1:${standIn.port}`
  const sides = [
    await startSide(scenario.name, 'plugin', { upstream, execArgv: execArgv('plugin') }),
    await startSide(scenario.name, 'baseline', { upstream, execArgv: execArgv('baseline') })
  ]
  const rounds: Round[][] = [[], []]
  try {
    for (const side of sides) await load(side, request, settings.warmup)
    // Interleaved, A B B A A B ...: drift in the machine's load hits both sides alike, and
    // neither side is always the one that starts right after the other's run.
    for (let round = 0; round < settings.rounds; round++) {
      for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) rounds[i]!.push(await load(sides[i]!, request, settings.seconds))
    }
  } finally {
    await Promise.all([...sides, standIn].map(async side => { await side?.stop() }))
  }
  const [p, b] = [summary(rounds[0]!), summary(rounds[1]!)]
  const line = {
    scenario: scenario.name,
    plugin_rps: p.rps,
    baseline_rps: b.rps,
    ratio: round2(p.rps / b.rps),
    plugin_p50_ms: p.p50,
    baseline_p50_ms: b.p50,
    plugin_p99_ms: p.p99,
    baseline_p99_ms: b.p99,
    plugin_rss_mb: p.rss,
    baseline_rss_mb: b.rss,
    // CPU time the server spent per request: steadier than req/s when other processes compete for the cores.
    plugin_cpu_us: p.cpu,
    baseline_cpu_us: b.cpu
  }
  if (args.json) console.log(JSON.stringify(line))
  else console.error(`${scenario.name} done`)
  lines.push(line)
}

let jobs: JobLatency | undefined
if (latency) {
  jobs = await jobLatency(args.quick ? 3 : 10)
  if (args.json) console.log(JSON.stringify(jobs))
  else console.error(`${JOB_LATENCY} done`)
}

if (!args.json) {
  if (lines.length > 0) {
    console.log(`${settings.rounds} rounds of ${settings.seconds} s per side, ${CONNECTIONS} connections; medians\n`)
    console.log('| scenario | plugin req/s | baseline req/s | ratio | p50 ms (plugin / baseline) | p99 ms (plugin / baseline) | RSS MB (plugin / baseline) | CPU µs/req (plugin / baseline) |')
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|')
    for (const l of lines) {
      console.log(`| ${l.scenario} | ${l.plugin_rps} | ${l.baseline_rps} | ${l.ratio} | ${l.plugin_p50_ms} / ${l.baseline_p50_ms} | ${l.plugin_p99_ms} / ${l.baseline_p99_ms} | ${l.plugin_rss_mb} / ${l.baseline_rss_mb} | ${l.plugin_cpu_us} / ${l.baseline_cpu_us} |`)
    }
  }
  if (jobs !== undefined) console.log(`${lines.length > 0 ? '\n' : ''}${jobLatencyTable(jobs)}`)
}
