import { useState } from 'react';
import {
  Bold, Italic, Underline, Strikethrough, AlignLeft, AlignCenter, AlignRight,
  List, ListOrdered, Link, Image, Undo2, Redo2,
} from 'lucide-react';

const groups = [
  [['bold', Bold], ['italic', Italic], ['underline', Underline], ['strike', Strikethrough]],
  [['left', AlignLeft], ['center', AlignCenter], ['right', AlignRight]],
  [['bullets', List], ['numbers', ListOrdered]],
  [['link', Link], ['image', Image]],
];

export default function Toolbar() {
  const [on, setOn] = useState({ bold: true });
  const [history, setHistory] = useState([]);
  const toggle = (name) => {
    setOn((s) => ({ ...s, [name]: !s[name] }));
    setHistory((h) => [...h, name]);
  };
  return (
    <div className="p-6 font-sans">
      <div className="inline-flex items-center gap-1 rounded-lg border border-gray-300 bg-white p-1 shadow-sm" role="toolbar" aria-label="Formatting">
        <button aria-label="Undo" className="rounded p-2 hover:bg-gray-100" onClick={() => setHistory((h) => h.slice(0, -1))}><Undo2 size={18} /></button>
        <button aria-label="Redo" className="rounded p-2 hover:bg-gray-100"><Redo2 size={18} /></button>
        {groups.map((group, gi) => (
          <div key={gi} className="flex items-center gap-1 border-l border-gray-200 pl-1">
            {group.map(([name, Icon]) => (
              <button
                key={name}
                aria-label={name}
                aria-pressed={!!on[name]}
                onClick={() => toggle(name)}
                className={`rounded p-2 ${on[name] ? 'bg-indigo-100 text-indigo-700' : 'text-gray-700 hover:bg-gray-100'}`}
              >
                <Icon size={18} strokeWidth={2.25} />
              </button>
            ))}
          </div>
        ))}
      </div>
      <p className="mt-4 text-sm text-gray-600" data-testid="history">
        Actions: {history.length === 0 ? 'none yet' : history.join(', ')}
      </p>
    </div>
  );
}
