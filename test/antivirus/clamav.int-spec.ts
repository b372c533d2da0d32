/**
 * Virus scanning against a real clamd (test/antivirus/clamd-process.ts: Debian's clamav-daemon with a signature
 * database the test writes): the INSTREAM client over the unix socket and TCP, then the filter (createFilterApp on
 * embedded defaults, CLAMAV_ADDRESS set) refusing EICAR attached, inline and zipped with the virus name, accepting
 * clean mail, and — with clamd stopped — reporting CLAMAV_TEMPFAIL and doing what CLAMAV_ON_FAILURE says.
 */
import { loadConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import request from 'supertest';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { ClamdClient } from '../../apps/filter/src/checks/antivirus/clamd-client';
import { startClamd, type ClamdHandle } from './clamd-process';
import { eicar, mimeMessage } from './messages';
import { buildZip } from './zip-builder';

const envelope = (rcpt = 'bob@example.net'): Record<string, string> => ({
  [SCAN_HEADERS.clientIp]: '192.0.2.10',
  [SCAN_HEADERS.helo]: 'mail.sender.example',
  [SCAN_HEADERS.mailFrom]: 'alice@sender.example',
  [SCAN_HEADERS.rcptTo]: rcpt,
  [SCAN_HEADERS.direction]: 'inbound',
  'content-type': 'message/rfc822',
});

const EICAR_NAME = /^Eicar-Test-(File|Signature)\.UNOFFICIAL$/;

describe('ClamAV: the real clamd', () => {
  let clamd: ClamdHandle;
  let defer: FilterApp;
  let accept: FilterApp;

  beforeAll(async () => {
    clamd = await startClamd();
    const config = (onFailure: string) =>
      loadConfig({
        CLAMAV_ADDRESS: clamd.socketPath,
        CLAMAV_ON_FAILURE: onFailure,
        CLAMAV_TIMEOUT_MS: '5000',
        SCAN_CHECK_TIMEOUT_MS: '8000',
        SCAN_DEADLINE_MS: '10000',
      });
    defer = await createFilterApp(config('defer'), { scanLog: null });
    accept = await createFilterApp(config('accept'), { scanLog: null });
  }, 60_000);

  afterAll(async () => {
    await defer?.close();
    await accept?.close();
    await clamd?.close();
  });

  const scan = async (app: FilterApp, raw: Buffer): Promise<ScanVerdict> =>
    (await request(app.server).post('/v1/scan').set(envelope()).send(raw).expect(200)).body as ScanVerdict;
  const virus = (v: ScanVerdict): readonly string[] =>
    v.symbols.find((s) => s.name === 'CLAMAV_VIRUS')?.options ?? [];

  it('the client scans over the unix socket and over TCP on 127.0.0.1', async () => {
    for (const address of [{ path: clamd.socketPath }, { host: '127.0.0.1', port: clamd.tcpPort }]) {
      const client = new ClamdClient({ address, timeoutMs: 5000 });
      await expect(client.scan(Buffer.from('nothing to see here'))).resolves.toEqual({ kind: 'clean' });
      const found = await client.scan(Buffer.from(eicar(), 'latin1'));
      expect(found.kind === 'infected' && found.names[0]).toMatch(EICAR_NAME);
      await expect(client.version()).resolves.toMatchObject({
        ok: true,
        version: expect.stringMatching(/^ClamAV \d+\.\d+/),
      });
    }
  });

  it('accepts clean mail, and /health names the engine', async () => {
    const v = await scan(
      defer,
      mimeMessage({ attachments: [{ filename: 'minutes.pdf', bytes: '%PDF-1.7 the minutes' }] }),
    );
    expect(v.action).toBe('accept');
    expect(v.symbols.map((s) => s.name).filter((n) => n.startsWith('CLAMAV_'))).toEqual([]);
    const health = (await request(defer.server).get('/health').expect(200)).body as {
      dependencies: Record<string, { state: string; detail: string }>;
    };
    expect(health.dependencies.antivirus).toMatchObject({
      state: 'up',
      detail: expect.stringContaining('ClamAV '),
    });
  });

  it('rejects EICAR as a .txt attachment, inline in the body, and zipped, with the virus name', async () => {
    const attached = await scan(
      defer,
      mimeMessage({ attachments: [{ filename: 'readme.txt', bytes: eicar(), contentType: 'text/plain' }] }),
    );
    const inline = await scan(defer, mimeMessage({ text: `Hello,\r\n\r\n${eicar()}\r\n\r\nbye\r\n` }));
    const zipped = await scan(
      defer,
      mimeMessage({
        attachments: [
          {
            filename: 'files.zip',
            bytes: buildZip([{ name: 'eicar.com', data: eicar() }]),
            contentType: 'application/zip',
          },
        ],
      }),
    );
    for (const v of [attached, inline, zipped]) {
      expect(v.action).toBe('reject');
      expect(virus(v)[0]).toMatch(EICAR_NAME);
      expect(v.smtp).toMatchObject({
        code: 550,
        enhanced: '5.7.1',
        message: expect.stringMatching(/CLAMAV_VIRUS\(Eicar-Test-/),
      });
    }
  });

  it('with clamd stopped: CLAMAV_TEMPFAIL, then 451 4.3.0 (defer) or delivery marked unscanned (accept); back to scanning when it returns', async () => {
    await clamd.stop();
    try {
      const deferred = await scan(defer, mimeMessage({ text: `Hello,\r\n${eicar()}\r\n` }));
      expect(deferred.symbols).toContainEqual(
        expect.objectContaining({ name: 'CLAMAV_TEMPFAIL', options: [expect.stringContaining('ENOENT')] }),
      );
      expect(deferred.action).toBe('greylist');
      expect(deferred.smtp).toMatchObject({ code: 451, enhanced: '4.3.0' });

      const accepted = await scan(accept, mimeMessage({}));
      expect(accepted.symbols.map((s) => s.name)).toContain('CLAMAV_TEMPFAIL');
      expect(accepted.action).toBe('accept');
      expect(accepted.headers).toContainEqual(['X-Virus-Status', 'Unscanned']);
      // What the plugin delivers: the copy itself carries it.
      expect(accepted.delivery.copies[0]?.headers).toContainEqual(['X-Virus-Status', 'Unscanned']);

      const health = (await request(defer.server).get('/health').expect(200)).body as {
        status: string;
        dependencies: Record<string, { state: string }>;
      };
      expect(health.status).toBe('degraded');
      expect(health.dependencies.antivirus?.state).toBe('down');
    } finally {
      await clamd.start();
    }
    const again = await scan(defer, mimeMessage({ text: `Hello,\r\n${eicar()}\r\n` }));
    expect(again.action).toBe('reject');
  });
});
