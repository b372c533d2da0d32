import { parseMessageSync } from '@spamfilter/mail';
import {
  SignatureIndex,
  campaignSignature,
  decodeSignature,
  encodeSignature,
  signatureBands,
  signatureSimilarity,
} from './campaign-signature';
import { tokenize } from './tokenizer';

const ids = (subject: string, body: string): Uint32Array =>
  tokenize(
    parseMessageSync(Buffer.from(`From: "Deals" <d@x.test>\r\nSubject: ${subject}\r\n\r\n${body}\r\n`)),
  ).ids;
const OFFER =
  'Dear friend, our pharmacy ships genuine pills worldwide at discount prices. Order today and receive free shipping on every ' +
  'bottle, no prescription needed, discreet packaging, satisfaction guaranteed or your money back. Visit our store now.';
const NEWS =
  'The quarterly budget review meeting moved to Thursday afternoon. Please bring the revised spreadsheets, the vendor ' +
  'contracts and your notes on staffing so that we can settle the plan before the board meets next month.';

describe('campaign signatures', () => {
  it('keeps the variants of one campaign close and unrelated mail apart', () => {
    const a = campaignSignature(ids('Cheap pills', `Hello Anna, ${OFFER} Ref 1234`))!;
    const b = campaignSignature(ids('Cheap pills!!', `Hello Bob, ${OFFER} Ref 9876`))!;
    const c = campaignSignature(ids('Budget review', NEWS))!;
    expect(signatureSimilarity(a, b)).toBeGreaterThan(0.6);
    expect(signatureSimilarity(a, c)).toBeLessThan(0.2);
    expect(signatureBands(a).some((band) => signatureBands(b).includes(band))).toBe(true);
  });

  it('gives short messages no signature, and round-trips as text', () => {
    expect(campaignSignature(ids('hi', 'see you at lunch'))).toBeNull();
    const a = campaignSignature(ids('Cheap pills', OFFER))!;
    expect(decodeSignature(encodeSignature(a))).toEqual(a);
    expect(decodeSignature('zz')).toBeNull();
    expect(decodeSignature(encodeSignature(a).slice(8))).toBeNull();
  });

  it('indexes signatures by band and verifies matches', () => {
    const index = new SignatureIndex<string>();
    const a = campaignSignature(ids('Cheap pills', `Hello Anna, ${OFFER}`))!;
    index.set('c1', a, 'pills');
    const variant = campaignSignature(ids('Cheap pills', `Hi Carl, ${OFFER} P.S. limited stock`))!;
    expect(index.match(variant, 0.5)).toMatchObject({ id: 'c1', value: 'pills' });
    expect(index.match(campaignSignature(ids('Budget review', NEWS))!, 0.5)).toBeNull();
    expect(index.match(variant, 1.01)).toBeNull();
    expect(index.delete('c1')).toBe(true);
    expect(index.match(variant, 0.5)).toBeNull();
    expect(index.size).toBe(0);
  });
});
