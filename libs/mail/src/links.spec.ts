import { findUrls, registrableDomain, urlHost } from './links';
import { htmlToText } from './html-to-text';

describe('links', () => {
  it('finds hosts the way a client would', () => {
    expect(urlHost('HTTP://WWW.Example.COM.:80/path')).toBe('www.example.com');
    expect(urlHost('https://a:b@host.example.org?q')).toBe('host.example.org');
    expect(urlHost('mailto:x@y.z')).toBe('');
    expect(urlHost('/relative')).toBe('');
    expect(urlHost('http://[::1]:8080/')).toBe('[::1]');
  });

  it('gives registrable domains from the public suffix list', () => {
    expect(registrableDomain('mail.example.co.uk')).toBe('example.co.uk');
    expect(registrableDomain('A.B.Example.COM')).toBe('example.com');
    expect(registrableDomain('192.168.1.2')).toBe('192.168.1.2');
  });

  it('extracts bare URLs and trims trailing punctuation', () => {
    expect(findUrls('see http://a.example/x). and www.b.example, ok', 10)).toEqual([
      'http://a.example/x',
      'www.b.example',
    ]);
    expect(findUrls('http://a.example http://b.example', 1)).toHaveLength(1);
  });

  it('renders HTML with link texts, entities and structure features', () => {
    const r = htmlToText(
      '<div style="display:none">hid</div><font color=red size=5>BIG</font><img src=x width=1><a href="http://x.example/">Click &lt;here&gt;</a><form action="http://f.example/post"></form>',
    );
    expect(r.text).toContain('BIG');
    expect(r.links).toEqual([
      { href: 'http://x.example/', text: 'Click <here>' },
      { href: 'http://f.example/post', text: '' },
    ]);
    expect(r.features).toEqual(
      expect.arrayContaining(['hidden', 'color', 'big-font', 'tracking-pixel', 'img', 'form']),
    );
  });
});
