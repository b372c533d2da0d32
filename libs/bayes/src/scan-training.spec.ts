import { parseMessageSync } from '@spamfilter/mail';
import { readScanTraining, scanTraining } from './scan-training';
import { tokenize } from './tokenizer';

describe('scanTraining', () => {
  const msg = parseMessageSync(
    Buffer.from(
      'From: News <News@Shop.Example>\r\nList-Unsubscribe: <mailto:u@shop.example>\r\nSubject: Weekly deals\r\n\r\nCheap offers inside\r\n',
    ),
  );

  it('records the tokens the filter classifies with, the sender and list mail, and reads back', () => {
    const t = scanTraining(msg);
    expect(t.tokens).toEqual(Array.from(tokenize(msg).ids));
    expect(t.sender).toBe('news@shop.example');
    expect(t.listUnsubscribe).toBe(true);
    expect(readScanTraining(JSON.parse(JSON.stringify(t)))).toEqual(t);
  });

  it('refuses what is not training data', () => {
    expect(readScanTraining(null)).toBeNull();
    expect(readScanTraining({ tokens: ['a'] })).toBeNull();
    expect(readScanTraining({ tokens: [-1] })).toBeNull();
    expect(readScanTraining({ tokens: [1, 2] })).toEqual({
      tokens: [1, 2],
      sender: null,
      listUnsubscribe: false,
    });
  });

  it("reads the scan's own verdict and bulk signals when present, and drops malformed ones", () => {
    const full = {
      tokens: [1],
      sender: null,
      listUnsubscribe: true,
      globalLogit: -3.5,
      dkimAligned: true,
      reputation: 'good',
    };
    expect(readScanTraining(full)).toEqual(full);
    expect(readScanTraining({ tokens: [1], globalLogit: 'x', dkimAligned: 1, reputation: 'great' })).toEqual({
      tokens: [1],
      sender: null,
      listUnsubscribe: false,
    });
  });
});
