// Page and context counts and page URLs from a Playwright or Puppeteer
// browser, duck-typed (neither is a dependency).
//
// - Playwright: `browser.contexts()` (sync) → `context.pages()` (sync).
// - Puppeteer: `browser.browserContexts()` (sync) and `browser.pages()`
//   (a promise).
// A browser that is closed or broken gives no counts: the snapshot is
// still written without its `browser` object.

/** `{pageCount, contextCount, pageUrls}` of `browser`, or undefined. */
export async function browserState(browser) {
  if (!browser) return undefined;
  try {
    if (typeof browser.contexts === 'function') {
      const contexts = browser.contexts();
      const pages = contexts.flatMap((c) => (typeof c.pages === 'function' ? c.pages() : []));
      return {
        pageCount: pages.length,
        contextCount: contexts.length,
        pageUrls: pages.map(urlOf),
      };
    }
    if (typeof browser.pages === 'function') {
      const pages = await browser.pages();
      const contexts =
        typeof browser.browserContexts === 'function' ? browser.browserContexts() : [];
      return {
        pageCount: pages.length,
        contextCount: contexts.length,
        pageUrls: pages.map(urlOf),
      };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function urlOf(page) {
  try {
    return typeof page.url === 'function' ? String(page.url()) : '';
  } catch {
    return '';
  }
}
