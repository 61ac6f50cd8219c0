import t from 'tap'
import { decrypt } from 'eciesjs'
import { Config } from 'eciesjs/config'
import { decryptFileUrls, encryptFiles } from '../../lib/terms/files.js'
import { otherProvider, provider, PROVIDER_KEY } from '../helpers/ddos.js'

const key = (hex: string) => Buffer.from(hex.replace(/^0x/, ''), 'hex')

// Made by eciespy v0.3.11 (the `ecies` the reference provider v0.4.x installs and calls in
// utils/encryption.py), its encrypt() run unchanged by test/terms/fixtures/eciespy-vector.py
// (that file says how: eciespy's own code decides the format; coincurve and pycryptodome,
// not installable here, are stood in for by textbook secp256k1 and python3-cryptography),
// for the reference provider's test key. The plaintext is a file list as a publisher encrypts it.
const ECIESPY = {
  key: PROVIDER_KEY,
  plain: '[{"url":"https://data.example/weather/été.csv","index":0,"contentType":"text/csv"}]',
  cipher: '0x048edfa4e091f480296c0fa7d1596f82053b7dba72a00f004a455e9c562c30473b8669841a0f3ca44fd8819112fced2c3af8de18c874a8bd58b9c2d646f2b842a9883073e987e371c1866306b989a2f000e73dd6b41e29b0755316d9e5d133d184c84cdbc6bd78a13b213c7872c0cc9b39deb7d7e6248aa6dc3a070449e6f14f021b26785de02fbe4ed549643d50cb567de812914230e2ce1564b0984b7f0a5242811af88ec850ccf3acc9be22fa0ecbfc0fac598ab6'
}

t.test('decrypts encryptedFiles made by eciespy, the reference provider\'s ECIES', async t => {
  t.same(decryptFileUrls(ECIESPY.cipher, key(ECIESPY.key)), ['https://data.example/weather/été.csv'])
  t.same(decryptFileUrls(ECIESPY.cipher.slice(2), key(ECIESPY.key)), ['https://data.example/weather/été.csv'], 'hex without 0x, as do_decrypt takes it')
  t.same(decryptFileUrls(JSON.stringify({ encryptedDocument: ECIESPY.cipher }), key(ECIESPY.key)), ['https://data.example/weather/été.csv'],
    'wrapped in {"encryptedDocument": ...}, as the provider unwraps it')
})

t.test('eciespy\'s own known vector (tests/crypt/test_known.py) decrypts with eciesjs: the same key agreement', async t => {
  // eciespy's test of its XChaCha20 option, secp256k1: the ephemeral key, HKDF and the
  // layout are those of its AES default; only the cipher differs.
  const xchacha = new Config()
  xchacha.symmetricAlgorithm = 'xchacha20'
  const encrypted = Buffer.from(
    '04e314abc14398e07974cd50221b682ed5f0629e977345fc03e2047208ee6e279f' +
    'fb2a6942878d3798c968d89e59c999e082b0598d1b641968c48c8d47c570210d0a' +
    'b1ade95eeca1080c45366562f9983faa423ee3fd3260757053d5843c5f453e1ee6' +
    'bb955c8e5d4aee8572139357a091909357a8931b', 'hex')
  t.equal(Buffer.from(decrypt('0000000000000000000000000000000000000000000000000000000000000002', encrypted, xchacha)).toString('utf8'), 'helloworld🌍')
})

t.test('encryptFiles writes what the provider decrypts: Python\'s JSON, ECIES, hex with 0x', async t => {
  const files = [{ url: 'https://data.example/ü.csv', index: 0, contentType: 'text/csv' }]
  for (const publicKey of [provider.publicKey, provider.publicKey.slice(4), provider.publicKey.slice(2)]) {
    const cipher = encryptFiles(files, publicKey)
    t.match(cipher, /^0x04[0-9a-f]+$/)
    t.equal(Buffer.from(decrypt(key(PROVIDER_KEY), key(cipher))).toString('utf8'), '[{"url":"https://data.example/\\u00fc.csv","index":0,"contentType":"text/csv"}]')
    t.same(decryptFileUrls(cipher, key(PROVIDER_KEY)), ['https://data.example/ü.csv'])
  }
  t.throws(() => encryptFiles(files, 'not hex'), TypeError)
})

t.test('what does not decrypt here, or is no list of files with URLs, is not this provider\'s', async t => {
  const mine = key(PROVIDER_KEY)
  const cases: Array<[string, string]> = [
    ['encrypted for another provider', encryptFiles([{ url: 'https://x' }], otherProvider.publicKey)],
    ['not hex', 'zz'],
    ['odd hex', '0xabc'],
    ['too short', '0x04'],
    ['JSON without encryptedDocument', '{"other":1}'],
    ['JSON that does not parse', '{nope'],
    ['not a list', encryptFiles({ url: 'https://x' } as never, provider.publicKey)],
    ['an empty list', encryptFiles([], provider.publicKey)],
    ['a file without url', encryptFiles([{ index: 0 } as never], provider.publicKey)],
    ['a file that is null', encryptFiles([null as never], provider.publicKey)],
    ['an empty url', encryptFiles([{ url: '' }], provider.publicKey)]
  ]
  for (const [name, cipher] of cases) t.equal(decryptFileUrls(cipher, mine), undefined, name)
})
