import { parseMessageSync, type ParsedMessage } from '@spamfilter/mail';
import { plainMessage } from './plain-message.fixture';
import { ContentCheck } from './content.check';
import {
  claimedDomains,
  credentialForm,
  credentialLure,
  impersonatedInstitution,
  lookalikePairs,
  punycodeImitation,
  shortenerLinks,
  skeleton,
} from './phishing';

const base = plainMessage;
const check = new ContentCheck({ marketingPhrases: [] });
const hitsOf = (m: Partial<ParsedMessage>) => check.evaluate({ ...base, ...m });
const link = (url: string, text: string | null = null) => ({ url, host: new URL(url).hostname, text });

describe('skeleton (UTS #39 confusables, for domains)', () => {
  it('folds homoglyphs, digits read as letters and multi-letter look-alikes onto one form', () => {
    expect(skeleton('paypal.com')).toBe('paypal.com');
    expect(skeleton('paypa1.com')).toBe('paypal.com');
    expect(skeleton('xn--pypal-4ve.com')).toBe('paypal.com'); // pаypal with a Cyrillic а
    expect(skeleton('rnicrosoft.com')).toBe('microsoft.com');
    expect(skeleton('ebay.c0m')).toBe('ebay.com');
    expect(skeleton('ＰＡＹＰＡＬ.com')).toBe('paypal.com'); // full-width
    expect(skeleton('example.org')).not.toBe(skeleton('example.com'));
  });
});

describe('punycodeImitation', () => {
  it('names an IDN written in homoglyphs of ASCII, and leaves genuine IDNs and ASCII alone', () => {
    expect(punycodeImitation('xn--pypal-4ve.com')).toBe('pаypal.com');
    expect(punycodeImitation('www.xn--80ak6aa92e.com')).toBe('www.аррӏе.com'); // Cyrillic "apple"
    expect(punycodeImitation('xn--bcher-kva.de')).toBeNull(); // bücher.de: ü has no ASCII twin
    expect(punycodeImitation('xn--r8jz45g.jp')).toBeNull(); // 例え.jp
    expect(punycodeImitation('paypal.com')).toBeNull();
  });
});

describe('look-alike domains', () => {
  it('pairs the domains of one message that look the same, naming the imitation and the real one', () => {
    expect(lookalikePairs(new Set(['paypal.com', 'paypa1.com', 'example.net']))).toEqual([
      'paypa1.com ≈ paypal.com',
    ]);
    expect(lookalikePairs(new Set(['paypal.com', 'example.net']))).toEqual([]);
  });

  it('takes the claimed domains from From, Reply-To, a display-name address, links and link texts', () => {
    const m: ParsedMessage = {
      ...base,
      from: { name: 'service@paypal.com', address: 'x@mailer.example' },
      replyTo: [{ name: '', address: 'r@reply.example.org' }],
      links: [link('http://login.paypa1.com/x', 'https://www.paypal.com/signin'), link('http://192.0.2.7/a')],
    };
    expect([...claimedDomains(m)].sort()).toEqual([
      'example.org',
      'mailer.example',
      'paypa1.com',
      'paypal.com',
    ]);
  });

  it('reports LOOKALIKE_DOMAIN for a link to an imitation of the domain the link text shows', () => {
    const hits = hitsOf({ links: [link('http://www.paypa1.com/signin', 'www.paypal.com')] });
    expect(hits).toContainEqual({ name: 'LOOKALIKE_DOMAIN', options: ['paypa1.com ≈ paypal.com'] });
    // the same organisation's hosts are one registrable domain: no pair
    expect(
      hitsOf({ links: [link('http://mail.paypal.com/x', 'www.paypal.com')] }).map((h) => h.name),
    ).not.toContain('LOOKALIKE_DOMAIN');
  });

  it('reports PUNYCODE_LOOKALIKE for a From or link host in homoglyphs, not for a genuine IDN', () => {
    expect(hitsOf({ links: [link('http://xn--pypal-4ve.com/login')] })).toContainEqual({
      name: 'PUNYCODE_LOOKALIKE',
      options: ['pаypal.com'],
    });
    expect(hitsOf({ from: { name: '', address: 'info@xn--pypal-4ve.com' } }).map((h) => h.name)).toContain(
      'PUNYCODE_LOOKALIKE',
    );
    expect(hitsOf({ links: [link('http://xn--bcher-kva.de/')] }).map((h) => h.name)).not.toContain(
      'PUNYCODE_LOOKALIKE',
    );
  });
});

describe('credential forms', () => {
  it('finds a form asking for a password, PIN, card or account number', () => {
    expect(credentialForm('<form action="http://x.example/a"><input type="password" name="p"></form>')).toBe(
      'input type=password',
    );
    expect(credentialForm("<FORM method=post><INPUT name='CCNum'><input name=cvv2></FORM>")).toBe(
      'input ccnum',
    );
    expect(credentialForm('<form><input name="strPassword" type="text"></form>')).toBe('input strpassword');
  });

  it('leaves search boxes, sign-ups and inputs outside a form alone', () => {
    expect(
      credentialForm('<form action="/search"><input name=q><input name="email"><input type=submit></form>'),
    ).toBeNull();
    expect(credentialForm('<input type=password>')).toBeNull();
    expect(credentialForm(null)).toBeNull();
  });

  it('reports CREDENTIAL_FORM from the HTML part', () => {
    const m = parseMessageSync(
      Buffer.from(
        'From: Bank <a@bank.example>\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n<form action="http://203.0.113.9/p"><input type=password name=pw></form>\r\n',
      ),
    );
    expect(check.evaluate(m)).toContainEqual({ name: 'CREDENTIAL_FORM', options: ['input type=password'] });
  });
});

describe('credential lures', () => {
  const lure = {
    subject: 'Account notice',
    text: 'Dear member, please verify your account within 24 hours or it will be closed.',
  };

  it('needs the wording and a link to another organisation than the From domain', () => {
    expect(
      credentialLure({ ...base, ...lure, links: [link('http://verify.example.net/x')] }, 'shop.example.com'),
    ).toBe('"verify your account" → verify.example.net');
    // a shop's own notice linking to the shop
    expect(
      credentialLure(
        { ...base, ...lure, links: [link('https://www.example.com/account')] },
        'shop.example.com',
      ),
    ).toBeNull();
    expect(credentialLure({ ...base, ...lure }, 'shop.example.com')).toBeNull();
    expect(
      credentialLure(
        { ...base, text: 'See the agenda', links: [link('http://verify.example.net/x')] },
        'shop.example.com',
      ),
    ).toBeNull();
  });

  it('knows the suspension and unauthorised-access pretexts too', () => {
    for (const text of [
      'Your account has been suspended.',
      'We noticed unauthorized login attempts',
      'Please sign in to your account',
      'if you did not sign on within the nearest time your account may be subject to temporary suspension',
      'In order to safeguard your account, we require you to sign on immediately.',
    ])
      expect(
        credentialLure({ ...base, text, links: [link('http://x.example.net/')] }, 'bank.example'),
      ).not.toBeNull();
    // a site that mails its customers their login says this too: not a lure by itself
    expect(
      credentialLure(
        {
          ...base,
          text: 'Your user ID and password for the web cast follow.',
          links: [link('http://x.example.net/')],
        },
        'bank.example',
      ),
    ).toBeNull();
  });

  it('reports CREDENTIAL_LURE_LINK', () => {
    expect(hitsOf({ ...lure, links: [link('http://verify.example.net/x')] }).map((h) => h.name)).toContain(
      'CREDENTIAL_LURE_LINK',
    );
  });
});

describe('URL shorteners', () => {
  it('reports URL_SHORTENER with the shortener hosts, and nothing for ordinary links', () => {
    expect(
      shortenerLinks({
        ...base,
        links: [link('https://bit.ly/3abc'), link('https://www.example.com/'), link('http://tinyurl.com/x')],
      }),
    ).toEqual(['bit.ly', 'tinyurl.com']);
    expect(hitsOf({ links: [link('https://bit.ly/3abc')] })).toContainEqual({
      name: 'URL_SHORTENER',
      options: ['bit.ly'],
    });
    expect(hitsOf({ links: [link('https://www.example.com/')] })).toEqual([]);
  });
});

describe('impersonatedInstitution (a bank or brand in the display name, another domain in the address)', () => {
  it('names a much-phished brand sending from a domain that is not its own', () => {
    expect(impersonatedInstitution('PayPal', 'front.ru')).toBe('PayPal');
    expect(impersonatedInstitution('Ebay Gift Card', 'pooleoddonut.com')).toBe('Ebay');
    expect(impersonatedInstitution('Visa Service', 'visa-security.com')).toBe('Visa');
    expect(impersonatedInstitution('Citicard', 'bigfoot.com')).toBe('Citicard');
  });

  it('leaves a brand alone on its own domains and subdomains (registrable domain, public suffix list)', () => {
    expect(impersonatedInstitution('PayPal', 'paypal.com')).toBeNull();
    expect(impersonatedInstitution('PayPal Service', 'e.paypal.co.uk')).toBeNull();
    expect(impersonatedInstitution('Bank of America Alerts', 'ealerts.bankofamerica.com')).toBeNull();
    expect(impersonatedInstitution('Fifth Third Bank', 'email.53.com')).toBeNull();
    expect(impersonatedInstitution('Chase Online', 'alertsp.chase.com')).toBeNull();
  });

  it('reads a brand that is also a given name or a word only when the rest of the name is service words', () => {
    expect(impersonatedInstitution('Chase Online Banking', 'mail.example.net')).toBe('Chase');
    expect(impersonatedInstitution('Apple Support', 'example.net')).toBe('Apple');
    expect(impersonatedInstitution('Chase Miller', 'gmail.com')).toBeNull();
    expect(impersonatedInstitution('Big Apple Bagels', 'bagels.example')).toBeNull();
  });

  it('names a bank or credit union whose domain carries neither a word of its name nor its initials', () => {
    expect(impersonatedInstitution('HAWAII STATE FEDERAL CREDIT UNION', 'indiatimes.com')).toBe(
      'HAWAII STATE FEDERAL CREDIT UNION',
    );
    expect(impersonatedInstitution('CBC FEDERAL CREDIT UNION', 'myway.com')).toBe('CBC FEDERAL CREDIT UNION');
    expect(impersonatedInstitution('The Community Bank', 'gmail.com')).toBe('The Community Bank');
  });

  it('accepts an institution on a domain named after it, by a word or by its initials', () => {
    expect(impersonatedInstitution('GTE Federal Credit Union', 'gtefcu.org')).toBeNull();
    expect(impersonatedInstitution('Navy Federal Credit Union', 'news.navyfederal.org')).toBeNull();
    expect(impersonatedInstitution('Royal Bank of Scotland', 'rbs.co.uk')).toBeNull();
    expect(impersonatedInstitution('Deutsche Bank', 'db.com')).toBeNull();
    expect(impersonatedInstitution('Enron Federal Credit Union', 'enron.com')).toBeNull();
    // a name of generic words names no institution in particular: a bank's own "Bank Security" team
    expect(impersonatedInstitution('Bank Security', 'bank.example')).toBeNull();
    expect(impersonatedInstitution('Online Banking Alerts', 'mail.example.net')).toBeNull();
  });

  it('ignores names of people and names without an institution, and mail without a From domain', () => {
    expect(impersonatedInstitution('Vince J Kaminski', 'enron.com')).toBeNull();
    expect(impersonatedInstitution('Banks, Jennifer', 'example.com')).toBeNull();
    expect(impersonatedInstitution('PayPal', null)).toBeNull();
    expect(impersonatedInstitution('', 'example.com')).toBeNull();
    // an address as the name is SPOOF_DISPLAY_NAME's, not counted twice
    expect(impersonatedInstitution('security@bank.co.uk', 'phish.co.uk')).toBeNull();
  });

  it('reports IMPERSONATED_INSTITUTION with the name and the domain', () => {
    expect(hitsOf({ from: { name: 'PayPal', address: 'service@paypal-secure.example' } })).toContainEqual({
      name: 'IMPERSONATED_INSTITUTION',
      options: ['PayPal → paypal-secure.example'],
    });
    expect(hitsOf({ from: { name: 'PayPal', address: 'service@paypal.com' } })).toEqual([]);
  });
});
