// Runs a React artifact: compile its JSX/TSX with Sucrase, import it as a module (bare imports
// resolve through Kiln's import map to the vendored libraries), mount its default export.
const data = JSON.parse(document.getElementById('kiln-data').textContent);
const root = document.getElementById('root');
const done = (state) => {
  document.documentElement.dataset.kilnRendered = state;
  performance.mark('kiln-rendered');
};
const fail = (message) => {
  console.error(message);
  const box = document.createElement('pre');
  box.className = 'kiln-error';
  box.textContent = message;
  root.replaceChildren(box);
  done('error');
};

async function run() {
  if (data.error) return fail(data.error);
  let code;
  try {
    code = sucrase.transform(data.source, {
      transforms: ['jsx', 'typescript'],
      jsxRuntime: 'automatic',
      production: true,
      filePath: 'artifact.tsx',
    }).code;
  } catch (e) {
    return fail(`The component does not compile: ${e.message}`);
  }
  const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  let mod, React, ReactDOM;
  try {
    [mod, React, ReactDOM] = await Promise.all([import(url), import('react'), import('react-dom/client')]);
  } catch (e) {
    return fail(`The component failed while loading: ${e && e.message ? e.message : e}`);
  } finally {
    URL.revokeObjectURL(url);
  }
  const App = mod.default;
  const renderable = typeof App === 'function' || (App !== null && typeof App === 'object' && '$$typeof' in App);
  if (!renderable) {
    return fail('The component has no default export: end the file with `export default function App() { … }`.');
  }
  const h = React.createElement;
  class Boundary extends React.Component {
    constructor(props) { super(props); this.state = { error: null }; }
    static getDerivedStateFromError(error) { return { error }; }
    componentDidCatch() { done('error'); }
    render() {
      return this.state.error
        ? h('pre', { className: 'kiln-error' }, `The component crashed: ${this.state.error.message}`)
        : this.props.children;
    }
  }
  // A parent's effects run after its children's, so this marks the first commit of the app.
  function Mounted({ children }) {
    React.useEffect(() => { if (!document.documentElement.dataset.kilnRendered) done('ok'); }, []);
    return children;
  }
  ReactDOM.createRoot(root).render(h(Mounted, null, h(Boundary, null, h(App))));
}
run();
