// Renders a Markdown artifact: marked (GitHub-flavoured), then DOMPurify, so a document never
// runs script of its own, then highlight.js on fenced code.
(() => {
  const data = JSON.parse(document.getElementById('kiln-data').textContent);
  const doc = document.getElementById('doc');
  try {
    const html = marked.parse(data.source, { gfm: true, async: false });
    doc.innerHTML = DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
    for (const el of doc.querySelectorAll('pre code')) {
      const lang = /language-([\w+#-]+)/.exec(el.className);
      if (!lang || hljs.getLanguage(lang[1])) hljs.highlightElement(el);
    }
    document.documentElement.dataset.kilnRendered = 'ok';
    performance.mark('kiln-rendered');
  } catch (e) {
    console.error(`The Markdown could not be rendered: ${e.message}`);
    document.documentElement.dataset.kilnRendered = 'error';
    performance.mark('kiln-rendered');
  }
})();
