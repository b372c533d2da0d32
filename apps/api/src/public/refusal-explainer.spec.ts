import type { SymbolGroup } from '@spamfilter/domain';
import { explainRefusal, type RefusalFacts } from './refusal-explainer';

const s = (name: string, group: SymbolGroup, score: number, options: string[] = []) => ({
  name,
  group,
  score,
  options,
});
const base: RefusalFacts = {
  action: 'reject',
  symbols: [],
  senderDomain: 'example.com',
  clientIp: '192.0.2.7',
};

describe('explainRefusal', () => {
  it('says in plain words that the server may not send for the domain on SPF fail, and how to fix it', () => {
    const e = explainRefusal({ ...base, symbols: [s('R_SPF_FAIL', 'auth', 2)] });
    expect(e.headline).toBe('This message was refused.');
    expect(e.reasons).toEqual([
      {
        kind: 'spf',
        what: "Your server (192.0.2.7) is not allowed to send mail for example.com: the domain's SPF record does not list it.",
        fix: 'Fix SPF: add this server to the SPF record of example.com, or send through a server the record already lists.',
      },
    ]);
    expect(e.reviewable).toBe(true);
  });

  it('orders reasons by weight and explains rDNS and DNS block lists', () => {
    const e = explainRefusal({
      ...base,
      symbols: [
        s('RDNS_NONE', 'connection', 1),
        s('RBL_EXAMPLE', 'connection', 4, ['127.0.0.2']),
        s('R_SPF_ALLOW', 'auth', -0.2),
      ],
    });
    expect(e.reasons.map((r) => r.kind)).toEqual(['blocklist', 'rdns']);
    expect(e.reasons[0].what).toContain('192.0.2.7');
    expect(e.reasons[1].fix).toMatch(/PTR record/);
  });

  it('sums unexplained content signals into one content reason and never lists hammy symbols', () => {
    const e = explainRefusal({
      ...base,
      symbols: [
        s('BAYES_SPAM', 'bayes', 5),
        s('MARKETING_PHRASE', 'content', 1.5),
        s('DMARC_POLICY_ALLOW', 'auth', -0.5),
      ],
    });
    expect(e.reasons).toHaveLength(1);
    expect(e.reasons[0].kind).toBe('content');
  });

  it('tells a rate-limited sender to wait, and does not offer a review', () => {
    const e = explainRefusal({
      ...base,
      action: 'defer',
      symbols: [s('OUTBOUND_RATE_ACCOUNT_HOUR', 'outbound', 0)],
    });
    expect(e.headline).toMatch(/delayed/);
    expect(e.reasons.map((r) => r.kind)).toEqual(['rate']);
    expect(e.reviewable).toBe(false);
  });

  it('explains a blocked account', () => {
    const e = explainRefusal({
      ...base,
      action: 'block',
      symbols: [s('OUTBOUND_ACCOUNT_BLOCKED', 'outbound', 0)],
    });
    expect(e.reasons[0].kind).toBe('account');
    expect(e.reviewable).toBe(false);
  });

  it('names the virus, and says a deferral for a scanner outage needs no fix', () => {
    const virus = explainRefusal({
      ...base,
      symbols: [
        s('CLAMAV_VIRUS', 'antivirus', 200, ['Win.Trojan.Agent-1']),
        s('ARCHIVE_EXECUTABLE', 'content', 7),
      ],
    });
    expect(virus.reasons.map((r) => r.what)).toEqual([
      "The message carries malware (Win.Trojan.Agent-1), found by the recipients' virus scanner.",
      'A compressed (zip) attachment contains a program file.',
    ]);
    const deferred = explainRefusal({
      ...base,
      action: 'greylist',
      symbols: [s('CLAMAV_TEMPFAIL', 'antivirus', 0, ['clamd: ECONNREFUSED'])],
    });
    expect(deferred.headline).toBe(
      'This message was delayed, not refused: your server should send it again later.',
    );
    expect(deferred.reasons).toEqual([
      expect.objectContaining({
        what: "The recipients' virus scanner could not check the message at that moment.",
      }),
    ]);
    expect(deferred.reviewable).toBe(false);
  });

  it('names GTUBE first when it decided the refusal, not the weaker HELO sign beside it', () => {
    const e = explainRefusal({
      ...base,
      symbols: [
        s('HELO_NOT_FQDN', 'connection', 1, ['vm']),
        s('GTUBE', 'content', 10),
        s('BAYES_HAM', 'bayes', -0.1),
      ],
    });
    expect(e.reasons.map((r) => r.kind)).toEqual(['content', 'helo']);
    expect(e.reasons[0].what).toMatch(/GTUBE test pattern/);
  });

  it('explains look-alike domains and credential forms as phishing signs', () => {
    const e = explainRefusal({
      ...base,
      symbols: [
        s('LOOKALIKE_DOMAIN', 'content', 5, ['paypa1.com ≈ paypal.com']),
        s('CREDENTIAL_FORM', 'content', 3),
        s('IMPERSONATED_INSTITUTION', 'content', 3, ['PayPal → front.example']),
      ],
    });
    expect(e.reasons.map((r) => r.what)).toEqual([
      expect.stringMatching(/look like another one/),
      expect.stringMatching(/password, PIN or card number/),
      expect.stringMatching(/shows a bank or a well-known brand/),
    ]);
  });

  it('still gives a reason when no single symbol explains the refusal', () => {
    const e = explainRefusal({ ...base, symbols: [s('SOME_NEW_SYMBOL', 'auth', 1)] });
    expect(e.reasons).toHaveLength(1);
  });
});
