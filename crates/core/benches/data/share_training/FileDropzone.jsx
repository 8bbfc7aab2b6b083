import { useCallback, useEffect, useRef, useState } from "react";
import { UploadCloud, File as FileIcon, FileImage, FileText, FileArchive, X, CheckCircle2, AlertCircle, RotateCw } from "lucide-react";

const MAX_SIZE = 10 * 1024 * 1024; // 10 MB
const MAX_FILES = 8;
const ACCEPT = {
  "image/png": ".png",
  "image/jpeg": ".jpg",
  "image/gif": ".gif",
  "image/webp": ".webp",
  "application/pdf": ".pdf",
  "text/plain": ".txt",
  "text/csv": ".csv",
  "application/zip": ".zip",
};

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let i = -1;
  do {
    bytes /= 1024;
    i++;
  } while (bytes >= 1024 && i < units.length - 1);
  return `${bytes.toFixed(bytes < 10 ? 1 : 0)} ${units[i]}`;
}

function iconFor(type) {
  if (type.startsWith("image/")) return FileImage;
  if (type === "application/pdf" || type.startsWith("text/")) return FileText;
  if (type.includes("zip")) return FileArchive;
  return FileIcon;
}

function validate(file, existing) {
  if (!ACCEPT[file.type]) return `Unsupported type${file.type ? ` (${file.type})` : ""}`;
  if (file.size > MAX_SIZE) return `Too large — max ${formatBytes(MAX_SIZE)}`;
  if (existing.some((f) => f.file.name === file.name && f.file.size === file.size)) return "Already added";
  return null;
}

// Fake upload: progresses in random steps and fails ~10% of the time
function simulateUpload(onProgress) {
  let progress = 0;
  let timer;
  const promise = new Promise((resolve, reject) => {
    const tick = () => {
      progress = Math.min(100, progress + Math.random() * 18 + 4);
      onProgress(Math.round(progress));
      if (progress >= 100) return Math.random() < 0.1 ? reject(new Error("Network error")) : resolve();
      timer = setTimeout(tick, 120 + Math.random() * 200);
    };
    timer = setTimeout(tick, 200);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

export default function FileDropzone() {
  const [items, setItems] = useState([]);
  const [dragging, setDragging] = useState(false);
  const [rejected, setRejected] = useState([]);
  const inputRef = useRef(null);
  const dragDepth = useRef(0);
  const uploads = useRef(new Map());
  const itemsRef = useRef(items);
  itemsRef.current = items;

  const update = (id, patch) => setItems((list) => list.map((it) => (it.id === id ? { ...it, ...patch } : it)));

  const startUpload = useCallback((id) => {
    update(id, { status: "uploading", progress: 0, error: null });
    const job = simulateUpload((progress) => update(id, { progress }));
    uploads.current.set(id, job);
    job.promise
      .then(() => update(id, { status: "done", progress: 100 }))
      .catch((err) => update(id, { status: "error", error: err.message }))
      .finally(() => uploads.current.delete(id));
  }, []);

  const addFiles = useCallback(
    (fileList) => {
      const files = Array.from(fileList);
      const accepted = [];
      const bad = [];
      const current = itemsRef.current;
      for (const file of files) {
        if (current.length + accepted.length >= MAX_FILES) {
          bad.push({ name: file.name, reason: `Limit of ${MAX_FILES} files reached` });
          continue;
        }
        const reason = validate(file, [...current, ...accepted]);
        if (reason) bad.push({ name: file.name, reason });
        else
          accepted.push({
            id: crypto.randomUUID(),
            file,
            preview: file.type.startsWith("image/") ? URL.createObjectURL(file) : null,
            status: "queued",
            progress: 0,
            error: null,
          });
      }
      itemsRef.current = [...current, ...accepted];
      setItems((list) => [...list, ...accepted]);
      setRejected(bad);
      // kick off uploads after state commits
      setTimeout(() => accepted.forEach((it) => startUpload(it.id)), 0);
    },
    [startUpload]
  );

  const remove = (id) => {
    uploads.current.get(id)?.cancel();
    uploads.current.delete(id);
    setItems((list) => {
      const it = list.find((x) => x.id === id);
      if (it?.preview) URL.revokeObjectURL(it.preview);
      return list.filter((x) => x.id !== id);
    });
  };

  // Clean up object URLs and timers on unmount
  useEffect(
    () => () => {
      uploads.current.forEach((job) => job.cancel());
    },
    []
  );

  // Allow pasting images from the clipboard
  useEffect(() => {
    const onPaste = (e) => {
      if (e.clipboardData?.files?.length) addFiles(e.clipboardData.files);
    };
    window.addEventListener("paste", onPaste);
    return () => window.removeEventListener("paste", onPaste);
  }, [addFiles]);

  const onDragEnter = (e) => {
    e.preventDefault();
    dragDepth.current++;
    if (e.dataTransfer.types.includes("Files")) setDragging(true);
  };
  const onDragLeave = (e) => {
    e.preventDefault();
    dragDepth.current--;
    if (dragDepth.current === 0) setDragging(false);
  };
  const onDrop = (e) => {
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    if (e.dataTransfer.files.length) addFiles(e.dataTransfer.files);
  };

  const done = items.filter((i) => i.status === "done").length;
  const totalSize = items.reduce((s, i) => s + i.file.size, 0);

  return (
    <div className="mx-auto max-w-2xl p-6">
      <h2 className="text-lg font-semibold text-gray-900">Upload attachments</h2>
      <p className="mb-4 text-sm text-gray-500">
        PNG, JPG, GIF, WebP, PDF, TXT, CSV or ZIP · up to {formatBytes(MAX_SIZE)} each · max {MAX_FILES} files
      </p>

      <div
        role="button"
        tabIndex={0}
        onClick={() => inputRef.current?.click()}
        onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && inputRef.current?.click()}
        onDragEnter={onDragEnter}
        onDragOver={(e) => e.preventDefault()}
        onDragLeave={onDragLeave}
        onDrop={onDrop}
        className={`flex cursor-pointer flex-col items-center justify-center rounded-2xl border-2 border-dashed px-6 py-12 text-center transition focus:outline-none focus-visible:ring-2 focus-visible:ring-violet-500 ${
          dragging ? "scale-[1.01] border-violet-500 bg-violet-50" : "border-gray-300 bg-gray-50 hover:border-gray-400 hover:bg-gray-100"
        }`}
      >
        <div className={`mb-3 rounded-full p-3 ${dragging ? "bg-violet-100" : "bg-white shadow-sm"}`}>
          <UploadCloud className={`h-7 w-7 ${dragging ? "text-violet-600" : "text-gray-500"}`} />
        </div>
        <p className="text-sm font-medium text-gray-900">
          {dragging ? "Drop to upload" : (
            <>
              <span className="text-violet-600">Click to browse</span> or drag files here
            </>
          )}
        </p>
        <p className="mt-1 text-xs text-gray-500">You can also paste an image with ⌘V / Ctrl+V</p>
        <input
          ref={inputRef}
          type="file"
          multiple
          accept={Object.values(ACCEPT).join(",")}
          className="hidden"
          onChange={(e) => {
            addFiles(e.target.files);
            e.target.value = "";
          }}
        />
      </div>

      {rejected.length > 0 && (
        <div className="mt-4 rounded-xl border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
          <div className="mb-1 flex items-center justify-between font-medium">
            {rejected.length} file{rejected.length > 1 ? "s" : ""} skipped
            <button onClick={() => setRejected([])} aria-label="Dismiss">
              <X className="h-4 w-4" />
            </button>
          </div>
          <ul className="space-y-0.5">
            {rejected.map((r, i) => (
              <li key={i} className="truncate">
                <span className="font-medium">{r.name}</span> — {r.reason}
              </li>
            ))}
          </ul>
        </div>
      )}

      {items.length > 0 && (
        <>
          <div className="mb-2 mt-6 flex items-center justify-between text-sm">
            <span className="font-medium text-gray-900">
              {done} of {items.length} uploaded
            </span>
            <span className="text-gray-500">{formatBytes(totalSize)} total</span>
          </div>
          <ul className="space-y-2">
            {items.map((it) => {
              const Icon = iconFor(it.file.type);
              return (
                <li key={it.id} className="flex items-center gap-3 rounded-xl border border-gray-200 bg-white p-3 shadow-sm">
                  {it.preview ? (
                    <img src={it.preview} alt="" className="h-11 w-11 rounded-lg object-cover" />
                  ) : (
                    <div className="flex h-11 w-11 items-center justify-center rounded-lg bg-gray-100">
                      <Icon className="h-5 w-5 text-gray-500" />
                    </div>
                  )}
                  <div className="min-w-0 flex-1">
                    <div className="flex items-center justify-between gap-2">
                      <p className="truncate text-sm font-medium text-gray-900">{it.file.name}</p>
                      <span className="shrink-0 text-xs text-gray-500">{formatBytes(it.file.size)}</span>
                    </div>
                    {it.status === "uploading" || it.status === "queued" ? (
                      <div className="mt-1.5 flex items-center gap-2">
                        <div className="h-1.5 flex-1 overflow-hidden rounded-full bg-gray-200">
                          <div className="h-full rounded-full bg-violet-500 transition-all" style={{ width: `${it.progress}%` }} />
                        </div>
                        <span className="w-9 text-right text-xs tabular-nums text-gray-500">{it.progress}%</span>
                      </div>
                    ) : it.status === "done" ? (
                      <p className="mt-1 flex items-center gap-1 text-xs text-emerald-600">
                        <CheckCircle2 className="h-3.5 w-3.5" /> Uploaded
                      </p>
                    ) : (
                      <p className="mt-1 flex items-center gap-1 text-xs text-rose-600">
                        <AlertCircle className="h-3.5 w-3.5" /> {it.error}
                        <button onClick={() => startUpload(it.id)} className="ml-2 inline-flex items-center gap-1 font-medium underline">
                          <RotateCw className="h-3 w-3" /> Retry
                        </button>
                      </p>
                    )}
                  </div>
                  <button
                    onClick={() => remove(it.id)}
                    className="rounded-lg p-1.5 text-gray-400 hover:bg-gray-100 hover:text-gray-700"
                    aria-label={`Remove ${it.file.name}`}
                  >
                    <X className="h-4 w-4" />
                  </button>
                </li>
              );
            })}
          </ul>
          <div className="mt-4 flex justify-end gap-2">
            <button
              onClick={() => items.forEach((it) => remove(it.id))}
              className="rounded-lg px-4 py-2 text-sm font-medium text-gray-600 hover:bg-gray-100"
            >
              Clear all
            </button>
            <button
              disabled={done !== items.length}
              className="rounded-lg bg-violet-600 px-4 py-2 text-sm font-medium text-white hover:bg-violet-700 disabled:cursor-not-allowed disabled:bg-gray-300"
            >
              Attach {items.length} file{items.length > 1 ? "s" : ""}
            </button>
          </div>
        </>
      )}
    </div>
  );
}
