import { loadConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import request from 'supertest';
import { mimeMessage } from '../../../../test/antivirus/messages';
import { buildZip } from '../../../../test/antivirus/zip-builder';
import { createFilterApp, type FilterApp } from '../bootstrap';
import type { VirusScanner } from '../checks/antivirus/antivirus.check';
import type { ClamdVerdict } from '../checks/antivirus/clamd-client';
import { InMemoryListSource } from '../checks/lists/list-source';
import { InMemoryPolicySource } from './policy.service';

/**
 * The scan service's handling of the virus scanner and archive findings, through the composed filter (FilterServices
 * wiring, scorer, default weights, policy) with the scanner port answering what each test needs. The real clamd is
 * in test/antivirus/clamav.int-spec.ts.
 */
class SwitchableScanner implements VirusScanner {
  answer: ClamdVerdict = { kind: 'clean' };
  scan(): Promise<ClamdVerdict> {
    return Promise.resolve(this.answer);
  }
}

const envelope = (rcpt = 'bob@example.com'): Record<string, string> => ({
  [SCAN_HEADERS.clientIp]: '192.0.2.10',
  [SCAN_HEADERS.helo]: 'mail.example.org',
  [SCAN_HEADERS.mailFrom]: 'alice@example.org',
  [SCAN_HEADERS.rcptTo]: rcpt,
  [SCAN_HEADERS.direction]: 'inbound',
  'content-type': 'message/rfc822',
});

describe('ScanService with a virus scanner and archive inspection (embedded defaults)', () => {
  const scanner = new SwitchableScanner();
  const lists = new InMemoryListSource();
  const policies = new InMemoryPolicySource();
  const apps: FilterApp[] = [];
  const start = async (env: Record<string, string>): Promise<FilterApp> => {
    const app = await createFilterApp(loadConfig({ SCAN_THREADS: '0', ...env }), {
      virusScanner: scanner,
      lists,
      policies,
      scanLog: null,
    });
    apps.push(app);
    return app;
  };
  const scan = async (app: FilterApp, raw: Buffer, rcpt?: string): Promise<ScanVerdict> =>
    (await request(app.server).post('/v1/scan').set(envelope(rcpt)).send(raw).expect(200))
      .body as ScanVerdict;

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });
  beforeEach(() => {
    scanner.answer = { kind: 'clean' };
  });

  it('rejects a virus with its name in the reason and the SMTP reply, even from an allow-listed sender', async () => {
    const app = await start({});
    lists.add({
      scope: 'user',
      owner: 'carol@example.com',
      kind: 'allow',
      match: 'address',
      value: 'alice@example.org',
    });
    scanner.answer = { kind: 'infected', names: ['Win.Trojan.Agent-123'] };
    for (const rcpt of ['bob@example.com', 'carol@example.com']) {
      const v = await scan(app, mimeMessage({}), rcpt);
      expect(v.action).toBe('reject');
      expect(v.symbols).toContainEqual(
        expect.objectContaining({
          name: 'CLAMAV_VIRUS',
          group: 'antivirus',
          score: 200,
          options: ['Win.Trojan.Agent-123'],
        }),
      );
      // Carol's allow-list entry takes 100 off, and is shown, but does not let the virus through.
      expect(v.reason).toMatch(
        /^virus found \((score 200\.00|score 100\.00)\) by CLAMAV_VIRUS\(Win\.Trojan\.Agent-123\)/,
      );
      expect(v.smtp).toEqual({
        code: 550,
        enhanced: '5.7.1',
        message: `Message refused: ${v.reason} (ref ${v.reference})`,
      });
    }
  });

  it('CLAMAV_ON_FAILURE=defer: a scanner that cannot answer defers every recipient with 451 4.3.0, whatever the score', async () => {
    const app = await start({ CLAMAV_ON_FAILURE: 'defer' });
    scanner.answer = { kind: 'error', reason: 'clamd at /run/clamav/clamd.ctl: ECONNREFUSED' };
    const v = await scan(app, mimeMessage({}), 'bob@example.com, dan@example.com');
    expect(v.action).toBe('greylist');
    expect(v.smtp).toEqual({
      code: 451,
      enhanced: '4.3.0',
      message: `Message could not be scanned, please try again later (ref ${v.reference})`,
    });
    expect(v.recipients.map((r) => [r.action, r.smtp.code])).toEqual([
      ['greylist', 451],
      ['greylist', 451],
    ]);
    expect(v.reason).toBe(
      'deferred: not scanned, CLAMAV_TEMPFAIL(clamd at /run/clamav/clamd.ctl: ECONNREFUSED)',
    );
    expect(v.delivery).toEqual({ outcome: 'tempfail', copies: [] });
    expect(v.recipients.map((r) => r.disposition)).toEqual(['deferred', 'deferred']);
    // The clean scan right after is accepted: the deferral is about this scan only.
    scanner.answer = { kind: 'clean' };
    expect((await scan(app, mimeMessage({}))).action).toBe('accept');
  });

  it('CLAMAV_ON_FAILURE=accept: the score decides and the copy says it was not scanned', async () => {
    const app = await start({ CLAMAV_ON_FAILURE: 'accept' });
    scanner.answer = { kind: 'error', reason: 'clamd at 127.0.0.1:3310 gave no answer in 1200 ms' };
    const v = await scan(app, mimeMessage({}));
    expect(v.action).toBe('accept');
    expect(v.smtp.code).toBe(250);
    expect(v.headers).toContainEqual(['X-Virus-Status', 'Unscanned']);
    expect(v.delivery).toMatchObject({
      outcome: 'deliver',
      copies: [{ headers: expect.arrayContaining([['X-Virus-Status', 'Unscanned']]) }],
    });
    expect(v.symbols).toContainEqual(expect.objectContaining({ name: 'CLAMAV_TEMPFAIL', score: 0 }));
    scanner.answer = { kind: 'clean' };
    expect((await scan(app, mimeMessage({}))).headers.map(([name]) => name)).not.toContain('X-Virus-Status');
  });

  it('tags a zip holding an executable, and an invoice.pdf.exe, on the default weights alone', async () => {
    const app = await start({});
    policies.setUser('nogrey@example.com', { greylisting: { enabled: false } });
    const zipped = await scan(
      app,
      mimeMessage({
        attachments: [{ filename: 'documents.zip', bytes: buildZip([{ name: 'scan0042.exe', data: 'MZ' }]) }],
      }),
      'nogrey@example.com',
    );
    expect(zipped.symbols.map((s) => s.name)).toContain('ARCHIVE_EXECUTABLE');
    expect(zipped.action).toBe('tag');
    const direct = await scan(
      app,
      mimeMessage({ attachments: [{ filename: 'invoice.pdf.exe', bytes: 'MZ' }] }),
      'nogrey@example.com',
    );
    expect(direct.symbols.map((s) => s.name)).toContain('DOUBLE_EXTENSION_ATTACHMENT');
    expect(direct.action).toBe('tag');
  });

  it('shows the scanner in /health, and archive inspection can be turned off', async () => {
    const app = await start({ ARCHIVE_INSPECT: 'false' });
    const health = (await request(app.server).get('/health').expect(200)).body as {
      dependencies: Record<string, { state: string }>;
    };
    expect(health.dependencies.antivirus).toEqual({ state: 'up', detail: 'injected scanner' });
    const v = await scan(
      app,
      mimeMessage({
        attachments: [{ filename: 'documents.zip', bytes: buildZip([{ name: 'scan0042.exe', data: 'MZ' }]) }],
      }),
    );
    expect(v.symbols.map((s) => s.name)).not.toContain('ARCHIVE_EXECUTABLE');
  });
});

describe('without CLAMAV_ADDRESS', () => {
  it('runs no virus check and says so in /health', async () => {
    const app = await createFilterApp(loadConfig({ SCAN_THREADS: '0' }), { scanLog: null });
    try {
      expect(app.services.checks.map((c) => c.name)).not.toContain('antivirus');
      expect(app.services.checks.map((c) => c.name)).toContain('archive');
      const health = (await request(app.server).get('/health').expect(200)).body as {
        dependencies: Record<string, { state: string }>;
      };
      expect(health.dependencies.antivirus).toMatchObject({ state: 'off' });
    } finally {
      await app.close();
    }
  });
});
