import { randomBytes } from 'node:crypto';

/**
 * The messages of the console's end-to-end story, written here so what the filter finds in them is known: a
 * newsletter that dresses up as another sender (a PayPal address as display name), answers elsewhere (Reply-To),
 * shows one link and goes to another, uses separator runs and three forbidden marketing phrases, in HTML only.
 * Its words are an ordinary shop's: the global model has no strong opinion on them, so one user's mark decides.
 */
export function newsletter(issue: number, to = 'alice@example.net'): Buffer {
  const id = `<deals-${issue}-${randomBytes(4).toString('hex')}@deals.example>`;
  const html = [
    '<html><body>',
    `<h1>Garden shop weekly, issue ${issue}</h1>`,
    '<p>Hello gardener! This week we have tomato seeds, watering cans, pruning shears and compost bins.</p>',
    '<p>==================================================</p>',
    '<p>Act now: risk free, lowest price on every order this week.</p>',
    `<p>See the catalogue: <a href="http://click.tracker.example/r?i=${issue}">http://www.deals.example/week-${issue}</a></p>`,
    '<p>==================================================</p>',
    '<p>Happy planting, the garden shop team</p>',
    '</body></html>',
  ].join('\r\n');
  return Buffer.from(
    [
      'From: "service@paypal.com" <news@deals.example>',
      'Reply-To: offers@elsewhere.example',
      `To: ${to}`,
      `Subject: Garden shop weekly deals, issue ${issue}`,
      `Message-ID: ${id}`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      html,
      '',
    ].join('\r\n'),
    'latin1',
  );
}
