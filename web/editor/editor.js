// The studio's code editor: CodeMirror 6 with the languages artifacts are written in. Built by
// build.mjs into one ES module that the page loads only when someone opens the editor, so the
// page's first load does not carry it. It exposes one function on `window.kilnEditor`, which
// the Rust side calls (crates/web/src/editor.rs).
import { EditorView, basicSetup } from 'codemirror';
import { html } from '@codemirror/lang-html';
import { javascript } from '@codemirror/lang-javascript';
import { css } from '@codemirror/lang-css';
import { python } from '@codemirror/lang-python';
import { markdown } from '@codemirror/lang-markdown';

const LANGUAGES = {
  html: () => html(),
  svg: () => html(),
  react: () => javascript({ jsx: true, typescript: true }),
  javascript: () => javascript(),
  js: () => javascript(),
  typescript: () => javascript({ typescript: true }),
  ts: () => javascript({ typescript: true }),
  css: () => css(),
  python: () => python(),
  py: () => python(),
  markdown: () => markdown(),
};

window.kilnEditor = {
  /** Puts an editor holding `doc` into `parent`; `language` is a kind or a language name. */
  create(parent, doc, language) {
    const lang = LANGUAGES[String(language).toLowerCase()];
    // Inside a shadow root CodeMirror styles itself with constructed style sheets; on the
    // document it would add <style> elements, which the studio's CSP (style-src 'self')
    // refuses, leaving the editor unstyled.
    const shadow = parent.shadowRoot ?? parent.attachShadow({ mode: 'open' });
    const host = document.createElement('div');
    shadow.replaceChildren(host);
    const view = new EditorView({
      doc,
      parent: host,
      root: shadow,
      extensions: [basicSetup, EditorView.lineWrapping, ...(lang ? [lang()] : [])],
    });
    return {
      text: () => view.state.doc.toString(),
      destroy: () => view.destroy(),
    };
  },
};
