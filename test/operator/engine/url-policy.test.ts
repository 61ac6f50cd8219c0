import t from 'tap'
import { RefusedUrlError, UrlPolicy } from '../../../lib/operator/engine/url-policy.js'
import { fakeDns } from '../../helpers/fake-dns.js'

const INSIDE = ['127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.100.100.200',
  '192.0.0.192', '0.0.0.0', '255.255.255.255', '224.0.0.1', '198.18.0.1', '::', '::1', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '::ffff:10.0.0.1',
  'fd00:ec2::254', 'fc00::1', 'fe80::1', 'fec0::1', 'ff02::1', '64:ff9b::7f00:1', '2002:7f00:1::1', '2001:db8::1', '2001::1']
const OUTSIDE = ['8.8.8.8', '::ffff:8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e']

t.test('by default only public addresses are allowed: loopback, private, link-local, metadata, mapped and odd ones are not', async t => {
  const policy = new UrlPolicy()
  for (const address of INSIDE) t.notOk(policy.allows(address), address)
  for (const address of OUTSIDE) t.ok(policy.allows(address), address)
})

t.test('allowAddresses opens addresses and ranges, and nothing else', async t => {
  const policy = new UrlPolicy({ allowAddresses: ['127.0.0.1', '10.0.0.0/8', 'fd00::/8'] })
  for (const address of ['127.0.0.1', '10.9.9.9', 'fd00:ec2::254', '::ffff:127.0.0.1']) t.ok(policy.allows(address), address)
  for (const address of ['127.0.0.2', '192.168.1.1', '169.254.169.254', '::1']) t.notOk(policy.allows(address), address)
  for (const bad of ['localhost', '10.0.0.0/33', '10.0.0.0/8/8', '::1/129', '10.0.0.0/x', '', 3]) {
    t.throws(() => new UrlPolicy({ allowAddresses: [bad as string] }), { name: 'TypeError', message: `${String(bad)} is not an IP address or a CIDR range` }, String(bad))
  }
})

function refusal (fn: () => void): unknown {
  try { fn() } catch (err) { return err }
}

t.test('check refuses other schemes and inside addresses however the URL spells them', async t => {
  const policy = new UrlPolicy()
  for (const url of ['file:///etc/passwd', 'ftp://example.org/a', 'http://127.0.0.1/', 'http://2130706433/', 'http://0x7f.1/', 'http://017700000001/',
    'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[0:0:0:0:0:ffff:a9fe:a9fe]/', 'https://169.254.169.254/latest/meta-data', 'http://0/']) {
    t.type(refusal(() => { policy.check(new URL(url)) }), RefusedUrlError, url)
  }
  for (const url of ['http://example.org/a', 'https://8.8.8.8/', 'https://[2606:4700:4700::1111]/']) {
    t.doesNotThrow(() => policy.check(new URL(url)), url)
  }
})

t.test('the connect lookup answers only the allowed addresses of a name, or refuses it', async t => {
  const dns = fakeDns({ mixed: ['10.0.0.1', '8.8.8.8', '::1', '2606:4700:4700::1111'], inside: ['127.0.0.1', '169.254.169.254'] })
  const policy = new UrlPolicy({ lookup: dns })
  const lookup = async (name: string, all: boolean) => await new Promise<unknown[]>(resolve => {
    policy.lookup(name, { all }, (err, address, family) => { resolve([err, address, family]) })
  })
  t.same(await lookup('mixed', true), [null, [{ address: '8.8.8.8', family: 4 }, { address: '2606:4700:4700::1111', family: 6 }], undefined])
  t.same(await lookup('mixed', false), [null, '8.8.8.8', 4])
  const [refused] = await lookup('inside', false)
  t.type(refused, RefusedUrlError)
  const [missing] = await lookup('nowhere', true)
  t.match(missing, { code: 'ENOTFOUND' })
  t.same(dns.calls, ['mixed', 'mixed', 'inside', 'nowhere'], 'one lookup per connection')
})
