import { defaultTreeAdapter, html as htmlSpec, parse, serialize, type DefaultTreeAdapterMap } from 'parse5';

type Element = DefaultTreeAdapterMap['element'];
type ParentNode = DefaultTreeAdapterMap['parentNode'];

/** The meta tags the web telemetry client reads (clients/web): which release and channel this page is. */
export const RELEASE_META = 'canary-release';
export const CHANNEL_META = 'canary-channel';

export interface ShellRewrite {
  /**
   * The URL the shell was fetched from. Given for a canary channel: its relative asset URLs become
   * absolute on this URL's origin. Absent for stable: the live shell is served on its own origin,
   * where its relative URLs already point at the live assets.
   */
  assetBase?: string;
  channel: string;
  /** Absent: a release meta the build wrote is kept as it is. */
  release?: string;
}

/** Attributes that load a sub-resource of the page, per element. Anchors and forms navigate: left alone. */
const URL_ATTRS: Record<string, readonly string[]> = {
  script: ['src'],
  img: ['src', 'srcset'],
  source: ['src', 'srcset'],
  video: ['src', 'poster'],
  audio: ['src'],
  track: ['src'],
  embed: ['src'],
  input: ['src'],
  link: ['href', 'imagesrcset'],
};

/**
 * `<link rel>` values whose href is a sub-resource of this release. Not `manifest` (a web app
 * manifest's start_url and scope must stay on the document's origin) nor canonical/alternate.
 */
const ASSET_RELS = new Set(['stylesheet', 'modulepreload', 'preload', 'prefetch', 'icon', 'apple-touch-icon', 'mask-icon']);

const attr = (el: Element, name: string) => el.attrs.find((a) => a.name === name);

/** Relative (to the page or its origin): no scheme, not protocol-relative, not a fragment. */
function isRelative(url: string): boolean {
  const u = url.trim();
  return u !== '' && !u.startsWith('#') && !u.startsWith('//') && !/^[a-z][a-z0-9+.-]*:/i.test(u);
}

function absolute(url: string, base: URL): string {
  if (!isRelative(url)) return url;
  try {
    return new URL(url.trim(), base).href;
  } catch {
    return url;
  }
}

/** srcset: comma-separated "url descriptor" candidates; each URL is rewritten on its own. */
function absoluteSrcset(value: string, base: URL): string {
  return value
    .split(',')
    .map((candidate) => {
      const m = /^(\s*)(\S+)(.*)$/s.exec(candidate);
      return m ? `${m[1]}${absolute(m[2]!, base)}${m[3]}` : candidate;
    })
    .join(',');
}

function elements(node: ParentNode, visit: (el: Element) => void): void {
  for (const child of node.childNodes) {
    if (!('tagName' in child)) continue;
    visit(child);
    elements(child, visit);
    if ('content' in child) elements(child.content, visit);
  }
}

function rewriteAssets(el: Element, base: URL): void {
  const names = URL_ATTRS[el.tagName];
  if (!names || el.namespaceURI !== htmlSpec.NS.HTML) return;
  if (el.tagName === 'link') {
    const rels = (attr(el, 'rel')?.value ?? '').toLowerCase().split(/\s+/);
    if (!rels.some((r) => ASSET_RELS.has(r))) return;
  }
  let changed = false;
  for (const a of el.attrs) {
    if (!names.includes(a.name)) continue;
    const next = a.name.endsWith('srcset') ? absoluteSrcset(a.value, base) : absolute(a.value, base);
    if (next !== a.value) {
      a.value = next;
      changed = true;
    }
  }
  // A cross-origin classic script reports its errors to window.onerror as "Script error." unless
  // fetched with CORS: the telemetry client would count errors it cannot see. Scripts and links
  // moved to the channel's origin are fetched with CORS (the channel serves the CORS headers).
  if (changed && (el.tagName === 'script' || el.tagName === 'link') && !attr(el, 'crossorigin')) el.attrs.push({ name: 'crossorigin', value: 'anonymous' });
}

function meta(name: string, content: string): Element {
  return defaultTreeAdapter.createElement('meta', htmlSpec.NS.HTML, [
    { name: 'name', value: name },
    { name: 'content', value: content },
  ]);
}

/**
 * The shell a cohort is served: the channel's HTML with its relative sub-resource URLs made
 * absolute on the channel's origin (scripts, styles, images; lazily loaded chunks follow, since
 * bundlers resolve them against the script that imports them), and the release and channel in
 * meta tags at the top of <head>. Parsed as a browser would (parse5), never patched with regular
 * expressions, so comments, inline scripts and odd quoting cannot fool it. The document's own
 * links, forms and base stay on the live origin.
 */
export function rewriteShell(html: string, options: ShellRewrite): string {
  const doc = parse(html);
  const htmlEl = doc.childNodes.find((n): n is Element => 'tagName' in n && n.tagName === 'html');
  const head = htmlEl?.childNodes.find((n): n is Element => 'tagName' in n && n.tagName === 'head');
  if (!head) throw new Error('the shell has no <head>');
  let base: URL | undefined;
  if (options.assetBase !== undefined) {
    base = new URL(options.assetBase);
    // A <base href> changes what relative URLs mean in the channel's own page: resolve as it would.
    let baseHref: string | undefined;
    elements(doc, (el) => (baseHref ??= el.tagName === 'base' ? attr(el, 'href')?.value : undefined));
    if (baseHref !== undefined) base = new URL(absolute(baseHref, base), base);
  }
  const stale = (el: Element) => {
    const name = attr(el, 'name')?.value.toLowerCase();
    return el.tagName === 'meta' && (name === CHANNEL_META || (name === RELEASE_META && options.release !== undefined));
  };
  const toRemove: Element[] = [];
  elements(doc, (el) => {
    if (base) rewriteAssets(el, base);
    if (stale(el)) toRemove.push(el);
  });
  for (const el of toRemove) defaultTreeAdapter.detachNode(el);
  const tags = [meta(CHANNEL_META, options.channel), ...(options.release !== undefined ? [meta(RELEASE_META, options.release)] : [])];
  // First in <head>, after a <meta charset> (which must stay within the first 1024 bytes).
  const charset = head.childNodes.findIndex((n) => 'tagName' in n && n.tagName === 'meta' && attr(n, 'charset') !== undefined);
  for (const tag of tags) tag.parentNode = head;
  head.childNodes.splice(charset + 1, 0, ...tags);
  return serialize(doc);
}
