// Highlights a code artifact. The text is in the page already (the `kiln-rendered` mark);
// highlight.js, the largest script a code view needs, is loaded after it. An unknown language
// stays plain.
(() => {
  const el = document.getElementById('code');
  const root = document.documentElement;
  performance.mark('kiln-rendered');
  const script = document.createElement('script');
  script.src = el.dataset.highlighter;
  script.onload = () => {
    const lang = el.dataset.language;
    if (lang && hljs.getLanguage(lang)) {
      el.className = `language-${lang}`;
      hljs.highlightElement(el);
    } else if (!lang) {
      el.innerHTML = hljs.highlightAuto(el.textContent).value;
      el.classList.add('hljs');
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
