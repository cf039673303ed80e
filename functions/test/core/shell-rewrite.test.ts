import { parse } from 'parse5';
import { rewriteShell } from '../../src/core/shell-rewrite';

const SHELL = `<!doctype html>
<html><head>
<meta charset="utf-8">
<meta name="canary-release" content="built-as-v0">
<title>Acme</title>
<base href="/">
<link rel="stylesheet" href="assets/app.css">
<link rel="modulepreload" href="/assets/vendor.js">
<link rel="manifest" href="/manifest.webmanifest">
<link rel="canonical" href="https://acme.example/">
<link rel="icon" href="data:image/png;base64,AAAA">
<script type="module" src="./assets/index.js"></script>
<!-- <script src="/assets/commented-out.js"></script> -->
<script>var s = '<script src="/assets/inline-string.js">';</script>
</head><body>
<a href="/pricing">Pricing</a>
<img src="img/logo.png" srcset="img/logo.png 1x, /img/logo@2x.png 2x, https://cdn.example/x.png 3x" alt="">
<script src="https://www.googletagmanager.com/gtag/js"></script>
<script src="//cdn.example/lib.js"></script>
<template><img src="img/in-template.png"></template>
<form action="/search"></form>
</body></html>`;

const CHANNEL = 'https://acme--alpha-x1.web.app/shell.html';

describe('shell rewrite', () => {
  const out = rewriteShell(SHELL, { assetBase: CHANNEL, channel: 'alpha', release: 'v2' });

  test('makes relative asset URLs absolute on the channel origin, whatever their form', () => {
    expect(out).toContain('href="https://acme--alpha-x1.web.app/assets/app.css"');
    expect(out).toContain('href="https://acme--alpha-x1.web.app/assets/vendor.js"');
    expect(out).toContain('src="https://acme--alpha-x1.web.app/assets/index.js"');
    expect(out).toContain('src="https://acme--alpha-x1.web.app/img/logo.png"');
    expect(out).toContain('srcset="https://acme--alpha-x1.web.app/img/logo.png 1x, https://acme--alpha-x1.web.app/img/logo@2x.png 2x, https://cdn.example/x.png 3x"');
    expect(out).toContain('src="https://acme--alpha-x1.web.app/img/in-template.png"');
  });

  test('leaves navigation, the manifest, other origins, data URLs, comments and script text alone', () => {
    expect(out).toContain('<a href="/pricing">');
    expect(out).toContain('<form action="/search">');
    expect(out).toContain('<base href="/">');
    expect(out).toContain('href="/manifest.webmanifest"');
    expect(out).toContain('href="https://acme.example/"');
    expect(out).toContain('href="data:image/png;base64,AAAA"');
    expect(out).toContain('src="https://www.googletagmanager.com/gtag/js"');
    expect(out).toContain('src="//cdn.example/lib.js"');
    expect(out).toContain('<!-- <script src="/assets/commented-out.js"></script> -->');
    expect(out).toContain(`var s = '<script src="/assets/inline-string.js">';`);
  });

  test('fetches moved scripts and styles with CORS, so their errors stay visible to the telemetry client', () => {
    expect(out).toMatch(/<script type="module" src="https:\/\/acme--alpha-x1\.web\.app\/assets\/index\.js" crossorigin="anonymous">/);
    expect(out).toMatch(/<link rel="stylesheet" href="https:\/\/acme--alpha-x1\.web\.app\/assets\/app\.css" crossorigin="anonymous">/);
    expect(out).not.toMatch(/googletagmanager[^>]*crossorigin/);
  });

  test('names the release and channel in meta tags right after the charset, replacing what the build wrote', () => {
    expect(out).toMatch(/<meta charset="utf-8"><meta name="canary-channel" content="alpha"><meta name="canary-release" content="v2">/);
    expect(out).not.toContain('built-as-v0');
  });

  test('stable: nothing is moved, the build\'s own release meta stays when the release is not known', () => {
    const stable = rewriteShell(SHELL, { channel: 'stable' });
    expect(stable).toContain('href="assets/app.css"');
    expect(stable).toContain('src="./assets/index.js"');
    expect(stable).toContain('<meta name="canary-release" content="built-as-v0">');
    expect(stable).toContain('<meta name="canary-channel" content="stable">');
  });

  test('a release name is text in an attribute, never markup', () => {
    const release = '"><script>alert(1)</script>';
    const hostile = rewriteShell(SHELL, { channel: 'alpha', release });
    const scripts = (html: string) => (html.match(/<script/g) ?? []).length - (html.match(/content="[^"]*<script/g) ?? []).length;
    expect(scripts(hostile)).toBe(scripts(SHELL));
    const head = parse(hostile).childNodes.find((n) => n.nodeName === 'html') as unknown as { childNodes: { nodeName: string; attrs?: { name: string; value: string }[]; childNodes: unknown[] }[] };
    const metas = head.childNodes[0]!.childNodes as { nodeName: string; attrs?: { name: string; value: string }[] }[];
    expect(metas.find((m) => m.attrs?.some((a) => a.value === 'canary-release'))?.attrs).toContainEqual({ name: 'content', value: release });
  });

  test('a shell without markup still gets a head and its meta tags', () => {
    expect(rewriteShell('hello', { channel: 'beta', release: 'v1' })).toBe('<html><head><meta name="canary-channel" content="beta"><meta name="canary-release" content="v1"></head><body>hello</body></html>');
  });
});
