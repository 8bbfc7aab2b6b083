import { useCallback, useEffect, useState } from "react";

const EMOJIS = ["🦊", "🐙", "🦉", "🐢", "🦋", "🐳", "🦔", "🐝", "🦩", "🐌", "🦀", "🐞"];

const LEVELS = {
  easy: { pairs: 6, cols: "grid-cols-4" },
  normal: { pairs: 8, cols: "grid-cols-4" },
  hard: { pairs: 12, cols: "grid-cols-6" },
};

function buildDeck(pairs) {
  const picks = [...EMOJIS].sort(() => Math.random() - 0.5).slice(0, pairs);
  const deck = [...picks, ...picks].map((emoji, i) => ({ id: i, emoji, matched: false }));
  for (let i = deck.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [deck[i], deck[j]] = [deck[j], deck[i]];
  }
  return deck;
}

export default function MemoryMatch() {
  const [level, setLevel] = useState("normal");
  const [cards, setCards] = useState(() => buildDeck(LEVELS.normal.pairs));
  const [flipped, setFlipped] = useState([]);
  const [moves, setMoves] = useState(0);
  const [seconds, setSeconds] = useState(0);
  const [running, setRunning] = useState(false);
  const [best, setBest] = useState(() => JSON.parse(localStorage.getItem("memory-best") || "{}"));

  const won = cards.every((c) => c.matched);

  const reset = useCallback((lvl = level) => {
    setCards(buildDeck(LEVELS[lvl].pairs));
    setFlipped([]);
    setMoves(0);
    setSeconds(0);
    setRunning(false);
  }, [level]);

  useEffect(() => {
    if (!running || won) return;
    const id = setInterval(() => setSeconds((s) => s + 1), 1000);
    return () => clearInterval(id);
  }, [running, won]);

  useEffect(() => {
    if (flipped.length !== 2) return;
    const [a, b] = flipped;
    if (cards[a].emoji === cards[b].emoji) {
      setCards((cs) => cs.map((c, i) => (i === a || i === b ? { ...c, matched: true } : c)));
      setFlipped([]);
    } else {
      const t = setTimeout(() => setFlipped([]), 800);
      return () => clearTimeout(t);
    }
  }, [flipped, cards]);

  useEffect(() => {
    if (!won || moves === 0) return;
    setRunning(false);
    const prev = best[level];
    if (!prev || moves < prev.moves || (moves === prev.moves && seconds < prev.seconds)) {
      const next = { ...best, [level]: { moves, seconds } };
      setBest(next);
      localStorage.setItem("memory-best", JSON.stringify(next));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [won]);

  const flip = (i) => {
    if (flipped.length === 2 || flipped.includes(i) || cards[i].matched) return;
    if (!running) setRunning(true);
    const next = [...flipped, i];
    setFlipped(next);
    if (next.length === 2) setMoves((m) => m + 1);
  };

  const changeLevel = (lvl) => {
    setLevel(lvl);
    reset(lvl);
  };

  const fmt = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;

  return (
    <div className="min-h-screen bg-gradient-to-b from-violet-600 to-fuchsia-600 px-4 py-10 text-white">
      <div className="mx-auto max-w-xl">
        <h1 className="text-center text-3xl font-black tracking-tight">Memory Match</h1>

        <div className="mt-6 flex items-center justify-between rounded-xl bg-white/10 px-4 py-3 text-sm backdrop-blur">
          <div className="flex gap-1">
            {Object.keys(LEVELS).map((l) => (
              <button
                key={l}
                onClick={() => changeLevel(l)}
                className={`rounded-lg px-3 py-1 capitalize ${level === l ? "bg-white text-violet-700 font-semibold" : "hover:bg-white/20"}`}
              >
                {l}
              </button>
            ))}
          </div>
          <div className="flex gap-4 tabular-nums">
            <span>⏱ {fmt(seconds)}</span>
            <span>🔁 {moves}</span>
          </div>
        </div>

        <div className={`mt-6 grid ${LEVELS[level].cols} gap-3`}>
          {cards.map((card, i) => {
            const open = card.matched || flipped.includes(i);
            return (
              <button
                key={card.id}
                onClick={() => flip(i)}
                className="aspect-square [perspective:600px]"
                aria-label={open ? card.emoji : "Hidden card"}
              >
                <div
                  className={`relative h-full w-full transition-transform duration-500 [transform-style:preserve-3d] ${
                    open ? "[transform:rotateY(180deg)]" : ""
                  }`}
                >
                  <div className="absolute inset-0 flex items-center justify-center rounded-xl bg-white/20 text-2xl font-bold shadow-lg [backface-visibility:hidden] hover:bg-white/30">
                    ?
                  </div>
                  <div
                    className={`absolute inset-0 flex items-center justify-center rounded-xl text-4xl shadow-lg [backface-visibility:hidden] [transform:rotateY(180deg)] ${
                      card.matched ? "bg-emerald-300" : "bg-white"
                    }`}
                  >
                    {card.emoji}
                  </div>
                </div>
              </button>
            );
          })}
        </div>

        {won && (
          <div className="mt-8 rounded-2xl bg-white p-6 text-center text-violet-800 shadow-xl">
            <div className="text-4xl">🏆</div>
            <h2 className="mt-2 text-xl font-bold">You matched them all!</h2>
            <p className="mt-1 text-sm">
              {moves} moves in {fmt(seconds)}
              {best[level] && ` · Best: ${best[level].moves} moves`}
            </p>
            <button onClick={() => reset()} className="mt-4 rounded-lg bg-violet-600 px-5 py-2 font-semibold text-white hover:bg-violet-700">
              Play again
            </button>
          </div>
        )}

        {!won && (
          <p className="mt-6 text-center text-sm text-white/70">
            Best on {level}: {best[level] ? `${best[level].moves} moves, ${fmt(best[level].seconds)}` : "—"}
          </p>
        )}
      </div>
    </div>
  );
}
