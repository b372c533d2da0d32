'use strict';
// Outbound IP pools. The filter tags risky-but-allowed outbound mail with `X-Spam-Outbound-Pool: <pool>`; the
// [pools] section of spamfilter.ini maps each pool name to the next hop (host:port) that sends from that pool. Pure:
// parsing and the routing decision are unit-tested without Haraka.

const POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * "host:port", "[v6]:port" or a bare host (port 25).
 * @returns {{host: string, port: number} | null}
 */
function parseHostPort(value) {
  const text = String(value === undefined || value === null ? '' : value).trim();
  if (!text) return null;
  let host;
  let port = '25';
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1];
    if (v6[2] !== undefined) port = v6[2];
  } else {
    const parts = text.split(':');
    if (parts.length > 2) return null;
    host = parts[0];
    if (parts.length === 2) port = parts[1];
  }
  if (!/^[A-Za-z0-9._:-]+$/.test(host) || !/^\d{1,5}$/.test(port)) return null;
  const n = Number(port);
  if (n < 1 || n > 65535) return null;
  return { host, port: n };
}

/**
 * @param {object} section  the [pools] section as haraka-config parsed it ({ risky: '10.0.0.5:25', ... })
 * @returns {{ pools: Readonly<Record<string, {host: string, port: number}>>, problems: string[] }}
 */
function parsePools(section) {
  const pools = {};
  const problems = [];
  for (const [name, value] of Object.entries(section || {})) {
    if (!POOL_NAME.test(name)) {
      problems.push(`pools.${name}: invalid pool name; ignored`);
      continue;
    }
    const hop = parseHostPort(value);
    if (!hop) {
      problems.push(
        `pools.${name}: "${value}" is not host:port; ignored (mail for this pool uses the main next hop)`,
      );
      continue;
    }
    pools[name.toLowerCase()] = Object.freeze(hop);
  }
  return { pools: Object.freeze(pools), problems };
}

/**
 * Where one message goes.
 * @param {string|undefined} pool  the pool the filter asked for (undefined: untagged)
 * @returns {{kind: 'main'} | {kind: 'pool', pool: string, host: string, port: number} | {kind: 'unknown', pool: string}}
 *   unknown: a pool without a configured next hop, sent through the main next hop (the caller logs it)
 */
function routeFor(pool, pools) {
  const name = typeof pool === 'string' ? pool.trim().toLowerCase() : '';
  if (!name) return { kind: 'main' };
  const hop = Object.hasOwn(pools, name) ? pools[name] : undefined;
  if (!hop) return { kind: 'unknown', pool: name };
  return { kind: 'pool', pool: name, host: hop.host, port: hop.port };
}

/** The pool named by the verdict's headers ([name, value] pairs), or undefined. */
function poolFromHeaders(headers, headerName) {
  const wanted = headerName.toLowerCase();
  const found = (headers || []).find(([k]) => String(k).toLowerCase() === wanted);
  const value = found ? String(found[1]).trim() : '';
  return value || undefined;
}

module.exports = { parseHostPort, parsePools, routeFor, poolFromHeaders };
