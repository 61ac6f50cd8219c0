import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { containerSectionChecksum, filesChecksum, pythonFloat, pythonJson } from '../../lib/terms/checksums.js'
import { parseDdoJson } from '../../lib/terms/json-text.js'
import { hostResolver } from '../../lib/terms/resolvers/host.js'

// The algorithm checksums must be the reference provider's, byte for byte: sha256 of
// Python's json.dumps(x, separators=(",", ":")). The fixture DDO has what tells Python
// and JavaScript apart: keys in their stored order (integer-like ones too), non-ASCII
// text, control characters, nested objects, 1.0, 2.50, -0.0, 1e21, 1e-7, 0.00001 and an
// integer beyond 2^53. The expected values were printed by Debian's python3 3.11.2:
//
//   /usr/bin/python3 -c 'import json,hashlib,sys; d=json.load(open(sys.argv[1])); a=d["service"][0]["attributes"]; \
//     dump=lambda x: json.dumps(x, separators=(",", ":")); print(dump(a["main"]["files"])); \
//     print(hashlib.sha256((a["encryptedFiles"]+dump(a["main"]["files"])).encode()).hexdigest()); \
//     print(dump(a["main"]["algorithm"]["container"])); print(hashlib.sha256(dump(a["main"]["algorithm"]["container"]).encode()).hexdigest())' \
//     test/terms/fixtures/algorithm-ddo.json
//
// and, where python3 is installed, the test runs it again.

const FIXTURE = new URL('./fixtures/algorithm-ddo.json', import.meta.url)
const TEXT = readFileSync(FIXTURE, 'utf8')
const PYTHON = {
  files: '[{"index":0,"contentType":"text/javascript","contentLength":1.0,"checksum":1e+21,"z":{"b":[1.5,-0.0,12345678901234567890,1e-05,100],"a":null,"10":true,"2":"tab\\there \\"q\\" \\\\ \\u0001 \\u007f"},"name":"r\\u00e9sum\\u00e9.js"}]',
  filesChecksum: '43518653cda2c90c30ce6e07b6ff6ce850aed0e15bc0315c12b626441eb11013',
  container: '{"tag":"20-alpine","entrypoint":"node $ALGO","image":"node","checksum":2.5,"env":{"B":"\\u00fc","A":1e-07}}',
  containerSectionChecksum: '405ef0597f08fa0d775420a97ad3049fb40c360dfeb073d49d6d4a153e02384f'
}

interface Attributes { encryptedFiles: string, main: { files: unknown, algorithm: { container: unknown } } }
const attributesOf = (ddo: unknown) => (ddo as { service: Array<{ attributes: Attributes }> }).service[0]!.attributes

t.test('a DDO read from text checksums as the reference provider does', async t => {
  const attributes = attributesOf(parseDdoJson(TEXT))
  t.equal(pythonJson(attributes.main.files), PYTHON.files)
  t.equal(filesChecksum(attributes.encryptedFiles, attributes.main.files), PYTHON.filesChecksum)
  t.equal(pythonJson(attributes.main.algorithm.container), PYTHON.container)
  t.equal(containerSectionChecksum(attributes.main.algorithm.container), PYTHON.containerSectionChecksum)
})

// Debian's python3 when there is one, else any on the PATH.
function python3 (): string | undefined {
  for (const path of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(path, ['--version'], { stdio: 'ignore' })
      return path
    } catch {}
  }
  return undefined
}
const PYTHON3 = python3()

t.test('python3 computes the same values now', { skip: PYTHON3 === undefined ? 'python3 is not installed: compared with the values it printed before only' : false }, async t => {
  const printed = execFileSync(PYTHON3!, ['-c', [
    'import json,hashlib,sys',
    'd=json.load(open(sys.argv[1], encoding="utf-8")); a=d["service"][0]["attributes"]',
    'dump=lambda x: json.dumps(x, separators=(",", ":"))',
    'print(dump(a["main"]["files"])); print(hashlib.sha256((a["encryptedFiles"]+dump(a["main"]["files"])).encode()).hexdigest())',
    'print(dump(a["main"]["algorithm"]["container"])); print(hashlib.sha256(dump(a["main"]["algorithm"]["container"]).encode()).hexdigest())'
  ].join('\n'), FIXTURE.pathname], { encoding: 'utf8' })
  t.same(printed.trim().split('\n'), [PYTHON.files, PYTHON.filesChecksum, PYTHON.container, PYTHON.containerSectionChecksum])
})

t.test('a DDO made in JavaScript checksums as Python reads the same values', async t => {
  t.equal(pythonJson({ b: 1, a: [0.5, 1e21, 2 ** 60, -0, 'ü', true, null] }), '{"b":1,"a":[0.5,1e+21,1152921504606847000,0,"\\u00fc",true,null]}', 'JavaScript\'s text of each number, as Python reads it')
  t.equal(pythonJson(undefined), 'null')
})

t.test('Python\'s float repr: fixed from 1e-4 up to 1e16, exponent outside', async t => {
  const cases: Array<[number, string]> = [
    [0, '0.0'], [-0, '-0.0'], [1, '1.0'], [-2.5, '-2.5'], [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e-7, '1.5e-07'],
    [123456789012345.6, '123456789012345.6'], [1e15, '1000000000000000.0'], [1e16, '1e+16'], [1.25e16, '1.25e+16'],
    [1e21, '1e+21'], [-1e-300, '-1e-300'], [5e-324, '5e-324'], [0.1 + 0.2, '0.30000000000000004']
  ]
  for (const [value, repr] of cases) t.equal(pythonFloat(value), repr, repr)
})

t.test('parseDdoJson: values as JSON.parse gives them, and what it forgets kept aside', async t => {
  const text = '{"b":{"2":1,"1":2.0,"__proto__":{"x":1}},"a":[1.0,2,{"k":3}],"b2":[]}'
  const parsed = parseDdoJson(text) as Record<string, unknown>
  t.same(JSON.stringify(parsed), JSON.stringify(JSON.parse(text)))
  t.equal(Object.getPrototypeOf(parsed.b), Object.prototype, '"__proto__" is a key, not a prototype')
  t.equal(pythonJson(parsed), '{"b":{"2":1,"1":2.0,"__proto__":{"x":1}},"a":[1.0,2,{"k":3}],"b2":[]}')
  t.equal(pythonJson(parseDdoJson('{"a":1.0,"a":2}')), '{"a":2}', 'a repeated key keeps its first place and last value, as in Python')
  t.equal(parseDdoJson('"text"'), 'text')
  t.throws(() => parseDdoJson('{"a":'), SyntaxError)
  const deep = parseDdoJson('['.repeat(100000) + ']'.repeat(100000)) as unknown[][]
  t.ok(Array.isArray(deep[0]), 'nesting deeper than the stack: JSON.parse\'s values')
})

t.test('hostResolver keeps what parseDdoJson kept, so a folder of DDOs checksums like Aquarius\' text', async t => {
  const resolver = hostResolver([parseDdoJson(TEXT)])
  const ddo = await resolver('did:op:A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1', { signal: new AbortController().signal })
  t.equal(containerSectionChecksum(attributesOf(ddo).main.algorithm.container), PYTHON.containerSectionChecksum)
})
