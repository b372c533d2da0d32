/** A query string from a form's values: empty, undefined and null values are left out; '' when nothing is left. */
export function toQuery(
  params: Readonly<Record<string, string | number | boolean | null | undefined>>,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    const s = String(v).trim();
    if (s === '') continue;
    q.set(k, s);
  }
  const out = q.toString();
  return out ? `?${out}` : '';
}

/** The form values back from a query string (for links that keep a search). */
export function fromQuery(search: string, keys: readonly string[]): Record<string, string> {
  const q = new URLSearchParams(search);
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = q.get(k) ?? '';
  return out;
}
