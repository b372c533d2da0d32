'use strict';
// Haraka must see exactly one next() per hook: a second call is logged as a bug, and a missing one stalls the
// client until the plugin timeout, after which Haraka accepts the mail. Every exit path of our hooks goes through
// this guard, so a late HTTP answer after our deadline fired cannot answer twice.

/**
 * @param {(...args: unknown[]) => void} next
 * @param {(args: unknown[]) => void} [onRepeat]  told about a repeated call (the plugin logs it)
 */
function once(next, onRepeat) {
  let called = false;
  const guarded = (...args) => {
    if (called) {
      if (onRepeat) onRepeat(args);
      return false;
    }
    called = true;
    next(...args);
    return true;
  };
  Object.defineProperty(guarded, 'called', { get: () => called });
  return guarded;
}

module.exports = { once };
