// Draws a Mermaid artifact with the vendored Mermaid at its strictest security level; a syntax
// error goes to the Console tab and is shown in place of the diagram.
(async () => {
  const data = JSON.parse(document.getElementById('kiln-data').textContent);
  const box = document.getElementById('diagram');
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  try {
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: dark ? 'dark' : 'default' });
    await mermaid.parse(data.source);
    const { svg } = await mermaid.render('kiln-mermaid', data.source);
    box.innerHTML = svg;
    document.documentElement.dataset.kilnRendered = 'ok';
    performance.mark('kiln-rendered');
  } catch (e) {
    const message = `Mermaid could not draw this diagram: ${e && e.message ? e.message : e}`;
    console.error(message);
    const pre = document.createElement('pre');
    pre.className = 'kiln-error';
    pre.textContent = message;
    box.replaceChildren(pre);
    document.documentElement.dataset.kilnRendered = 'error';
    performance.mark('kiln-rendered');
  }
})();
