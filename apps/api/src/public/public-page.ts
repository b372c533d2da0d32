import type { PublicRefusal } from './public.service';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#222}
input,textarea{font:inherit;width:100%;box-sizing:border-box;padding:.4rem}button{font:inherit;padding:.4rem 1rem}
.reason{border-left:4px solid #c33;padding:.2rem .8rem;margin:1rem 0}.fix{color:#064}.muted{color:#666}</style>
</head><body>${body}</body></html>`;
}

function lookupForm(reference = ''): string {
  return `<form method="get" action="/why"><label for="ref">Reference from the bounce message</label>
<input id="ref" name="ref" value="${escapeHtml(reference)}" maxlength="40" autocomplete="off" required>
<p><button type="submit">Look up</button></p></form>`;
}

export function renderLookupPage(): string {
  return layout(
    'Why was my mail refused?',
    `<h1>Why was my mail refused?</h1><p>When this provider refuses a message, the bounce you receive contains a reference
like <code>01JD8ZQ5X4ABCDEFGHJKMNPQRS</code>. Enter it to see why, in plain words, and what to fix.</p>${lookupForm()}`,
  );
}

export function renderRefusalPage(r: PublicRefusal, notice: string | null = null): string {
  const reasons = r.reasons
    .map(
      (x) =>
        `<div class="reason"><p>${escapeHtml(x.what)}</p><p class="fix"><strong>What to do:</strong> ${escapeHtml(x.fix)}</p></div>`,
    )
    .join('');
  const review = r.reviewable
    ? `<h2>Ask for a review</h2><p>If you fixed the cause or believe this was a mistake, the provider's mail team can review it.</p>
<form method="post" action="/why/review"><input type="hidden" name="reference" value="${escapeHtml(r.reference)}">
<label for="email">Your e-mail address (for the answer)</label><input id="email" name="email" type="email" maxlength="320" required>
<label for="message">What did you change, or why is this a mistake?</label><textarea id="message" name="message" rows="4" maxlength="2000" required></textarea>
<p><button type="submit">Ask for a review</button></p></form>`
    : '';
  return layout(
    'Why was my mail refused?',
    `<h1>${escapeHtml(r.headline)}</h1>${notice ? `<p><strong>${escapeHtml(notice)}</strong></p>` : ''}
<p class="muted">Reference ${escapeHtml(r.reference)}, ${escapeHtml(r.refusedAt.replace('T', ' ').replace('Z', ' UTC'))}</p>${reasons}${review}`,
  );
}

export function renderMessagePage(title: string, text: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${lookupForm()}`);
}
