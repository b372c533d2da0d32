import type { ScanContext } from '../../pipeline/check';
import { AntivirusCheck, type VirusScanner } from './antivirus.check';
import type { ClamdVerdict } from './clamd-client';

/** A scanner that answers what it is told and records what it was asked. */
class StubScanner implements VirusScanner {
  readonly asked: { bytes: number; signal: AbortSignal | undefined }[] = [];
  constructor(private readonly answer: ClamdVerdict) {}
  scan(message: Uint8Array, signal?: AbortSignal): Promise<ClamdVerdict> {
    this.asked.push({ bytes: message.length, signal });
    return Promise.resolve(this.answer);
  }
}

const ctx = (raw: Buffer): ScanContext => ({ raw }) as unknown as ScanContext;
const signal = new AbortController().signal;

describe('AntivirusCheck', () => {
  it('says nothing about a clean message and sends it whole, with the scan’s abort signal', async () => {
    const scanner = new StubScanner({ kind: 'clean' });
    await expect(
      new AntivirusCheck(scanner, { maxBytes: 1000 }).run(ctx(Buffer.alloc(1000)), signal),
    ).resolves.toEqual([]);
    expect(scanner.asked).toEqual([{ bytes: 1000, signal }]);
  });

  it('reports a virus with its name', async () => {
    const check = new AntivirusCheck(
      new StubScanner({ kind: 'infected', names: ['Win.Trojan.Agent-1', 'Eicar-Test-Signature'] }),
      { maxBytes: 1000 },
    );
    await expect(check.run(ctx(Buffer.from('x')), signal)).resolves.toEqual([
      { name: 'CLAMAV_VIRUS', options: ['Win.Trojan.Agent-1', 'Eicar-Test-Signature'] },
    ]);
  });

  it('turns a scanner failure into CLAMAV_TEMPFAIL with the reason', async () => {
    const check = new AntivirusCheck(
      new StubScanner({ kind: 'error', reason: 'clamd at /run/clamav/clamd.ctl: ENOENT' }),
      { maxBytes: 1000 },
    );
    await expect(check.run(ctx(Buffer.from('x')), signal)).resolves.toEqual([
      { name: 'CLAMAV_TEMPFAIL', options: ['clamd at /run/clamav/clamd.ctl: ENOENT'] },
    ]);
  });

  it('skips what is over CLAMAV_MAX_BYTES without asking, and what clamd refuses as too large', async () => {
    const scanner = new StubScanner({ kind: 'clean' });
    await expect(
      new AntivirusCheck(scanner, { maxBytes: 1000 }).run(ctx(Buffer.alloc(1001)), signal),
    ).resolves.toEqual([{ name: 'CLAMAV_SKIPPED', options: ['1001 bytes > CLAMAV_MAX_BYTES 1000'] }]);
    expect(scanner.asked).toEqual([]);
    const refused = new AntivirusCheck(new StubScanner({ kind: 'too-large' }), { maxBytes: 1000 });
    await expect(refused.run(ctx(Buffer.alloc(10)), signal)).resolves.toEqual([
      { name: 'CLAMAV_SKIPPED', options: ["over clamd's StreamMaxLength"] },
    ]);
  });
});
