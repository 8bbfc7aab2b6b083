import { useEffect, useRef, useState } from "react";
import { Play, Pause, SkipBack, SkipForward, Shuffle, Repeat, Repeat1, Volume2, VolumeX, Heart, ListMusic } from "lucide-react";

const TRACKS = [
  { title: "Midnight Drive", artist: "Neon Coast", duration: 214, colors: ["#f472b6", "#8b5cf6"] },
  { title: "Paper Planes", artist: "The Quiet Hours", duration: 187, colors: ["#38bdf8", "#6366f1"] },
  { title: "Golden Static", artist: "Sunday Radio", duration: 243, colors: ["#fbbf24", "#f97316"] },
  { title: "Low Tide", artist: "Marlow", duration: 198, colors: ["#34d399", "#0ea5e9"] },
  { title: "Afterglow", artist: "Neon Coast", duration: 226, colors: ["#fb7185", "#f59e0b"] },
];

const fmt = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

export default function MusicPlayerCard() {
  const [index, setIndex] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [position, setPosition] = useState(0);
  const [volume, setVolume] = useState(0.7);
  const [muted, setMuted] = useState(false);
  const [shuffle, setShuffle] = useState(false);
  const [repeat, setRepeat] = useState("off"); // off | all | one
  const [liked, setLiked] = useState(() => new Set());
  const [showQueue, setShowQueue] = useState(false);
  const barRef = useRef(null);

  const track = TRACKS[index];

  // Simulated playback clock (no real audio file in this demo)
  useEffect(() => {
    if (!playing) return;
    const id = setInterval(() => setPosition((p) => p + 0.25), 250);
    return () => clearInterval(id);
  }, [playing]);

  useEffect(() => {
    if (position < track.duration) return;
    if (repeat === "one") {
      setPosition(0);
    } else if (index === TRACKS.length - 1 && repeat === "off" && !shuffle) {
      setPlaying(false);
      setPosition(track.duration);
    } else {
      next();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [position]);

  function next() {
    setIndex((i) => {
      if (shuffle && TRACKS.length > 1) {
        let n;
        do n = Math.floor(Math.random() * TRACKS.length);
        while (n === i);
        return n;
      }
      return (i + 1) % TRACKS.length;
    });
    setPosition(0);
  }

  function prev() {
    if (position > 3) {
      setPosition(0);
      return;
    }
    setIndex((i) => (i - 1 + TRACKS.length) % TRACKS.length);
    setPosition(0);
  }

  function seek(e) {
    const rect = barRef.current.getBoundingClientRect();
    const ratio = Math.min(1, Math.max(0, (e.clientX - rect.left) / rect.width));
    setPosition(ratio * track.duration);
  }

  function cycleRepeat() {
    setRepeat((r) => (r === "off" ? "all" : r === "all" ? "one" : "off"));
  }

  function toggleLike() {
    setLiked((prev) => {
      const s = new Set(prev);
      s.has(index) ? s.delete(index) : s.add(index);
      return s;
    });
  }

  useEffect(() => {
    const onKey = (e) => {
      if (e.target.tagName === "INPUT") return;
      if (e.code === "Space") {
        e.preventDefault();
        setPlaying((p) => !p);
      } else if (e.key === "ArrowRight") next();
      else if (e.key === "ArrowLeft") prev();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const progress = Math.min(100, (position / track.duration) * 100);
  const RepeatIcon = repeat === "one" ? Repeat1 : Repeat;

  return (
    <div className="min-h-screen grid place-items-center bg-zinc-950 p-6">
      <div className="w-full max-w-sm rounded-3xl bg-zinc-900 p-6 text-white shadow-2xl ring-1 ring-white/10">
        <div className="flex items-center justify-between text-xs uppercase tracking-widest text-zinc-400">
          <span>Now playing</span>
          <button onClick={() => setShowQueue((s) => !s)} className={`p-1 rounded hover:text-white ${showQueue ? "text-white" : ""}`} aria-label="Queue">
            <ListMusic className="w-4 h-4" />
          </button>
        </div>

        {showQueue ? (
          <ul className="mt-4 aspect-square overflow-y-auto space-y-1">
            {TRACKS.map((t, i) => (
              <li key={t.title}>
                <button
                  onClick={() => { setIndex(i); setPosition(0); setPlaying(true); }}
                  className={`w-full flex items-center gap-3 rounded-xl p-2 text-left hover:bg-white/5 ${i === index ? "bg-white/10" : ""}`}
                >
                  <span className="w-10 h-10 rounded-lg shrink-0" style={{ background: `linear-gradient(135deg, ${t.colors[0]}, ${t.colors[1]})` }} />
                  <span className="flex-1 min-w-0">
                    <span className="block truncate text-sm font-medium">{t.title}</span>
                    <span className="block truncate text-xs text-zinc-400">{t.artist}</span>
                  </span>
                  <span className="text-xs text-zinc-500">{fmt(t.duration)}</span>
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <div
            className="mt-4 aspect-square rounded-2xl grid place-items-center transition-all duration-500"
            style={{ background: `linear-gradient(135deg, ${track.colors[0]}, ${track.colors[1]})` }}
          >
            <div className={`w-28 h-28 rounded-full bg-black/20 ring-8 ring-black/10 grid place-items-center ${playing ? "animate-spin [animation-duration:6s]" : ""}`}>
              <div className="w-6 h-6 rounded-full bg-zinc-900" />
            </div>
          </div>
        )}

        <div className="mt-5 flex items-start justify-between gap-3">
          <div className="min-w-0">
            <h2 className="text-lg font-semibold truncate">{track.title}</h2>
            <p className="text-sm text-zinc-400 truncate">{track.artist}</p>
          </div>
          <button onClick={toggleLike} aria-label="Like" className="mt-1">
            <Heart className={`w-5 h-5 transition ${liked.has(index) ? "fill-pink-500 text-pink-500 scale-110" : "text-zinc-400 hover:text-white"}`} />
          </button>
        </div>

        <div className="mt-4">
          <div ref={barRef} onClick={seek} className="group h-1.5 rounded-full bg-white/10 cursor-pointer relative">
            <div className="h-full rounded-full bg-white" style={{ width: `${progress}%` }} />
            <div
              className="absolute top-1/2 -translate-y-1/2 -translate-x-1/2 w-3 h-3 rounded-full bg-white opacity-0 group-hover:opacity-100 transition"
              style={{ left: `${progress}%` }}
            />
          </div>
          <div className="mt-1.5 flex justify-between text-xs text-zinc-400 tabular-nums">
            <span>{fmt(position)}</span>
            <span>-{fmt(Math.max(0, track.duration - position))}</span>
          </div>
        </div>

        <div className="mt-3 flex items-center justify-between">
          <button onClick={() => setShuffle((s) => !s)} aria-label="Shuffle" className={shuffle ? "text-emerald-400" : "text-zinc-400 hover:text-white"}>
            <Shuffle className="w-5 h-5" />
          </button>
          <button onClick={prev} aria-label="Previous" className="text-zinc-200 hover:text-white">
            <SkipBack className="w-7 h-7 fill-current" />
          </button>
          <button
            onClick={() => setPlaying((p) => !p)}
            aria-label={playing ? "Pause" : "Play"}
            className="w-16 h-16 rounded-full bg-white text-zinc-900 grid place-items-center hover:scale-105 active:scale-95 transition"
          >
            {playing ? <Pause className="w-7 h-7 fill-current" /> : <Play className="w-7 h-7 fill-current ml-1" />}
          </button>
          <button onClick={next} aria-label="Next" className="text-zinc-200 hover:text-white">
            <SkipForward className="w-7 h-7 fill-current" />
          </button>
          <button onClick={cycleRepeat} aria-label={`Repeat: ${repeat}`} className={repeat !== "off" ? "text-emerald-400" : "text-zinc-400 hover:text-white"}>
            <RepeatIcon className="w-5 h-5" />
          </button>
        </div>

        <div className="mt-6 flex items-center gap-3">
          <button onClick={() => setMuted((m) => !m)} aria-label="Mute" className="text-zinc-400 hover:text-white">
            {muted || volume === 0 ? <VolumeX className="w-4 h-4" /> : <Volume2 className="w-4 h-4" />}
          </button>
          <input
            type="range"
            min="0"
            max="1"
            step="0.01"
            value={muted ? 0 : volume}
            onChange={(e) => { setVolume(Number(e.target.value)); setMuted(false); }}
            className="flex-1 accent-white h-1"
          />
          <span className="text-xs text-zinc-500 w-8 text-right tabular-nums">{Math.round((muted ? 0 : volume) * 100)}</span>
        </div>
      </div>
    </div>
  );
}
