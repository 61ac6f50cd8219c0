// A compute-to-data algorithm: per station, the number of readings, the mean
// temperature and the total rainfall of the dataset it is given.
//
// It finds its dataset as Ocean algorithms do, through the job's environment:
// DIDS (a JSON array of documentIds) and INPUTS (file 0 of each dataset is at
// INPUTS/<documentId>/0), and writes its result to OUTPUTS. What it prints ends
// up in the job's log.
const fs = require('node:fs')
const path = require('node:path')

const [did] = JSON.parse(process.env.DIDS)
const csv = fs.readFileSync(path.join(process.env.INPUTS, did, '0'), 'utf8')
const [header, ...lines] = csv.trim().split('\n')
const columns = header.split(',')
const at = name => columns.indexOf(name)

const stations = {}
for (const line of lines) {
  const cells = line.split(',')
  const station = (stations[cells[at('station')]] ??= { readings: 0, temperatureSum: 0, rainfall_mm: 0 })
  station.readings++
  station.temperatureSum += Number(cells[at('temperature_c')])
  station.rainfall_mm += Number(cells[at('rainfall_mm')])
}

const summary = Object.fromEntries(Object.entries(stations).map(([name, s]) => [name, {
  readings: s.readings,
  mean_temperature_c: Math.round(s.temperatureSum / s.readings * 100) / 100,
  total_rainfall_mm: Math.round(s.rainfall_mm * 100) / 100
}]))

fs.writeFileSync(path.join(process.env.OUTPUTS, 'summary.json'), JSON.stringify(summary, null, 2) + '\n')
console.log(`summarised ${lines.length} readings of ${Object.keys(summary).length} stations`)
