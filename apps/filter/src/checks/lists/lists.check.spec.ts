import { matchLists } from './lists.check';
import type { ListEntry } from './list-source';

const facts = {
  mailFrom: 'boss@corp.example.com',
  from: '',
  ip: '203.0.113.45',
  recipients: ['bob@a.test', 'ann@a.test', 'eve@b.test'],
};
const e = (over: Partial<ListEntry>): ListEntry => ({
  scope: 'global',
  owner: null,
  kind: 'block',
  match: 'address',
  value: 'x',
  ...over,
});

describe('matchLists', () => {
  it('matches by address, domain and its subdomains, IP and CIDR', () => {
    expect(matchLists([e({ match: 'address', value: 'boss@corp.example.com' })], facts)).toHaveLength(1);
    expect(matchLists([e({ match: 'domain', value: 'example.com' })], facts)).toHaveLength(1);
    expect(matchLists([e({ match: 'domain', value: 'ample.com' })], facts)).toHaveLength(0);
    expect(matchLists([e({ match: 'ip', value: '203.0.113.45' })], facts)).toHaveLength(1);
    expect(matchLists([e({ match: 'cidr', value: '203.0.113.0/24' })], facts)).toHaveLength(1);
    expect(matchLists([e({ match: 'cidr', value: '203.0.112.0/24' })], facts)).toHaveLength(0);
  });

  it('matches IPv6 and IPv4-mapped clients, and ignores malformed entries', () => {
    const v6 = { ...facts, ip: '2001:db8::25' };
    expect(matchLists([e({ match: 'cidr', value: '2001:db8::/32' })], v6)).toHaveLength(1);
    expect(
      matchLists([e({ match: 'cidr', value: '203.0.113.0/24' })], { ...facts, ip: '::ffff:203.0.113.9' }),
    ).toHaveLength(1);
    expect(
      matchLists([e({ match: 'cidr', value: 'not-a-cidr' }), e({ match: 'ip', value: '999.1.1.1' })], facts),
    ).toEqual([]);
  });

  it('matches IPv4-mapped entries, and gives the same answer when the parsed entry is reused', () => {
    const mapped = e({ match: 'cidr', value: '::ffff:203.0.113.0/120' });
    const wide = e({ match: 'cidr', value: '::ffff:0:0/90' });
    for (let i = 0; i < 2; i++) {
      expect(matchLists([mapped], facts)).toHaveLength(1);
      expect(matchLists([mapped], { ...facts, ip: '198.51.100.1' })).toHaveLength(0);
      expect(matchLists([wide], facts)).toHaveLength(0);
      expect(matchLists([e({ match: 'ip', value: '::ffff:203.0.113.45' })], facts)).toHaveLength(1);
    }
  });

  it('limits user and domain entries to their recipients; global ones apply to all', () => {
    const hits = matchLists(
      [
        e({ scope: 'user', owner: 'bob@a.test', kind: 'block', match: 'domain', value: 'corp.example.com' }),
        e({ scope: 'domain', owner: 'a.test', kind: 'allow', match: 'ip', value: '203.0.113.45' }),
        e({ scope: 'global', kind: 'block', match: 'cidr', value: '203.0.113.0/26' }),
      ],
      facts,
    );
    expect(hits).toEqual([
      { name: 'USER_BLOCK', options: ['block:domain:corp.example.com'], recipients: ['bob@a.test'] },
      { name: 'DOMAIN_ALLOW', options: ['allow:ip:203.0.113.45'], recipients: ['bob@a.test', 'ann@a.test'] },
      { name: 'GLOBAL_BLOCK', options: ['block:cidr:203.0.113.0/26'] },
    ]);
  });

  it('reports an allow that requires an authenticated sender as LIST_ALLOW_UNVERIFIED with what would verify it', () => {
    const forgeable = e({
      scope: 'user',
      owner: 'bob@a.test',
      kind: 'allow',
      match: 'address',
      value: 'alice@example.net',
      requires: 'aligned_auth',
    });
    const both = { ...facts, mailFrom: 'Alice@Example.net', from: 'alice@example.net' };
    expect(matchLists([forgeable], both)).toEqual([
      {
        name: 'LIST_ALLOW_UNVERIFIED',
        options: ['allow:address:alice@example.net', 'USER_ALLOW', 'spf:example.net', 'dmarc:example.net'],
        recipients: ['bob@a.test'],
      },
    ]);
    // only the header claims the address: only DMARC can verify it
    expect(
      matchLists([forgeable], { ...facts, mailFrom: 'bounce@esp.example', from: 'alice@example.net' })[0]
        ?.options,
    ).toEqual(['allow:address:alice@example.net', 'USER_ALLOW', 'dmarc:example.net']);
    // a domain entry, global: the claimed subdomain is what must authenticate
    const domain = e({ kind: 'allow', match: 'domain', value: 'example.net', requires: 'aligned_auth' });
    expect(matchLists([domain], { ...facts, mailFrom: 'x@mail.example.net' })).toEqual([
      {
        name: 'LIST_ALLOW_UNVERIFIED',
        options: ['allow:domain:example.net', 'GLOBAL_ALLOW', 'spf:mail.example.net'],
      },
    ]);
  });

  it('applies the requirement to allows of senders only: blocks, IPs and networks match as before', () => {
    const hits = matchLists(
      [
        e({ kind: 'block', match: 'address', value: 'boss@corp.example.com', requires: 'aligned_auth' }),
        e({ kind: 'allow', match: 'ip', value: '203.0.113.45', requires: 'aligned_auth' }),
      ],
      facts,
    );
    expect(hits.map((h) => h.name)).toEqual(['GLOBAL_BLOCK', 'GLOBAL_ALLOW']);
  });
});
