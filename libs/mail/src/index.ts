export * from './parsed-message';
export { parseMessage, parseMessageSafe, parseMessageSync } from './parse-message';
export { htmlToText, decodeEntities, type HtmlLink, type HtmlRendering } from './html-to-text';
export { registrableDomain, urlHost, findUrls } from './links';
export { decodeEncodedWords } from './mime-decode';
export * from './framing';
export { bodyDigest, headerValue, withoutHeaders } from './release';
