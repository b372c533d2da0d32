import { ACTIONS, AUP_NUMBER_FIELDS, AUP_TEXT_FIELDS, AUP_TEXT_OPS, DISPOSITIONS } from '@spamfilter/domain';
import { AUDIT_SUBJECTS } from '@spamfilter/persistence';
import { SENSITIVITIES } from '@spamfilter/scoring';
import * as consoleConstants from '../../console/src/lib/constants';

// The browser bundle keeps its own copy of these lists (it imports none of the server's libraries): they must match.
describe('console constants follow libs/domain and libs/scoring', () => {
  it('offers the same actions, AUP fields and operators, sensitivities and audit subjects', () => {
    expect(consoleConstants.ACTIONS).toEqual(ACTIONS);
    expect(consoleConstants.AUP_TEXT_FIELDS).toEqual(AUP_TEXT_FIELDS);
    expect(consoleConstants.AUP_TEXT_OPS).toEqual(AUP_TEXT_OPS);
    expect(consoleConstants.AUP_NUMBER_FIELDS).toEqual(AUP_NUMBER_FIELDS);
    expect(consoleConstants.SENSITIVITIES).toEqual(SENSITIVITIES);
    expect(consoleConstants.AUDIT_SUBJECTS).toEqual(AUDIT_SUBJECTS);
    for (const a of ACTIONS) expect(consoleConstants.ACTION_LABELS[a]).toBeTruthy();
    for (const d of DISPOSITIONS) expect(consoleConstants.DISPOSITION_LABELS[d]).toBeTruthy();
  });
});
