/**
 * DKIM (RFC 6376, RFC 8301, RFC 8463), DMARC (RFC 7489) and ARC (RFC 8617) scenarios through POST /v1/scan: the
 * filter runs with DNS_MODE=servers against a DNS server on 127.0.0.1 serving this test's zone, and every message is
 * signed (and sealed) here with keys generated here — RSA 1024 and 2048, Ed25519. What is asserted is what a sender
 * and a mailbox would see: the action, the SMTP reply, the symbols, and the Authentication-Results header.
 */
import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import { dkimSign, sealMessage } from 'mailauth';
import request from 'supertest';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { InMemoryListSource } from '../../apps/filter/src/checks/lists/list-source';
import { reverseName } from '../../apps/filter/src/services/dns/dns-resolver';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';
import { ZoneDnsServer, type ZoneTable } from '../dns/zone-dns-server';

const rsa = (bits: number) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    pem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    record: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
  };
};
const RSA2048 = rsa(2048);
const RSA1024 = rsa(1024);
const ED = (() => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // RFC 8463 §4.2: p= is the base64 of the raw 32-byte public key, not its SubjectPublicKeyInfo
  return {
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    record: `v=DKIM1; k=ed25519; p=${publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64')}`,
  };
})();

const BANK_IP = '192.0.2.10';
const ATTACKER_IP = '198.51.100.7';
const SUBDOMAIN_IP = '192.0.2.20';
const LIST_IP = '203.0.113.5';
const MTA = 'mx.receiver.test';

const ZONE: ZoneTable = {
  'bank.example': { TXT: [`v=spf1 ip4:${BANK_IP} -all`], A: [BANK_IP] },
  '_dmarc.bank.example': { TXT: ['v=DMARC1; p=reject; rua=mailto:dmarc@bank.example'] },
  'rsa2048._domainkey.bank.example': { TXT: [RSA2048.record] },
  'rsa1024._domainkey.bank.example': { TXT: [RSA1024.record] },
  'ed._domainkey.bank.example': { TXT: [ED.record] },
  'revoked._domainkey.bank.example': { TXT: ['v=DKIM1; k=rsa; p='] },
  'attacker.example': { TXT: [`v=spf1 ip4:${ATTACKER_IP} -all`] },
  [reverseName(ATTACKER_IP)]: { PTR: ['mail.attacker.example'] },
  'mail.attacker.example': { A: [ATTACKER_IP] },
  'quarantine.example': { TXT: ['v=spf1 -all'] },
  '_dmarc.quarantine.example': { TXT: ['v=DMARC1; p=quarantine'] },
  '_dmarc.pct0.example': { TXT: ['v=DMARC1; p=reject; pct=0'] },
  '_dmarc.pct0q.example': { TXT: ['v=DMARC1; p=quarantine; pct=0'] },
  '_dmarc.org.example': { TXT: ['v=DMARC1; p=none; sp=reject'] },
  'news.org.example': { A: [SUBDOMAIN_IP] },
  '_dmarc.strict.example': { TXT: ['v=DMARC1; p=reject; aspf=s; adkim=s'] },
  'mail.strict.example': { TXT: [`v=spf1 ip4:${SUBDOMAIN_IP} -all`] },
  'sel._domainkey.mail.strict.example': { TXT: [RSA2048.record] },
  '_dmarc.relaxed.example': { TXT: ['v=DMARC1; p=reject'] },
  'mail.relaxed.example': { TXT: [`v=spf1 ip4:${SUBDOMAIN_IP} -all`] },
  'sel._domainkey.mail.relaxed.example': { TXT: [RSA2048.record] },
  'sel._domainkey.signed.example': { TXT: [RSA2048.record] },
  '_dmarc.signed.example': { TXT: ['v=DMARC1; p=none'] },
  'lists.example': { TXT: [`v=spf1 ip4:${LIST_IP} -all`] },
  'arc._domainkey.lists.example': { TXT: [RSA2048.record] },
  'arc._domainkey.untrusted.example': { TXT: [RSA2048.record] },
};

function message(
  from: string,
  body = 'The quarterly figures are attached below.\r\n',
  extra: readonly string[] = [],
): string {
  return [
    `From: ${from}`,
    'To: bob@receiver.test',
    'Subject: quarterly figures',
    'Date: Mon, 2 Nov 2026 10:00:00 +0000',
    `Message-ID: <${Math.random().toString(36).slice(2)}@sender>`,
    ...extra,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
  ].join('\r\n');
}

async function sign(
  raw: string,
  domain: string,
  selector: string,
  pem: string,
  extra: { algorithm?: string; maxBodyLength?: number } = {},
): Promise<string> {
  const r = await dkimSign(raw, {
    signingDomain: domain,
    selector,
    privateKey: pem,
    signatureData: [{ signingDomain: domain, selector, privateKey: pem, ...extra }],
  });
  if (!r.signatures.includes('DKIM-Signature'))
    throw new Error(`no signature: ${r.errors.map((e) => String(e)).join('; ')}`);
  return r.signatures + raw;
}

describe('DKIM, DMARC and ARC as the standards say, through POST /v1/scan', () => {
  let dns: ZoneDnsServer;
  let filter: FilterApp;
  const lists = new InMemoryListSource();
  const policies = new InMemoryPolicySource();

  const scan = async (
    raw: string,
    env: Record<string, string>,
    rcpt = 'bob@receiver.test',
  ): Promise<ScanVerdict> => {
    const res = await request(filter.server)
      .post('/v1/scan')
      .set({ [SCAN_HEADERS.rcptTo]: rcpt, 'content-type': 'message/rfc822', ...env })
      .send(raw)
      .expect(200);
    return res.body as ScanVerdict;
  };
  const from = (ip: string, helo: string, mailFrom: string) => ({
    [SCAN_HEADERS.clientIp]: ip,
    [SCAN_HEADERS.helo]: helo,
    [SCAN_HEADERS.mailFrom]: mailFrom,
  });
  const BANK = from(BANK_IP, 'bank.example', 'news@bank.example');
  const names = (v: ScanVerdict): string[] =>
    [...v.symbols, ...v.recipients.flatMap((r) => r.symbols)].map((s) => s.name);
  const symbol = (v: ScanVerdict, name: string) =>
    [...v.symbols, ...v.recipients.flatMap((r) => r.symbols)].find((s) => s.name === name);
  const authResults = (v: ScanVerdict): string =>
    v.headers.find(([h]) => h === 'Authentication-Results')?.[1] ?? '(none)';

  beforeAll(async () => {
    dns = await ZoneDnsServer.start(ZONE);
    // Greylisting off except for grey.example, where every score is in the band: a decided verdict is never greylisted.
    policies.setGlobal({ greylisting: { enabled: false } });
    // Tag at 6 for these two (the default is 2.5): the spoofs below score 3.9 and 5.2, and the forced action, not the
    // score, must be what tags them.
    policies.setDomain('grey.example', {
      greylisting: { enabled: true },
      thresholds: { greylist: -100, tag: 6 },
    });
    policies.setDomain('lenient.example', {
      forcedActions: { dmarc_reject: { action: 'quarantine' } },
      thresholds: { tag: 6 },
    });
    lists.add({
      scope: 'user',
      owner: 'carol@receiver.test',
      kind: 'allow',
      match: 'domain',
      value: 'bank.example',
    });
    const config = loadConfig({
      DNS_MODE: 'servers',
      DNS_SERVERS: dns.address,
      DNS_TIMEOUT_MS: '500',
      DNS_CACHE_SECONDS: '0',
      SCAN_CHECK_TIMEOUT_MS: '2000',
      SCAN_DEADLINE_MS: '3000',
      FILTER_MTA_NAME: MTA,
      ARC_TRUSTED_SEALERS: 'lists.example',
    });
    filter = await createFilterApp(config, { lists, policies, scanLog: null, defaultMetrics: false });
  });
  afterAll(async () => {
    await filter?.close();
    await dns?.close();
  });

  describe('DKIM', () => {
    it.each([
      ['RSA 2048', 'rsa2048', RSA2048.pem],
      ['RSA 1024', 'rsa1024', RSA1024.pem],
      ['Ed25519 (RFC 8463)', 'ed', ED.pem],
    ])(
      'passes a %s signature, aligned for DMARC, and says so in Authentication-Results',
      async (_name, selector, pem) => {
        const v = await scan(
          await sign(message('News <news@bank.example>'), 'bank.example', selector, pem),
          BANK,
        );
        expect(names(v)).toEqual(
          expect.arrayContaining(['R_DKIM_ALLOW', 'R_SPF_ALLOW', 'DMARC_POLICY_ALLOW']),
        );
        expect(v.action).toBe('accept');
        expect(authResults(v)).toBe(
          `${MTA}; spf=pass smtp.mailfrom=news@bank.example; dkim=pass header.d=bank.example; dmarc=pass (p=REJECT) header.from=bank.example; arc=none`,
        );
      },
    );

    it('fails an rsa-sha1 signature (RFC 8301 §3.1), so a p=reject domain’s mail from elsewhere is refused', async () => {
      const raw = await sign(message('news@bank.example'), 'bank.example', 'rsa2048', RSA2048.pem, {
        algorithm: 'rsa-sha1',
      });
      const v = await scan(raw, from(ATTACKER_IP, 'mail.attacker.example', 'x@attacker.example'));
      expect(symbol(v, 'R_DKIM_REJECT')?.options).toEqual(['bank.example (rsa-sha1)']);
      expect(names(v)).not.toContain('R_DKIM_ALLOW');
      expect(v.action).toBe('reject');
      expect(authResults(v)).toContain('dkim=fail (rsa-sha1) header.d=bank.example');
    });

    it('reports a missing key and a revoked key as permerror, not as a bad signature', async () => {
      const missing = await scan(
        await sign(message('news@bank.example'), 'bank.example', 'nosuchkey', RSA2048.pem),
        BANK,
      );
      expect(symbol(missing, 'R_DKIM_PERMFAIL')?.options).toEqual(['bank.example (no key)']);
      const revoked = await scan(
        await sign(message('news@bank.example'), 'bank.example', 'revoked', RSA2048.pem),
        BANK,
      );
      expect(symbol(revoked, 'R_DKIM_PERMFAIL')?.options).toEqual(['bank.example (key revoked)']);
      for (const v of [missing, revoked]) {
        expect(names(v)).not.toContain('R_DKIM_REJECT');
        expect(authResults(v)).toMatch(/dkim=permerror \((no key|key revoked)\) header\.d=bank\.example/);
      }
    });

    it('flags text appended after the l= length of a passing signature', async () => {
      const body = 'Signed part.\r\n';
      const signed = await sign(message('news@bank.example', body), 'bank.example', 'rsa2048', RSA2048.pem, {
        maxBodyLength: body.length,
      });
      const untouched = await scan(signed, BANK);
      expect(names(untouched)).toContain('R_DKIM_ALLOW');
      expect(names(untouched)).not.toContain('DKIM_UNSIGNED_BODY_TAIL');
      const appended = await scan(`${signed}Click http://evil.example/login to keep your account.\r\n`, BANK);
      expect(names(appended)).toContain('R_DKIM_ALLOW');
      expect(symbol(appended, 'DKIM_UNSIGNED_BODY_TAIL')).toMatchObject({
        weight: 2,
        options: [expect.stringMatching(/^bank\.example \+\d+ bytes$/)],
      });
      expect(authResults(appended)).toContain(
        'dkim=pass (unsigned body tail after l=) header.d=bank.example',
      );
    });
  });

  describe('DMARC', () => {
    it('refuses the spoof of a p=reject domain from a host that passes SPF for its own domain with FCrDNS (550, reason, reference)', async () => {
      const v = await scan(
        message('"Bank Security" <security@bank.example>'),
        from(ATTACKER_IP, 'mail.attacker.example', 'x@attacker.example'),
      );
      expect(names(v)).toEqual(expect.arrayContaining(['R_SPF_ALLOW', 'RDNS_FCRDNS', 'DMARC_POLICY_REJECT']));
      // the score alone (about 3.7) is below every threshold: the policy's forced action decides
      expect(v.score).toBeLessThan(6);
      expect(v.action).toBe('reject');
      expect(v.smtp.code).toBe(550);
      expect(v.smtp.enhanced).toBe('5.7.1');
      expect(v.smtp.message).toContain('DMARC p=reject');
      expect(v.smtp.message).toContain('bank.example');
      expect(v.smtp.message).toContain(v.reference);
      expect(authResults(v)).toBe(
        `${MTA}; spf=pass smtp.mailfrom=x@attacker.example; dkim=none; dmarc=fail (p=REJECT) header.from=bank.example; arc=none`,
      );
    });

    it('tags a p=quarantine failure at once, even where greylisting would apply (it never ends untagged after a retry)', async () => {
      const raw = message('x@quarantine.example');
      const env = from(ATTACKER_IP, 'mail.attacker.example', 'x@quarantine.example');
      for (const attempt of [1, 2]) {
        const v = await scan(raw, env, 'dan@grey.example');
        expect([attempt, v.action]).toEqual([attempt, 'tag']);
        expect(names(v)).toContain('DMARC_POLICY_QUARANTINE');
        expect(names(v)).not.toContain('GREYLIST');
        expect(v.recipients[0].headers).toContainEqual(['X-Spam-Flag', 'YES']);
        expect(v.reason).toMatch(/quarantined \(tagged\) by policy dmarc_quarantine/);
      }
    });

    it('applies the next policy down for pct=0 (RFC 7489 §6.6.4)', async () => {
      const reject0 = await scan(
        message('x@pct0.example'),
        from(ATTACKER_IP, 'mail.attacker.example', 'x@attacker.example'),
      );
      expect(symbol(reject0, 'DMARC_POLICY_QUARANTINE')?.options).toEqual([
        'pct0.example',
        'p=reject',
        'pct=0: quarantine',
      ]);
      expect(reject0.action).toBe('tag');
      const quarantine0 = await scan(
        message('x@pct0q.example'),
        from(ATTACKER_IP, 'mail.attacker.example', 'x@attacker.example'),
      );
      expect(names(quarantine0)).toContain('DMARC_POLICY_SOFTFAIL');
      expect(quarantine0.action).toBe('accept');
    });

    it('applies sp= to a subdomain without a record of its own', async () => {
      const v = await scan(
        message('news@news.org.example'),
        from(ATTACKER_IP, 'mail.attacker.example', 'x@attacker.example'),
      );
      expect(symbol(v, 'DMARC_POLICY_REJECT')?.options).toEqual(['news.org.example', 'p=reject']);
      expect(v.action).toBe('reject');
    });

    it('enforces strict alignment (aspf=s, adkim=s): a subdomain’s SPF and DKIM do not align, where relaxed they do', async () => {
      const env = (d: string) => from(SUBDOMAIN_IP, `mail.${d}`, `bounce@mail.${d}`);
      const strict = await scan(
        await sign(message('ceo@strict.example'), 'mail.strict.example', 'sel', RSA2048.pem),
        env('strict.example'),
      );
      expect(names(strict)).toEqual(
        expect.arrayContaining(['R_SPF_ALLOW', 'R_DKIM_ALLOW', 'DMARC_POLICY_REJECT']),
      );
      expect(strict.action).toBe('reject');
      const relaxed = await scan(
        await sign(message('ceo@relaxed.example'), 'mail.relaxed.example', 'sel', RSA2048.pem),
        env('relaxed.example'),
      );
      expect(names(relaxed)).toContain('DMARC_POLICY_ALLOW');
      expect(relaxed.action).toBe('accept');
    });

    it('evaluates every From address and applies the strictest failing policy, with or without a valid signature of the other', async () => {
      const twoFrom = message('friend@signed.example, ceo@bank.example');
      const unsigned = await scan(twoFrom, from(ATTACKER_IP, 'mail.attacker.example', 'x@attacker.example'));
      const signed = await scan(
        await sign(twoFrom, 'signed.example', 'sel', RSA2048.pem),
        from(ATTACKER_IP, 'mail.attacker.example', 'x@attacker.example'),
      );
      for (const v of [unsigned, signed]) {
        expect(symbol(v, 'DMARC_POLICY_REJECT')?.options).toEqual([
          'bank.example',
          'p=reject',
          '2 author domains',
        ]);
        expect(names(v)).not.toContain('DMARC_NA');
        expect(v.action).toBe('reject');
      }
      expect(names(signed)).toContain('R_DKIM_ALLOW');
    });
  });

  describe('local overrides of a DMARC reject', () => {
    const spoof = () => message('security@bank.example');
    const attacker = from(ATTACKER_IP, 'mail.attacker.example', 'x@attacker.example');

    it('a recipient’s allow entry overrides it for that recipient only', async () => {
      const v = await scan(spoof(), attacker, 'carol@receiver.test, bob@receiver.test');
      const by = Object.fromEntries(v.recipients.map((r) => [r.recipient, r.action]));
      expect(by).toEqual({ 'carol@receiver.test': 'accept', 'bob@receiver.test': 'reject' });
      expect(v.smtp.code).toBe(250);
    });

    it('an operator’s domain policy downgrades it to quarantine (tag) for that domain’s recipients', async () => {
      // a client with no history here, so the score (below tag) cannot be what tags it
      const v = await scan(
        spoof(),
        from('198.18.0.9', 'unknown.example', 'x@unknown.example'),
        'erin@lenient.example, bob@receiver.test',
      );
      const erin = v.recipients.find((r) => r.recipient === 'erin@lenient.example')!;
      expect(erin.score).toBeLessThan(6);
      expect(erin.action).toBe('tag');
      expect(erin.reason).toMatch(/^quarantined \(tagged\) by policy dmarc_reject/);
      expect(v.recipients.find((r) => r.recipient === 'bob@receiver.test')?.action).toBe('reject');
    });

    it('a trusted ARC sealer whose chain validates and records dmarc=pass overrides it; an untrusted one does not', async () => {
      const original = await sign(
        message('News <news@bank.example>'),
        'bank.example',
        'rsa2048',
        RSA2048.pem,
      );
      // the list adds a footer (the bank's signature breaks), then seals what it saw
      const relayed = original.replace('attached below.\r\n', 'attached below.\r\n-- \r\nlist footer\r\n');
      const seal = async (sealer: string) =>
        (
          await sealMessage(Buffer.from(relayed), {
            signingDomain: sealer,
            selector: 'arc',
            privateKey: RSA2048.pem,
            authResults: `${sealer}; dkim=pass header.d=bank.example; spf=pass smtp.mailfrom=news@bank.example; dmarc=pass header.from=bank.example`,
            cv: 'none',
          })
        ).toString() + relayed;
      const env = from(LIST_IP, 'lists.example', 'bounces@lists.example');
      const trusted = await scan(await seal('lists.example'), env);
      expect(names(trusted)).toEqual(
        expect.arrayContaining(['R_DKIM_REJECT', 'DMARC_POLICY_REJECT', 'ARC_ALLOW', 'ARC_TRUSTED_PASS']),
      );
      expect(symbol(trusted, 'ARC_TRUSTED_PASS')?.options).toEqual([
        'lists.example',
        'dmarc=pass header.from=bank.example',
      ]);
      expect(trusted.action).not.toBe('reject');
      expect(authResults(trusted)).toContain('arc=pass');
      const untrusted = await scan(await seal('untrusted.example'), env);
      expect(names(untrusted)).toContain('ARC_ALLOW');
      expect(names(untrusted)).not.toContain('ARC_TRUSTED_PASS');
      expect(untrusted.action).toBe('reject');
    });
  });

  describe('ARC', () => {
    it('evaluates ARC-Message-Signature and ARC-Authentication-Results without an ARC-Seal: a broken chain', async () => {
      const signed = await sign(message('News <news@bank.example>'), 'bank.example', 'rsa2048', RSA2048.pem);
      const set = await sealMessage(Buffer.from(signed), {
        signingDomain: 'lists.example',
        selector: 'arc',
        privateKey: RSA2048.pem,
        authResults: 'lists.example; none',
        cv: 'none',
      });
      // the ARC set without its ARC-Seal field (and that field's folded continuation lines)
      const withoutSeal: string[] = [];
      let skipping = false;
      for (const line of set.toString().split('\r\n')) {
        if (/^ARC-Seal:/i.test(line)) skipping = true;
        else if (!/^[ \t]/.test(line)) skipping = false;
        if (!skipping && line !== '') withoutSeal.push(line);
      }
      expect(withoutSeal.some((l) => /^ARC-Message-Signature:/i.test(l))).toBe(true);
      expect(withoutSeal.some((l) => /^ARC-Seal:/i.test(l))).toBe(false);
      const v = await scan(`${withoutSeal.join('\r\n')}\r\n${signed}`, BANK);
      expect(names(v)).toContain('ARC_REJECT');
      expect(names(v)).not.toContain('ARC_NA');
      expect(authResults(v)).toContain('arc=fail');
    });
  });
});
