'use strict';
const {
  SCAN_HEADERS,
  RELEASE_HEADER,
  buildEnvelopeHeaders,
  headerValue,
  normalizeAddress,
} = require('../lib/request');

describe('buildEnvelopeHeaders', () => {
  it('uses the contract’s header names (libs/domain SCAN_HEADERS)', () => {
    // The TypeScript contract is the source of truth; ts-jest compiles it for this check.
    const domain = require('../../../libs/domain/src/envelope');
    expect(SCAN_HEADERS).toEqual(domain.SCAN_HEADERS);
    expect(RELEASE_HEADER).toBe(domain.RELEASE_HEADER);
  });

  it('sends the envelope, recipients comma-separated, domains lower-cased', () => {
    const h = buildEnvelopeHeaders({
      clientIp: '192.0.2.1',
      helo: 'mx.example.org',
      mailFrom: 'Alice@Sender.Example',
      rcptTo: ['Bob@Example.NET', 'carol@example.net'],
      direction: 'inbound',
      queueId: 'Q1',
      clientHostname: 'mx.example.org',
    });
    expect(h).toEqual({
      'x-client-ip': '192.0.2.1',
      'x-helo': 'mx.example.org',
      'x-mail-from': 'Alice@sender.example',
      'x-rcpt-to': 'Bob@example.net,carol@example.net',
      'x-direction': 'inbound',
      'x-queue-id': 'Q1',
      'x-client-hostname': 'mx.example.org',
    });
  });

  it('sends the null sender as an empty x-mail-from and the AUTH user outbound', () => {
    const h = buildEnvelopeHeaders({
      clientIp: '10.0.0.1',
      mailFrom: '',
      rcptTo: ['x@y.example'],
      direction: 'outbound',
      authUser: 'alice',
    });
    expect(h['x-mail-from']).toBe('');
    expect(h['x-auth-user']).toBe('alice');
    expect(h['x-direction']).toBe('outbound');
    expect('x-helo' in h).toBe(false);
  });

  it('cannot be used to inject headers and keeps non-ASCII readable', () => {
    expect(headerValue('evil\r\nX-Direction: outbound')).toBe('evilX-Direction: outbound');
    expect(headerValue('jörg@example.de')).toBe('j%C3%B6rg@example.de');
    expect(normalizeAddress('postmaster')).toBe('postmaster');
    // A comma inside a quoted local part must not split the recipient list.
    expect(
      buildEnvelopeHeaders({ clientIp: '1.2.3.4', rcptTo: ['"a,b"@x.example'], direction: 'inbound' })[
        'x-rcpt-to'
      ],
    ).toBe('"a%2Cb"@x.example');
  });
});
