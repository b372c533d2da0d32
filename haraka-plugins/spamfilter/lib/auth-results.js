'use strict';
// RFC 8601 §5: a border MTA "MUST delete any instance of this header field that appears to have been added by an
// entity with the same authserv-id" — otherwise a sender writes "Authentication-Results: <our id>; dmarc=pass" and
// the mailbox (Sieve, the MUA) believes it. Those of other authserv-ids are trace of other hops and stay.
// Haraka's [headers] clean_auth_results (on in haraka/inbound) renames every incoming one to
// Original-Authentication-Results before data_post (draft-kucherawy-original-authres); a renamed forgery still shows
// our authserv-id to whoever reads it, so both names are cleaned.
// The decisions are pure (authservIdOf, keepAuthResults); stripForgedAuthResults is the one Haraka-facing call.

const NAMES = ['Authentication-Results', 'Original-Authentication-Results'];

/** Leading CFWS (RFC 5322 §3.2.2): white space and (possibly nested) comments. */
function skipCfws(value, i) {
  for (;;) {
    while (i < value.length && /\s/.test(value[i])) i++;
    if (value[i] !== '(') return i;
    let depth = 0;
    for (; i < value.length; i++) {
      if (value[i] === '\\') i++;
      else if (value[i] === '(') depth++;
      else if (value[i] === ')' && --depth === 0) {
        i++;
        break;
      }
    }
  }
}

/**
 * The authserv-id of an Authentication-Results value (RFC 8601 §2.2: a token or a quoted-string after optional
 * CFWS), lower-cased and without a trailing dot; '' when there is none.
 */
function authservIdOf(value) {
  const v = String(value || '');
  const i = skipCfws(v, 0);
  let id = '';
  if (v[i] === '"') {
    for (let j = i + 1; j < v.length && v[j] !== '"'; j++) id += v[j] === '\\' ? v[++j] || '' : v[j];
  } else {
    const m = /^[^\s;()"]+/.exec(v.slice(i));
    id = m ? m[0] : '';
  }
  return id.toLowerCase().replace(/\.$/, '');
}

/** The values to keep: every one whose authserv-id is not one of ours (compared case-insensitively). */
function keepAuthResults(values, ourIds) {
  const ours = new Set(ourIds.map((id) => String(id).toLowerCase().replace(/\.$/, '')).filter(Boolean));
  return values.filter((v) => !ours.has(authservIdOf(v)));
}

/**
 * Removes the transaction's (Original-)Authentication-Results headers that claim one of our authserv-ids; the others
 * keep their order at the top of the header (where each hop adds its own). Returns how many were removed.
 */
function stripForgedAuthResults(txn, ourIds) {
  let removed = 0;
  for (const name of NAMES) {
    const all = txn.header.get_all(name);
    const keep = keepAuthResults(all, ourIds);
    if (keep.length === all.length) continue;
    txn.remove_header(name);
    for (const value of [...keep].reverse()) txn.add_leading_header(name, value);
    removed += all.length - keep.length;
  }
  return removed;
}

module.exports = { authservIdOf, keepAuthResults, stripForgedAuthResults };
