// A local shop site for the recording harness: product listing pages whose
// size is set by the URL (`/p/<n>?items=<k>&kb=<s>`), with a little script
// and markup so the browser does real work. Deterministic: page n always
// looks the same.
import http from 'node:http';

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const WORDS = ['steel', 'kettle', 'linen', 'walnut', 'cable', 'lamp', 'cotton', 'glass',
  'oak', 'copper', 'wool', 'chair', 'bottle', 'brush', 'ceramic', 'plate', 'ribbon', 'velvet'];

export function productPage(n, items, kb) {
  const r = rng(n * 7919 + items);
  const rows = [];
  for (let i = 0; i < items; i++) {
    const name = `${WORDS[Math.floor(r() * WORDS.length)]} ${WORDS[Math.floor(r() * WORDS.length)]} ${n}-${i}`;
    const price = (r() * 200 + 1).toFixed(2);
    rows.push(`<li class="product" data-sku="SKU-${n}-${i}"><a href="/p/${n}/${i}">${name}</a>` +
      `<span class="price">$${price}</span><p class="desc">${'lorem ipsum dolor '.repeat(1 + Math.floor(r() * 6))}</p></li>`);
  }
  // Padding text so the page weighs about `kb` kilobytes.
  const body = rows.join('\n');
  const pad = Math.max(0, kb * 1024 - body.length);
  return `<!doctype html><html><head><meta charset="utf-8"><title>Shop page ${n}</title></head>
<body><h1>Catalogue page ${n}</h1><ul id="products">${body}</ul>
<div id="reviews" hidden>${'review text '.repeat(Math.ceil(pad / 12))}</div>
<script>
  // The page's own work: what a real shop page does on load.
  window.__state = Array.from(document.querySelectorAll('.product')).map(e => ({ sku: e.dataset.sku, t: e.textContent.length }));
  document.title += ' (' + window.__state.length + ' products)';
</script></body></html>`;
}

export function startSite(port = 0) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const m = url.pathname.match(/^\/p\/(\d+)/);
    if (!m) {
      res.writeHead(404).end('not found');
      return;
    }
    const items = Math.min(2000, Number(url.searchParams.get('items') || 50));
    const kb = Math.min(4096, Number(url.searchParams.get('kb') || 100));
    const html = productPage(Number(m[1]), items, kb);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
