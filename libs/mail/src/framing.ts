/**
 * Bytes a message must not carry through us (RFC 5321 §2.3.8: CR and LF "MUST only occur together as CRLF"; NUL is
 * not text). A bare CR is how SMTP smuggling hides a second message from one server and shows it to the next: a next
 * hop that ends lines at CR reads `\r.\r` as the end of DATA. We refuse such a message instead of passing it on byte
 * for byte (normalising would change signed content). Bare LF is refused by Haraka itself during DATA; a message
 * that comes with LF-only line ends (a file, a test) is not this problem and passes here.
 * @returns a one-line reason, or null when the message is clean
 */
export function framingProblem(raw: Uint8Array): string | null {
  let cr = raw.indexOf(0x0d);
  while (cr !== -1) {
    if (raw[cr + 1] !== 0x0a) return `message contains a bare CR at byte ${cr} (RFC 5321 §2.3.8)`;
    cr = raw.indexOf(0x0d, cr + 2);
  }
  const nul = raw.indexOf(0x00);
  if (nul !== -1) return `message contains a NUL byte at byte ${nul} (RFC 5321 §2.3.8)`;
  return null;
}
