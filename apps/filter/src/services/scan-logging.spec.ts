import { loadConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import { createLogger } from '@spamfilter/observability';
import request from 'supertest';
import { createFilterApp, type FilterApp } from '../bootstrap';
import { InMemoryPolicySource } from './policy.service';
import type { QuarantineStore } from './quarantine.store';

/** A store that cannot keep anything (a database that went away). */
class BrokenQuarantine implements QuarantineStore {
  keep(): Promise<void> {
    return Promise.reject(new Error('connection terminated'));
  }
  sweep(): Promise<number> {
    return Promise.resolve(0);
  }
  size(): Promise<{ copies: number; bytes: number }> {
    return Promise.resolve({ copies: 0, bytes: 0 });
  }
}

/** Log lines of a scan carry its reference (withLogFields in ScanService), as JSON through libs/observability. */
describe('the filter log during a scan', () => {
  let app: FilterApp;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const policies = new InMemoryPolicySource();
    // One recipient refuses what the other accepts: the refused copy goes to the (broken) quarantine.
    policies.setDomain('strict.example', {
      thresholds: { greylist: 0.1, tag: 0.3, reject: 0.5 },
      greylisting: { enabled: false },
    });
    const logger = createLogger({ format: 'json', level: 'info' }, 'filter', {
      write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>),
    });
    app = await createFilterApp(loadConfig({ SCAN_THREADS: '0' }), {
      policies,
      quarantine: new BrokenQuarantine(),
      scanLog: null,
      logger,
    });
  });
  afterAll(() => app.close());

  it('a quarantine store failure: 451, and a warning with the scan reference', async () => {
    const raw = Buffer.from(
      'From: a@sender.example\r\nReply-To: b@elsewhere.example\r\nTo: x@example.net\r\nSubject: hi\r\n\r\nhello\r\n',
    );
    const res = await request(app.server)
      .post('/v1/scan')
      .set({
        [SCAN_HEADERS.clientIp]: '192.0.2.10',
        [SCAN_HEADERS.helo]: 'mail.sender.example',
        [SCAN_HEADERS.mailFrom]: 'a@sender.example',
        [SCAN_HEADERS.rcptTo]: 'bob@example.net,carol@strict.example',
        [SCAN_HEADERS.direction]: 'inbound',
        'content-type': 'message/rfc822',
      })
      .send(raw)
      .expect(200);
    const verdict = res.body as ScanVerdict;
    expect(verdict.smtp.code).toBe(451);
    const warning = lines.find((l) => l.context === 'ScanService' && l.level === 'warn');
    expect(warning).toMatchObject({
      app: 'filter',
      reference: verdict.reference,
      msg: expect.stringContaining('connection terminated'),
    });
  });
});
