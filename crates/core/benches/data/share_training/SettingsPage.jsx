import { useEffect, useState } from "react";
import { Bell, Check, Globe, Lock, Moon, Palette, Shield, User } from "lucide-react";

const DEFAULTS = {
  displayName: "Jordan Lee",
  email: "jordan@example.com",
  emailNotifications: true,
  pushNotifications: false,
  weeklyDigest: true,
  mentionsOnly: false,
  darkMode: false,
  compactMode: false,
  reduceMotion: false,
  accent: "indigo",
  twoFactor: false,
  publicProfile: true,
  analytics: true,
  language: "en",
  timezone: "America/New_York",
};

const ACCENTS = {
  indigo: "bg-indigo-600",
  emerald: "bg-emerald-600",
  rose: "bg-rose-600",
  amber: "bg-amber-500",
  sky: "bg-sky-600",
};

const SECTIONS = [
  { id: "profile", label: "Profile", icon: User },
  { id: "notifications", label: "Notifications", icon: Bell },
  { id: "appearance", label: "Appearance", icon: Palette },
  { id: "privacy", label: "Privacy & security", icon: Shield },
  { id: "region", label: "Language & region", icon: Globe },
];

function Toggle({ checked, onChange, label, description, disabled }) {
  return (
    <div className="flex items-start justify-between gap-6 py-4">
      <div>
        <p className={`font-medium ${disabled ? "text-gray-400" : ""}`}>{label}</p>
        {description && <p className="mt-0.5 text-sm text-gray-500 dark:text-gray-400">{description}</p>}
      </div>
      <button
        role="switch"
        aria-checked={checked}
        aria-label={typeof label === "string" ? label : undefined}
        disabled={disabled}
        onClick={() => onChange(!checked)}
        className={`relative inline-flex h-6 w-11 shrink-0 cursor-pointer rounded-full transition-colors duration-200 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 disabled:cursor-not-allowed disabled:opacity-40 ${
          checked ? "bg-indigo-600" : "bg-gray-200 dark:bg-gray-700"
        }`}
      >
        <span
          className={`pointer-events-none absolute top-0.5 left-0.5 h-5 w-5 rounded-full bg-white shadow transition-transform duration-200 ${
            checked ? "translate-x-5" : "translate-x-0"
          }`}
        />
      </button>
    </div>
  );
}

function Section({ id, title, description, children }) {
  return (
    <section id={id} className="scroll-mt-6 rounded-xl border border-gray-200 bg-white p-6 dark:border-gray-800 dark:bg-gray-900">
      <h2 className="text-lg font-semibold">{title}</h2>
      {description && <p className="mt-1 text-sm text-gray-500 dark:text-gray-400">{description}</p>}
      <div className="mt-2 divide-y divide-gray-100 dark:divide-gray-800">{children}</div>
    </section>
  );
}

export default function SettingsPage() {
  const [saved, setSaved] = useState(() => {
    const raw = localStorage.getItem("app-settings");
    return raw ? { ...DEFAULTS, ...JSON.parse(raw) } : DEFAULTS;
  });
  const [draft, setDraft] = useState(saved);
  const [toast, setToast] = useState(false);
  const [active, setActive] = useState("profile");

  const dirty = JSON.stringify(draft) !== JSON.stringify(saved);
  const set = (key) => (value) => setDraft((d) => ({ ...d, [key]: value }));

  useEffect(() => {
    document.documentElement.classList.toggle("dark", draft.darkMode);
  }, [draft.darkMode]);

  useEffect(() => {
    const onKey = (e) => {
      if ((e.metaKey || e.ctrlKey) && e.key === "s") {
        e.preventDefault();
        if (dirty) save();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  function save() {
    localStorage.setItem("app-settings", JSON.stringify(draft));
    setSaved(draft);
    setToast(true);
    setTimeout(() => setToast(false), 2000);
  }

  const scrollTo = (id) => {
    setActive(id);
    document.getElementById(id)?.scrollIntoView({ behavior: draft.reduceMotion ? "auto" : "smooth" });
  };

  const emailValid = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(draft.email);

  return (
    <div className={`min-h-screen bg-gray-50 text-gray-900 dark:bg-gray-950 dark:text-gray-100 ${draft.compactMode ? "text-sm" : ""}`}>
      <div className="mx-auto flex max-w-5xl gap-8 px-6 py-10">
        <nav className="sticky top-10 hidden h-fit w-56 shrink-0 md:block">
          <h1 className="mb-6 text-2xl font-bold">Settings</h1>
          <ul className="space-y-1">
            {SECTIONS.map(({ id, label, icon: Icon }) => (
              <li key={id}>
                <button
                  onClick={() => scrollTo(id)}
                  className={`flex w-full items-center gap-3 rounded-lg px-3 py-2 text-left text-sm font-medium ${
                    active === id
                      ? "bg-white text-indigo-700 shadow-sm dark:bg-gray-900 dark:text-indigo-400"
                      : "text-gray-600 hover:bg-white/60 dark:text-gray-400 dark:hover:bg-gray-900/60"
                  }`}
                >
                  <Icon className="h-4 w-4" />
                  {label}
                </button>
              </li>
            ))}
          </ul>
        </nav>

        <main className={`flex-1 ${draft.compactMode ? "space-y-4" : "space-y-6"} pb-24`}>
          <Section id="profile" title="Profile" description="This information appears on your public profile.">
            <div className="flex items-center gap-4 py-4">
              <div className={`flex h-16 w-16 items-center justify-center rounded-full text-xl font-bold text-white ${ACCENTS[draft.accent]}`}>
                {draft.displayName.split(" ").map((w) => w[0]).join("").slice(0, 2).toUpperCase() || "?"}
              </div>
              <div className="grid flex-1 gap-4 sm:grid-cols-2">
                <label className="block">
                  <span className="text-sm font-medium">Display name</span>
                  <input
                    value={draft.displayName}
                    onChange={(e) => set("displayName")(e.target.value)}
                    className="mt-1 w-full rounded-lg border border-gray-300 bg-transparent px-3 py-2 focus:border-indigo-500 focus:outline-none dark:border-gray-700"
                  />
                </label>
                <label className="block">
                  <span className="text-sm font-medium">Email</span>
                  <input
                    type="email"
                    value={draft.email}
                    onChange={(e) => set("email")(e.target.value)}
                    className={`mt-1 w-full rounded-lg border bg-transparent px-3 py-2 focus:outline-none ${
                      emailValid ? "border-gray-300 focus:border-indigo-500 dark:border-gray-700" : "border-rose-400"
                    }`}
                  />
                  {!emailValid && <span className="mt-1 block text-xs text-rose-500">Enter a valid email</span>}
                </label>
              </div>
            </div>
          </Section>

          <Section id="notifications" title="Notifications" description="Choose how and when we contact you.">
            <Toggle label="Email notifications" description="Receive updates about activity on your account." checked={draft.emailNotifications} onChange={set("emailNotifications")} />
            <Toggle label="Push notifications" description="Get notified in your browser even when the app is closed." checked={draft.pushNotifications} onChange={set("pushNotifications")} />
            <Toggle label="Weekly digest" description="A Monday summary of what you missed." checked={draft.weeklyDigest} onChange={set("weeklyDigest")} disabled={!draft.emailNotifications} />
            <Toggle label="Only @mentions" description="Mute everything except direct mentions." checked={draft.mentionsOnly} onChange={set("mentionsOnly")} />
          </Section>

          <Section id="appearance" title="Appearance">
            <Toggle label={<span className="inline-flex items-center gap-2"><Moon className="h-4 w-4" /> Dark mode</span>} checked={draft.darkMode} onChange={set("darkMode")} />
            <Toggle label="Compact mode" description="Tighter spacing to fit more on screen." checked={draft.compactMode} onChange={set("compactMode")} />
            <Toggle label="Reduce motion" description="Minimise animations and smooth scrolling." checked={draft.reduceMotion} onChange={set("reduceMotion")} />
            <div className="flex items-center justify-between py-4">
              <p className="font-medium">Accent color</p>
              <div className="flex gap-2">
                {Object.entries(ACCENTS).map(([name, cls]) => (
                  <button
                    key={name}
                    onClick={() => set("accent")(name)}
                    aria-label={name}
                    className={`flex h-8 w-8 items-center justify-center rounded-full ${cls} ring-offset-2 dark:ring-offset-gray-900 ${
                      draft.accent === name ? "ring-2 ring-gray-900 dark:ring-white" : ""
                    }`}
                  >
                    {draft.accent === name && <Check className="h-4 w-4 text-white" />}
                  </button>
                ))}
              </div>
            </div>
          </Section>

          <Section id="privacy" title="Privacy & security">
            <Toggle label={<span className="inline-flex items-center gap-2"><Lock className="h-4 w-4" /> Two-factor authentication</span>} description="Require a code from your authenticator app when signing in." checked={draft.twoFactor} onChange={set("twoFactor")} />
            <Toggle label="Public profile" description="Let anyone with the link see your profile." checked={draft.publicProfile} onChange={set("publicProfile")} />
            <Toggle label="Share usage analytics" description="Help us improve by sending anonymous usage data." checked={draft.analytics} onChange={set("analytics")} />
          </Section>

          <Section id="region" title="Language & region">
            <div className="grid gap-4 py-4 sm:grid-cols-2">
              <label className="block">
                <span className="text-sm font-medium">Language</span>
                <select
                  value={draft.language}
                  onChange={(e) => set("language")(e.target.value)}
                  className="mt-1 w-full rounded-lg border border-gray-300 bg-transparent px-3 py-2 dark:border-gray-700"
                >
                  <option value="en">English</option>
                  <option value="es">Español</option>
                  <option value="fr">Français</option>
                  <option value="de">Deutsch</option>
                  <option value="ja">日本語</option>
                </select>
              </label>
              <label className="block">
                <span className="text-sm font-medium">Time zone</span>
                <select
                  value={draft.timezone}
                  onChange={(e) => set("timezone")(e.target.value)}
                  className="mt-1 w-full rounded-lg border border-gray-300 bg-transparent px-3 py-2 dark:border-gray-700"
                >
                  {["America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"].map((tz) => (
                    <option key={tz} value={tz}>{tz.replace("_", " ")}</option>
                  ))}
                </select>
              </label>
            </div>
            <p className="py-3 text-sm text-gray-500">
              Local time:{" "}
              {new Date().toLocaleTimeString(draft.language, { timeZone: draft.timezone, hour: "2-digit", minute: "2-digit" })}
            </p>
          </Section>
        </main>
      </div>

      <div
        className={`fixed inset-x-0 bottom-0 border-t border-gray-200 bg-white/90 backdrop-blur transition-transform dark:border-gray-800 dark:bg-gray-900/90 ${
          dirty ? "translate-y-0" : "translate-y-full"
        }`}
      >
        <div className="mx-auto flex max-w-5xl items-center justify-between px-6 py-3">
          <p className="text-sm text-gray-600 dark:text-gray-400">You have unsaved changes</p>
          <div className="flex gap-2">
            <button
              onClick={() => setDraft(saved)}
              className="rounded-lg px-4 py-2 text-sm font-medium text-gray-700 hover:bg-gray-100 dark:text-gray-300 dark:hover:bg-gray-800"
            >
              Discard
            </button>
            <button
              onClick={save}
              disabled={!emailValid}
              className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
            >
              Save changes
            </button>
          </div>
        </div>
      </div>

      {toast && (
        <div className="fixed bottom-6 left-1/2 -translate-x-1/2 rounded-lg bg-gray-900 px-4 py-2 text-sm text-white shadow-lg dark:bg-white dark:text-gray-900">
          Settings saved
        </div>
      )}
    </div>
  );
}
