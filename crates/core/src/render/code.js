// Highlights a code artifact with the vendored highlight.js; an unknown language stays plain.
(() => {
  const el = document.getElementById('code');
  const lang = el.dataset.language;
  if (lang && hljs.getLanguage(lang)) {
    el.className = `language-${lang}`;
    hljs.highlightElement(el);
  } else if (!lang) {
    el.innerHTML = hljs.highlightAuto(el.textContent).value;
    el.classList.add('hljs');
  }
  document.documentElement.dataset.kilnRendered = 'ok';
  performance.mark('kiln-rendered');
})();
