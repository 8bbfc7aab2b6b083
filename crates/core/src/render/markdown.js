// Renders a Markdown artifact: marked (GitHub-flavoured), then DOMPurify, so a document never
// runs script of its own. The text is shown first (the `kiln-rendered` mark); highlight.js is
// loaded after, and only when there is fenced code, since it is the largest script here.
(() => {
  const data = JSON.parse(document.getElementById('kiln-data').textContent);
  const doc = document.getElementById('doc');
  const root = document.documentElement;
  try {
    doc.innerHTML = DOMPurify.sanitize(marked.parse(data.source, { gfm: true, async: false }), {
      USE_PROFILES: { html: true },
    });
  } catch (e) {
    console.error(`The Markdown could not be rendered: ${e.message}`);
    root.dataset.kilnRendered = 'error';
    performance.mark('kiln-rendered');
    return;
  }
  performance.mark('kiln-rendered');
  const blocks = [...doc.querySelectorAll('pre code')];
  if (blocks.length === 0) {
    root.dataset.kilnRendered = 'ok';
    return;
  }
  const script = document.createElement('script');
  script.src = data.highlighter;
  script.onload = () => {
    for (const el of blocks) {
      const lang = /language-([\w+#-]+)/.exec(el.className);
      if (!lang || hljs.getLanguage(lang[1])) hljs.highlightElement(el);
    }
    performance.mark('kiln-highlighted');
    root.dataset.kilnRendered = 'ok';
  };
  script.onerror = () => {
    console.warn('Code highlighting is not available (highlight.js did not load).');
    root.dataset.kilnRendered = 'ok';
  };
  document.head.appendChild(script);
})();
