import { useMemo, useState } from "react";
import { Search, MapPin, Briefcase, Bookmark, BookmarkCheck, Clock, X } from "lucide-react";

const JOBS = [
  { id: 1, title: "Senior Frontend Engineer", company: "Lumen Labs", location: "Remote", type: "Full-time", salary: [140, 175], tags: ["React", "TypeScript", "GraphQL"], posted: 1, logo: "🟣" },
  { id: 2, title: "Product Designer", company: "Northwind", location: "New York, NY", type: "Full-time", salary: [110, 140], tags: ["Figma", "Design Systems"], posted: 3, logo: "🟠" },
  { id: 3, title: "Backend Developer (Go)", company: "Parcel", location: "Berlin, DE", type: "Full-time", salary: [85, 110], tags: ["Go", "Postgres", "Kubernetes"], posted: 2, logo: "🔵" },
  { id: 4, title: "Data Analyst", company: "Brightside Health", location: "Austin, TX", type: "Contract", salary: [70, 90], tags: ["SQL", "Python", "Looker"], posted: 6, logo: "🟢" },
  { id: 5, title: "iOS Engineer", company: "Tandem", location: "Remote", type: "Full-time", salary: [130, 160], tags: ["Swift", "SwiftUI"], posted: 0, logo: "⚫" },
  { id: 6, title: "DevOps Engineer", company: "Cloudcraft", location: "London, UK", type: "Full-time", salary: [95, 125], tags: ["AWS", "Terraform", "CI/CD"], posted: 9, logo: "🟡" },
  { id: 7, title: "Technical Writer", company: "Lumen Labs", location: "Remote", type: "Part-time", salary: [50, 65], tags: ["Docs", "APIs"], posted: 4, logo: "🟣" },
  { id: 8, title: "Machine Learning Engineer", company: "Vector AI", location: "San Francisco, CA", type: "Full-time", salary: [170, 220], tags: ["Python", "PyTorch", "MLOps"], posted: 1, logo: "🔴" },
  { id: 9, title: "Junior Full-Stack Developer", company: "Parcel", location: "Berlin, DE", type: "Internship", salary: [35, 45], tags: ["React", "Node.js"], posted: 12, logo: "🔵" },
  { id: 10, title: "Customer Success Manager", company: "Northwind", location: "Chicago, IL", type: "Full-time", salary: [75, 95], tags: ["SaaS", "Onboarding"], posted: 5, logo: "🟠" },
];

const TYPES = ["Full-time", "Part-time", "Contract", "Internship"];

function postedLabel(days) {
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  return `${days} days ago`;
}

export default function JobBoard() {
  const [query, setQuery] = useState("");
  const [location, setLocation] = useState("all");
  const [types, setTypes] = useState([]);
  const [remoteOnly, setRemoteOnly] = useState(false);
  const [sort, setSort] = useState("recent");
  const [saved, setSaved] = useState(() => new Set());
  const [showSaved, setShowSaved] = useState(false);

  const locations = useMemo(() => [...new Set(JOBS.map((j) => j.location))].sort(), []);

  const results = useMemo(() => {
    const q = query.trim().toLowerCase();
    const filtered = JOBS.filter((job) => {
      if (showSaved && !saved.has(job.id)) return false;
      if (remoteOnly && job.location !== "Remote") return false;
      if (location !== "all" && job.location !== location) return false;
      if (types.length && !types.includes(job.type)) return false;
      if (!q) return true;
      return [job.title, job.company, ...job.tags].some((s) => s.toLowerCase().includes(q));
    });
    return filtered.sort((a, b) =>
      sort === "recent" ? a.posted - b.posted : b.salary[1] - a.salary[1]
    );
  }, [query, location, types, remoteOnly, sort, saved, showSaved]);

  const toggleType = (t) =>
    setTypes((prev) => (prev.includes(t) ? prev.filter((x) => x !== t) : [...prev, t]));

  const toggleSaved = (id) =>
    setSaved((prev) => {
      const next = new Set(prev);
      next.has(id) ? next.delete(id) : next.add(id);
      return next;
    });

  const clearFilters = () => {
    setQuery("");
    setLocation("all");
    setTypes([]);
    setRemoteOnly(false);
    setShowSaved(false);
  };

  const hasFilters = query || location !== "all" || types.length || remoteOnly || showSaved;

  return (
    <div className="min-h-screen bg-slate-50 text-slate-800">
      <header className="bg-white border-b border-slate-200">
        <div className="max-w-5xl mx-auto px-4 py-6">
          <h1 className="text-2xl font-bold">Find your next role</h1>
          <p className="text-slate-500 text-sm mt-1">{JOBS.length} open positions from teams that are hiring now</p>

          <div className="mt-5 flex flex-col sm:flex-row gap-2">
            <div className="relative flex-1">
              <Search className="absolute left-3 top-1/2 -translate-y-1/2 w-4 h-4 text-slate-400" />
              <input
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                placeholder="Job title, company or skill"
                className="w-full pl-9 pr-3 py-2.5 rounded-lg border border-slate-300 focus:outline-none focus:ring-2 focus:ring-indigo-500"
              />
            </div>
            <div className="relative sm:w-56">
              <MapPin className="absolute left-3 top-1/2 -translate-y-1/2 w-4 h-4 text-slate-400" />
              <select
                value={location}
                onChange={(e) => setLocation(e.target.value)}
                className="w-full pl-9 pr-3 py-2.5 rounded-lg border border-slate-300 bg-white appearance-none focus:outline-none focus:ring-2 focus:ring-indigo-500"
              >
                <option value="all">All locations</option>
                {locations.map((l) => (
                  <option key={l}>{l}</option>
                ))}
              </select>
            </div>
          </div>
        </div>
      </header>

      <main className="max-w-5xl mx-auto px-4 py-6 grid md:grid-cols-[220px_1fr] gap-6">
        <aside className="space-y-6">
          <div>
            <h2 className="text-xs font-semibold uppercase tracking-wide text-slate-500 mb-2">Job type</h2>
            <div className="space-y-1.5">
              {TYPES.map((t) => (
                <label key={t} className="flex items-center gap-2 text-sm cursor-pointer">
                  <input
                    type="checkbox"
                    checked={types.includes(t)}
                    onChange={() => toggleType(t)}
                    className="rounded accent-indigo-600"
                  />
                  {t}
                  <span className="ml-auto text-slate-400 text-xs">{JOBS.filter((j) => j.type === t).length}</span>
                </label>
              ))}
            </div>
          </div>
          <div className="space-y-2">
            <label className="flex items-center gap-2 text-sm cursor-pointer">
              <input type="checkbox" checked={remoteOnly} onChange={(e) => setRemoteOnly(e.target.checked)} className="accent-indigo-600" />
              Remote only
            </label>
            <label className="flex items-center gap-2 text-sm cursor-pointer">
              <input type="checkbox" checked={showSaved} onChange={(e) => setShowSaved(e.target.checked)} className="accent-indigo-600" />
              Saved jobs ({saved.size})
            </label>
          </div>
          {hasFilters ? (
            <button onClick={clearFilters} className="text-sm text-indigo-600 hover:underline flex items-center gap-1">
              <X className="w-3.5 h-3.5" /> Clear filters
            </button>
          ) : null}
        </aside>

        <section>
          <div className="flex items-center justify-between mb-3">
            <p className="text-sm text-slate-500">
              Showing <span className="font-semibold text-slate-700">{results.length}</span> job{results.length === 1 ? "" : "s"}
            </p>
            <select
              value={sort}
              onChange={(e) => setSort(e.target.value)}
              className="text-sm border border-slate-300 rounded-md px-2 py-1 bg-white"
            >
              <option value="recent">Most recent</option>
              <option value="salary">Highest salary</option>
            </select>
          </div>

          {results.length === 0 ? (
            <div className="bg-white border border-dashed border-slate-300 rounded-xl p-10 text-center text-slate-500">
              <Briefcase className="w-8 h-8 mx-auto mb-2 text-slate-300" />
              No jobs match your filters.
            </div>
          ) : (
            <ul className="space-y-3">
              {results.map((job) => (
                <li
                  key={job.id}
                  className="bg-white border border-slate-200 rounded-xl p-4 flex gap-4 hover:border-indigo-300 hover:shadow-sm transition"
                >
                  <div className="w-12 h-12 rounded-lg bg-slate-100 grid place-items-center text-2xl shrink-0">{job.logo}</div>
                  <div className="flex-1 min-w-0">
                    <div className="flex items-start justify-between gap-2">
                      <div>
                        <h3 className="font-semibold text-slate-900">{job.title}</h3>
                        <p className="text-sm text-slate-500">{job.company}</p>
                      </div>
                      <button
                        onClick={() => toggleSaved(job.id)}
                        aria-label={saved.has(job.id) ? "Unsave job" : "Save job"}
                        className="text-slate-400 hover:text-indigo-600"
                      >
                        {saved.has(job.id) ? <BookmarkCheck className="w-5 h-5 text-indigo-600" /> : <Bookmark className="w-5 h-5" />}
                      </button>
                    </div>
                    <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-slate-500 mt-2">
                      <span className="flex items-center gap-1"><MapPin className="w-3.5 h-3.5" />{job.location}</span>
                      <span className="flex items-center gap-1"><Briefcase className="w-3.5 h-3.5" />{job.type}</span>
                      <span className="flex items-center gap-1"><Clock className="w-3.5 h-3.5" />{postedLabel(job.posted)}</span>
                      <span className="font-medium text-emerald-600">${job.salary[0]}k – ${job.salary[1]}k</span>
                    </div>
                    <div className="flex flex-wrap gap-1.5 mt-3">
                      {job.tags.map((tag) => (
                        <button
                          key={tag}
                          onClick={() => setQuery(tag)}
                          className="text-xs px-2 py-0.5 rounded-full bg-indigo-50 text-indigo-700 hover:bg-indigo-100"
                        >
                          {tag}
                        </button>
                      ))}
                    </div>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
      </main>
    </div>
  );
}
