import { InMemoryOutboundCounters } from '../in-memory-outbound-counters';
import { SpamWindow } from './spam-window';

describe('SpamWindow', () => {
  it('counts a burst across a clock boundary and forgets verdicts older than the window', async () => {
    let now = Date.UTC(2026, 10, 22, 10, 9, 30); // half a minute before the 10-minute boundary
    const clock = () => now;
    const w = new SpamWindow(new InMemoryOutboundCounters(clock), clock, 600_000);
    expect(await w.record('a@x.example')).toBe(1);
    now += 60_000;
    expect(await w.record('a@x.example')).toBe(2);
    expect(await w.count('b@x.example')).toBe(0);
    now += 11 * 60_000;
    expect(await w.count('a@x.example')).toBe(0);
    expect(await w.record('a@x.example')).toBe(1);
  });
});
