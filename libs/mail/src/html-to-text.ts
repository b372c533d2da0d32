/**
 * A small, single-pass HTML → text converter for tokenizing and heuristics (not for display): drops <script>,
 * <style>, <head> apart from <title>, and comments; turns block elements into line breaks; decodes entities; collects
 * <a href> links with their visible text and a few structure features (tags and tricks spammers use).
 */
export interface HtmlLink {
  readonly href: string;
  readonly text: string;
}

export interface HtmlRendering {
  readonly text: string;
  readonly links: HtmlLink[];
  /** Distinct structure features: tag names (`img`, `form`, `table`…) and tricks (`hidden`, `tiny-font`, `color`). */
  readonly features: string[];
  /** Number of tags seen (a measure of markup density). */
  readonly tagCount: number;
}

const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  trade: '™',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  bull: '•',
  middot: '·',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  deg: '°',
  times: '×',
  laquo: '«',
  raquo: '»',
  shy: '',
  zwnj: '',
  zwj: '',
  eacute: 'é',
  egrave: 'è',
  aacute: 'á',
  agrave: 'à',
  iacute: 'í',
  oacute: 'ó',
  uacute: 'ú',
  ntilde: 'ñ',
  uuml: 'ü',
  ouml: 'ö',
  auml: 'ä',
  szlig: 'ß',
  ccedil: 'ç',
  ecirc: 'ê',
  acirc: 'â',
};

const ENTITY = /&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});?/g;

export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(ENTITY, (whole, body: string) => {
    if (body.charCodeAt(0) === 35) {
      const code =
        body.charCodeAt(1) === 120 || body.charCodeAt(1) === 88
          ? parseInt(body.slice(2), 16)
          : parseInt(body.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return ' ';
      return String.fromCodePoint(code);
    }
    const named = NAMED[body.toLowerCase()];
    return named ?? whole;
  });
}

const BLOCK = new Set([
  'p',
  'div',
  'br',
  'tr',
  'td',
  'th',
  'li',
  'ul',
  'ol',
  'table',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'blockquote',
  'pre',
  'center',
  'dd',
  'dt',
  'title',
  'form',
  'section',
  'article',
  'header',
  'footer',
]);
/** Tags whose presence is worth a structure token. */
const FEATURE_TAGS = new Set([
  'img',
  'form',
  'input',
  'script',
  'iframe',
  'table',
  'font',
  'map',
  'area',
  'object',
  'embed',
  'base',
  'meta',
  'center',
  'style',
  'b',
  'a',
]);
/** Elements whose content is not visible text. */
const SKIP_CONTENT = new Set(['script', 'style', 'head', 'noscript', 'xml', 'object']);

const STYLED = /style|bgcolor/i;
const ATTR = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  ATTR.lastIndex = 0;
  for (let m = ATTR.exec(tag); m !== null; m = ATTR.exec(tag)) {
    out.set((m[1] as string).toLowerCase(), m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

/** Renders HTML to text. `maxChars` bounds the output; `maxLinks` the links kept. */
export function htmlToText(html: string, maxChars = 200_000, maxLinks = 500): HtmlRendering {
  const parts: string[] = [];
  let outLen = 0;
  const links: HtmlLink[] = [];
  const features = new Set<string>();
  let tagCount = 0;
  let skipUntil: string | null = null;
  let inTitle = false;
  let linkHref: string | null = null;
  let linkText = '';
  let i = 0;
  const n = html.length;
  while (i < n && outLen < maxChars) {
    const lt = html.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i && (skipUntil === null || inTitle)) {
      const chunk = html.slice(i, end);
      parts.push(chunk);
      outLen += chunk.length;
      if (linkHref !== null && linkText.length < 500) linkText += chunk;
    }
    if (lt < 0) break;
    // comment
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close < 0 ? n : close + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    tagCount++;
    let j = lt + 1;
    const closing = html.charCodeAt(j) === 47; // '/'
    if (closing) j++;
    let k = j;
    while (k < gt) {
      const c = html.charCodeAt(k) | 0x20;
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57 && k > j)) k++;
      else break;
    }
    const name = html.slice(j, k).toLowerCase();
    i = gt + 1;
    if (name === '') continue;
    if (skipUntil !== null) {
      if (closing && name === skipUntil) skipUntil = null;
      else if (skipUntil === 'head' && name === 'title') inTitle = !closing;
      else if (skipUntil === 'head' && name === 'body' && !closing) skipUntil = null;
      continue;
    }
    if (!closing && SKIP_CONTENT.has(name)) {
      features.add(name);
      skipUntil = name;
      continue;
    }
    if (BLOCK.has(name)) {
      parts.push('\n');
      outLen++;
    } else if (
      name !== 'a' &&
      name !== 'span' &&
      name !== 'b' &&
      name !== 'i' &&
      name !== 'u' &&
      name !== 'em' &&
      name !== 'strong' &&
      name !== 'font'
    ) {
      parts.push(' ');
      outLen++;
    }
    if (closing) {
      if (name === 'a' && linkHref !== null) {
        if (links.length < maxLinks)
          links.push({ href: linkHref, text: decodeEntities(linkText).replace(/\s+/g, ' ').trim() });
        linkHref = null;
        linkText = '';
      }
      continue;
    }
    if (FEATURE_TAGS.has(name)) features.add(name);
    // Parsing attributes is most of the cost of a tag: do it only where one is used.
    if (
      k < gt &&
      (name === 'a' || name === 'form' || name === 'img' || name === 'font' || STYLED.test(html.slice(k, gt)))
    ) {
      const attrs = attributes(html.slice(k, gt));
      if (name === 'a') {
        const href = attrs.get('href');
        if (href !== undefined) {
          if (linkHref !== null && links.length < maxLinks)
            links.push({ href: linkHref, text: decodeEntities(linkText).trim() });
          linkHref = decodeEntities(href.trim());
          linkText = '';
        }
      } else if (name === 'form') {
        const action = attrs.get('action');
        if (action && links.length < maxLinks) links.push({ href: decodeEntities(action.trim()), text: '' });
      } else if (name === 'img') {
        if (attrs.has('width') && (attrs.get('width') === '1' || attrs.get('width') === '0'))
          features.add('tracking-pixel');
      }
      const style = attrs.get('style');
      if (style !== undefined) {
        const st = style.toLowerCase();
        if (st.includes('display:none') || st.includes('display: none') || st.includes('visibility:hidden'))
          features.add('hidden');
        if (/font-size:\s*[0-3](px|pt)/.test(st)) features.add('tiny-font');
      }
      if (name === 'font') {
        if (attrs.has('color')) features.add('color');
        const size = attrs.get('size');
        if (size !== undefined && /^[+]?[4-7]$/.test(size.trim())) features.add('big-font');
        if (size !== undefined && /^(1|-[1-3])$/.test(size.trim())) features.add('tiny-font');
      }
      if (attrs.has('bgcolor')) features.add('bgcolor');
    }
  }
  if (linkHref !== null && links.length < maxLinks)
    links.push({ href: linkHref, text: decodeEntities(linkText).trim() });
  let text = decodeEntities(parts.join(''));
  if (text.length > maxChars) text = text.slice(0, maxChars);
  return { text, links, features: [...features], tagCount };
}
