// Zoom (wheel, pinch, + and - keys, buttons) and pan (drag, arrow keys) for an SVG artifact,
// by transforming the stage that holds it; the image itself is left untouched.
(() => {
  const stage = document.getElementById('stage');
  let scale = 1, x = 0, y = 0;
  const apply = () => { stage.style.transform = `translate(${x}px, ${y}px) scale(${scale})`; };
  const zoomAt = (factor, cx, cy) => {
    const next = Math.min(40, Math.max(0.1, scale * factor));
    x = cx - (cx - x) * (next / scale);
    y = cy - (cy - y) * (next / scale);
    scale = next;
    apply();
  };
  const center = () => [innerWidth / 2, innerHeight / 2];
  addEventListener('wheel', (e) => {
    e.preventDefault();
    zoomAt(Math.exp(-e.deltaY / 300), e.clientX, e.clientY);
  }, { passive: false });
  let drag = null;
  stage.addEventListener('pointerdown', (e) => {
    drag = { px: e.clientX, py: e.clientY, x, y };
    stage.setPointerCapture(e.pointerId);
  });
  stage.addEventListener('pointermove', (e) => {
    if (!drag) return;
    x = drag.x + e.clientX - drag.px;
    y = drag.y + e.clientY - drag.py;
    apply();
  });
  stage.addEventListener('pointerup', () => { drag = null; });
  const reset = () => { scale = 1; x = 0; y = 0; apply(); };
  for (const b of document.querySelectorAll('[data-zoom]')) {
    b.addEventListener('click', () => {
      const z = b.dataset.zoom;
      if (z === 'reset') reset(); else zoomAt(z === 'in' ? 1.25 : 0.8, ...center());
    });
  }
  addEventListener('keydown', (e) => {
    const step = 40;
    if (e.key === '+' || e.key === '=') zoomAt(1.25, ...center());
    else if (e.key === '-') zoomAt(0.8, ...center());
    else if (e.key === '0') reset();
    else if (e.key === 'ArrowLeft') { x += step; apply(); }
    else if (e.key === 'ArrowRight') { x -= step; apply(); }
    else if (e.key === 'ArrowUp') { y += step; apply(); }
    else if (e.key === 'ArrowDown') { y -= step; apply(); }
  });
  document.documentElement.dataset.kilnRendered = 'ok';
  performance.mark('kiln-rendered');
})();
