import { useState } from "react";
import { ArrowLeft, ArrowRight, Briefcase, Check, Code2, GraduationCap, Megaphone, PenTool, Rocket, Users } from "lucide-react";

const STEPS = ["Account", "About you", "Goals", "Team", "Done"];

const ROLES = [
  { id: "engineering", label: "Engineering", icon: Code2 },
  { id: "design", label: "Design", icon: PenTool },
  { id: "marketing", label: "Marketing", icon: Megaphone },
  { id: "management", label: "Management", icon: Briefcase },
  { id: "student", label: "Student", icon: GraduationCap },
  { id: "other", label: "Something else", icon: Users },
];

const GOALS = [
  "Track projects and deadlines",
  "Collaborate with my team",
  "Plan sprints",
  "Manage client work",
  "Organise personal tasks",
  "Build documentation",
];

function validate(step, data) {
  const errors = {};
  if (step === 0) {
    if (!data.name.trim()) errors.name = "Please enter your name";
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(data.email)) errors.email = "Enter a valid email address";
    if (data.password.length < 8) errors.password = "Use at least 8 characters";
  }
  if (step === 1 && !data.role) errors.role = "Pick the option that fits best";
  if (step === 2 && data.goals.length === 0) errors.goals = "Choose at least one goal";
  if (step === 3) {
    const bad = data.invites.filter((e) => e && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e));
    if (bad.length) errors.invites = `${bad.length} email${bad.length > 1 ? "s look" : " looks"} invalid`;
  }
  return errors;
}

function passwordStrength(pw) {
  let score = 0;
  if (pw.length >= 8) score++;
  if (pw.length >= 12) score++;
  if (/[A-Z]/.test(pw) && /[a-z]/.test(pw)) score++;
  if (/\d/.test(pw)) score++;
  if (/[^A-Za-z0-9]/.test(pw)) score++;
  return Math.min(score, 4);
}

function Field({ label, error, children }) {
  return (
    <label className="block">
      <span className="mb-1 block text-sm font-medium text-slate-700">{label}</span>
      {children}
      {error && <span className="mt-1 block text-sm text-rose-600">{error}</span>}
    </label>
  );
}

const inputCls = (err) =>
  `w-full rounded-lg border px-3 py-2.5 outline-none transition focus:ring-4 ${
    err ? "border-rose-400 focus:ring-rose-100" : "border-slate-300 focus:border-violet-500 focus:ring-violet-100"
  }`;

function Stepper({ step }) {
  return (
    <ol className="mb-8 flex items-center">
      {STEPS.map((label, i) => (
        <li key={label} className={`flex items-center ${i < STEPS.length - 1 ? "flex-1" : ""}`}>
          <div className="flex flex-col items-center">
            <div
              className={`flex h-8 w-8 items-center justify-center rounded-full text-sm font-semibold transition ${
                i < step
                  ? "bg-violet-600 text-white"
                  : i === step
                  ? "border-2 border-violet-600 text-violet-700"
                  : "border-2 border-slate-200 text-slate-400"
              }`}
            >
              {i < step ? <Check className="h-4 w-4" /> : i + 1}
            </div>
            <span className={`mt-1 hidden text-xs sm:block ${i <= step ? "text-slate-700" : "text-slate-400"}`}>{label}</span>
          </div>
          {i < STEPS.length - 1 && (
            <div className="mx-2 h-0.5 flex-1 rounded bg-slate-200">
              <div className="h-full rounded bg-violet-600 transition-all duration-300" style={{ width: i < step ? "100%" : "0%" }} />
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}

export default function OnboardingWizard() {
  const [step, setStep] = useState(0);
  const [errors, setErrors] = useState({});
  const [data, setData] = useState({
    name: "",
    email: "",
    password: "",
    role: "",
    companySize: "1-10",
    goals: [],
    workspace: "",
    invites: ["", ""],
  });

  const update = (patch) => {
    setData((d) => ({ ...d, ...patch }));
    setErrors((e) => {
      const next = { ...e };
      Object.keys(patch).forEach((k) => delete next[k]);
      return next;
    });
  };

  const next = () => {
    const errs = validate(step, data);
    setErrors(errs);
    if (Object.keys(errs).length === 0) {
      if (step === 1 && !data.workspace) {
        update({ workspace: `${data.name.split(" ")[0] || "My"}'s workspace` });
      }
      setStep((s) => Math.min(s + 1, STEPS.length - 1));
    }
  };
  const back = () => setStep((s) => Math.max(s - 1, 0));

  const toggleGoal = (g) =>
    update({ goals: data.goals.includes(g) ? data.goals.filter((x) => x !== g) : [...data.goals, g] });

  const strength = passwordStrength(data.password);
  const strengthLabel = ["Too weak", "Weak", "Okay", "Good", "Strong"][strength];
  const strengthColor = ["bg-rose-500", "bg-orange-500", "bg-amber-400", "bg-lime-500", "bg-emerald-500"][strength];

  return (
    <div className="flex min-h-screen items-center justify-center bg-gradient-to-br from-violet-50 via-white to-sky-50 p-4">
      <div className="w-full max-w-xl rounded-2xl bg-white p-8 shadow-xl shadow-violet-100 ring-1 ring-slate-100">
        <Stepper step={step} />

        <form
          onSubmit={(e) => {
            e.preventDefault();
            next();
          }}
        >
          {step === 0 && (
            <div className="space-y-4">
              <div>
                <h1 className="text-2xl font-bold text-slate-900">Create your account</h1>
                <p className="mt-1 text-slate-500">It takes less than a minute.</p>
              </div>
              <Field label="Full name" error={errors.name}>
                <input autoFocus className={inputCls(errors.name)} value={data.name} onChange={(e) => update({ name: e.target.value })} placeholder="Ada Lovelace" />
              </Field>
              <Field label="Work email" error={errors.email}>
                <input type="email" className={inputCls(errors.email)} value={data.email} onChange={(e) => update({ email: e.target.value })} placeholder="ada@company.com" />
              </Field>
              <Field label="Password" error={errors.password}>
                <input type="password" className={inputCls(errors.password)} value={data.password} onChange={(e) => update({ password: e.target.value })} />
                {data.password && (
                  <div className="mt-2 flex items-center gap-3">
                    <div className="flex flex-1 gap-1">
                      {[0, 1, 2, 3].map((i) => (
                        <div key={i} className={`h-1.5 flex-1 rounded-full ${i < strength ? strengthColor : "bg-slate-200"}`} />
                      ))}
                    </div>
                    <span className="text-xs text-slate-500">{strengthLabel}</span>
                  </div>
                )}
              </Field>
            </div>
          )}

          {step === 1 && (
            <div className="space-y-5">
              <div>
                <h1 className="text-2xl font-bold text-slate-900">What do you do?</h1>
                <p className="mt-1 text-slate-500">We'll tailor templates to your work.</p>
              </div>
              <div className="grid grid-cols-2 gap-3 sm:grid-cols-3">
                {ROLES.map(({ id, label, icon: Icon }) => (
                  <button
                    type="button"
                    key={id}
                    onClick={() => update({ role: id })}
                    className={`flex flex-col items-center gap-2 rounded-xl border-2 p-4 text-sm font-medium transition ${
                      data.role === id ? "border-violet-600 bg-violet-50 text-violet-700" : "border-slate-200 text-slate-600 hover:border-slate-300"
                    }`}
                  >
                    <Icon className="h-6 w-6" />
                    {label}
                  </button>
                ))}
              </div>
              {errors.role && <p className="text-sm text-rose-600">{errors.role}</p>}
              <Field label="Company size">
                <select className={inputCls()} value={data.companySize} onChange={(e) => update({ companySize: e.target.value })}>
                  {["Just me", "1-10", "11-50", "51-200", "201-1000", "1000+"].map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </Field>
            </div>
          )}

          {step === 2 && (
            <div className="space-y-5">
              <div>
                <h1 className="text-2xl font-bold text-slate-900">What brings you here?</h1>
                <p className="mt-1 text-slate-500">Select all that apply.</p>
              </div>
              <div className="flex flex-wrap gap-2">
                {GOALS.map((g) => {
                  const on = data.goals.includes(g);
                  return (
                    <button
                      type="button"
                      key={g}
                      onClick={() => toggleGoal(g)}
                      className={`inline-flex items-center gap-1.5 rounded-full border px-4 py-2 text-sm transition ${
                        on ? "border-violet-600 bg-violet-600 text-white" : "border-slate-300 text-slate-700 hover:bg-slate-50"
                      }`}
                    >
                      {on && <Check className="h-3.5 w-3.5" />}
                      {g}
                    </button>
                  );
                })}
              </div>
              {errors.goals && <p className="text-sm text-rose-600">{errors.goals}</p>}
            </div>
          )}

          {step === 3 && (
            <div className="space-y-4">
              <div>
                <h1 className="text-2xl font-bold text-slate-900">Set up your workspace</h1>
                <p className="mt-1 text-slate-500">Invite teammates now or skip and do it later.</p>
              </div>
              <Field label="Workspace name">
                <input className={inputCls()} value={data.workspace} onChange={(e) => update({ workspace: e.target.value })} />
              </Field>
              <div>
                <span className="mb-1 block text-sm font-medium text-slate-700">Invite by email</span>
                <div className="space-y-2">
                  {data.invites.map((email, i) => (
                    <input
                      key={i}
                      type="email"
                      value={email}
                      placeholder="teammate@company.com"
                      className={inputCls(errors.invites && email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))}
                      onChange={(e) => {
                        const invites = [...data.invites];
                        invites[i] = e.target.value;
                        update({ invites });
                      }}
                    />
                  ))}
                </div>
                {errors.invites && <p className="mt-1 text-sm text-rose-600">{errors.invites}</p>}
                {data.invites.length < 6 && (
                  <button
                    type="button"
                    onClick={() => update({ invites: [...data.invites, ""] })}
                    className="mt-2 text-sm font-medium text-violet-700 hover:underline"
                  >
                    + Add another
                  </button>
                )}
              </div>
            </div>
          )}

          {step === 4 && (
            <div className="py-6 text-center">
              <div className="mx-auto mb-4 flex h-16 w-16 items-center justify-center rounded-full bg-violet-100">
                <Rocket className="h-8 w-8 text-violet-600" />
              </div>
              <h1 className="text-2xl font-bold text-slate-900">You're all set, {data.name.split(" ")[0]}!</h1>
              <p className="mt-2 text-slate-500">
                <strong className="text-slate-700">{data.workspace}</strong> is ready.
                {data.invites.filter(Boolean).length > 0 &&
                  ` We've sent ${data.invites.filter(Boolean).length} invite${data.invites.filter(Boolean).length > 1 ? "s" : ""}.`}
              </p>
              <ul className="mx-auto mt-6 max-w-xs space-y-2 text-left text-sm text-slate-600">
                {data.goals.slice(0, 3).map((g) => (
                  <li key={g} className="flex items-center gap-2">
                    <Check className="h-4 w-4 text-emerald-500" /> Template added: {g}
                  </li>
                ))}
              </ul>
              <button
                type="button"
                className="mt-8 rounded-lg bg-violet-600 px-6 py-3 font-medium text-white hover:bg-violet-700"
                onClick={() => alert("Welcome aboard! 🎉")}
              >
                Go to dashboard
              </button>
            </div>
          )}

          {step < 4 && (
            <div className="mt-8 flex items-center justify-between">
              <button
                type="button"
                onClick={back}
                disabled={step === 0}
                className="inline-flex items-center gap-1 rounded-lg px-4 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 disabled:invisible"
              >
                <ArrowLeft className="h-4 w-4" /> Back
              </button>
              <div className="flex items-center gap-2">
                {step === 3 && (
                  <button
                    type="button"
                    onClick={() => { update({ invites: [] }); setStep(4); }}
                    className="rounded-lg px-4 py-2 text-sm font-medium text-slate-500 hover:text-slate-700"
                  >
                    Skip
                  </button>
                )}
                <button
                  type="submit"
                  className="inline-flex items-center gap-1 rounded-lg bg-violet-600 px-5 py-2.5 text-sm font-medium text-white shadow-sm hover:bg-violet-700"
                >
                  {step === 3 ? "Finish" : "Continue"} <ArrowRight className="h-4 w-4" />
                </button>
              </div>
            </div>
          )}
        </form>
      </div>
    </div>
  );
}
