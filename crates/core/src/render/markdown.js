// Finishes a Markdown artifact: the document arrives already rendered (by kiln-core, with
// raw HTML shown as text), so the text is there at once (the `kiln-rendered` mark); highlight.js
// is loaded after, and only when there is fenced code, since it is the largest script here.
(() => {
  const data = JSON.parse(document.getElementById('kiln-data').textContent);
  const doc = document.getElementById('doc');
  const root = document.documentElement;
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
