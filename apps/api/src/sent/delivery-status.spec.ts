import { recipientStatus, type Attempt } from './delivery-status';

const at = (iso: string, status: Attempt['status'], code: number | null): Attempt => ({
  status,
  code,
  enhanced: null,
  text: '',
  at: new Date(iso),
});

describe('recipientStatus', () => {
  it("is the next hop's latest answer: deferred, then delivered", () => {
    expect(
      recipientStatus('delivered', [
        at('2026-11-22T10:05:00Z', 'delivered', 250),
        at('2026-11-22T10:00:00Z', 'deferred', 451),
      ]),
    ).toBe('delivered');
    expect(recipientStatus('delivered', [at('2026-11-22T10:00:00Z', 'bounced', 550)])).toBe('bounced');
  });

  it("falls back to the filter's decision when the message never reached a next hop", () => {
    expect(recipientStatus('held', [])).toBe('held');
    expect(recipientStatus('refused', [])).toBe('refused');
    expect(recipientStatus('deferred', [])).toBe('deferred');
    expect(recipientStatus('delivered', [])).toBe('pending');
    expect(recipientStatus(null, [])).toBe('pending');
  });
});
