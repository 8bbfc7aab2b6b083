import React, { useState } from "react";

type Plan = "starter" | "pro" | "enterprise";

interface FormData {
  company: string;
  website: string;
  teamSize: string;
  plan: Plan;
  seats: number;
  billingEmail: string;
  cardName: string;
  cardNumber: string;
  expiry: string;
  cvc: string;
}

const PRICES: Record<Plan, number> = { starter: 0, pro: 12, enterprise: 29 };
const STEPS = ["Company", "Plan", "Payment", "Review"] as const;

const initial: FormData = {
  company: "", website: "", teamSize: "1-10", plan: "pro", seats: 5,
  billingEmail: "", cardName: "", cardNumber: "", expiry: "", cvc: "",
};

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return digits.length >= 13 && sum % 10 === 0;
}

function validate(step: number, data: FormData): Partial<Record<keyof FormData, string>> {
  const errors: Partial<Record<keyof FormData, string>> = {};
  if (step === 0) {
    if (!data.company.trim()) errors.company = "Company name is required";
    if (data.website && !/^https?:\/\/[^\s.]+\.\S+$/.test(data.website)) errors.website = "Use a full URL, e.g. https://acme.com";
  }
  if (step === 1 && (data.seats < 1 || data.seats > 500)) errors.seats = "Between 1 and 500 seats";
  if (step === 2 && data.plan !== "starter") {
    if (!/^\S+@\S+\.\S+$/.test(data.billingEmail)) errors.billingEmail = "Enter a billing e-mail";
    if (!data.cardName.trim()) errors.cardName = "Name on card is required";
    if (!luhn(data.cardNumber.replace(/\s/g, ""))) errors.cardNumber = "Card number is not valid";
    if (!/^(0[1-9]|1[0-2])\/\d{2}$/.test(data.expiry)) errors.expiry = "MM/YY";
    if (!/^\d{3,4}$/.test(data.cvc)) errors.cvc = "3 or 4 digits";
  }
  return errors;
}

function Field({ label, error, children }: { label: string; error?: string; children: React.ReactNode }) {
  return (
    <label className="block">
      <span className="mb-1 block text-sm font-medium text-gray-700">{label}</span>
      {children}
      {error && <span className="mt-1 block text-xs text-red-600">{error}</span>}
    </label>
  );
}

const inputClass = "w-full rounded-lg border border-gray-300 px-3 py-2 text-sm focus:border-teal-500 focus:outline-none focus:ring-1 focus:ring-teal-500";

export default function SignupWizard() {
  const [step, setStep] = useState(0);
  const [data, setData] = useState<FormData>(initial);
  const [errors, setErrors] = useState<Partial<Record<keyof FormData, string>>>({});
  const [submitted, setSubmitted] = useState(false);

  const update = <K extends keyof FormData>(key: K, value: FormData[K]) => setData((d) => ({ ...d, [key]: value }));
  const monthly = PRICES[data.plan] * data.seats;

  function next() {
    const found = validate(step, data);
    setErrors(found);
    if (Object.keys(found).length === 0) {
      if (step === STEPS.length - 1) setSubmitted(true);
      else setStep(step + 1);
    }
  }

  if (submitted) {
    return (
      <div className="mx-auto mt-20 max-w-md rounded-2xl bg-white p-8 text-center shadow-lg">
        <div className="mb-3 text-5xl">🎉</div>
        <h2 className="text-xl font-semibold">Welcome aboard, {data.company}!</h2>
        <p className="mt-2 text-sm text-gray-500">Your {data.plan} workspace with {data.seats} seats is ready.</p>
      </div>
    );
  }

  return (
    <div className="mx-auto mt-12 max-w-xl rounded-2xl bg-white p-8 shadow-lg">
      <ol className="mb-8 flex items-center">
        {STEPS.map((name, i) => (
          <li key={name} className="flex flex-1 items-center">
            <span className={`flex h-8 w-8 items-center justify-center rounded-full text-sm font-semibold ${i < step ? "bg-teal-600 text-white" : i === step ? "border-2 border-teal-600 text-teal-700" : "border-2 border-gray-200 text-gray-400"}`}>
              {i < step ? "✓" : i + 1}
            </span>
            <span className={`ml-2 text-sm ${i === step ? "font-medium text-gray-900" : "text-gray-400"}`}>{name}</span>
            {i < STEPS.length - 1 && <span className="mx-3 h-px flex-1 bg-gray-200" />}
          </li>
        ))}
      </ol>

      <div className="space-y-4">
        {step === 0 && (
          <>
            <Field label="Company name" error={errors.company}><input className={inputClass} value={data.company} onChange={(e) => update("company", e.target.value)} /></Field>
            <Field label="Website (optional)" error={errors.website}><input className={inputClass} value={data.website} onChange={(e) => update("website", e.target.value)} placeholder="https://" /></Field>
            <Field label="Team size">
              <select className={inputClass} value={data.teamSize} onChange={(e) => update("teamSize", e.target.value)}>
                {["1-10", "11-50", "51-200", "201-1000", "1000+"].map((s) => <option key={s}>{s}</option>)}
              </select>
            </Field>
          </>
        )}
        {step === 1 && (
          <>
            <div className="grid grid-cols-3 gap-3">
              {(Object.keys(PRICES) as Plan[]).map((p) => (
                <button key={p} type="button" onClick={() => update("plan", p)} className={`rounded-xl border-2 p-4 text-left ${data.plan === p ? "border-teal-600 bg-teal-50" : "border-gray-200"}`}>
                  <div className="text-sm font-semibold capitalize">{p}</div>
                  <div className="mt-1 text-2xl font-bold">${PRICES[p]}</div>
                  <div className="text-xs text-gray-500">per seat / month</div>
                </button>
              ))}
            </div>
            <Field label="Seats" error={errors.seats}><input type="number" className={inputClass} value={data.seats} onChange={(e) => update("seats", Number(e.target.value))} /></Field>
            <p className="text-sm text-gray-600">Estimated: <strong>${monthly}</strong> per month</p>
          </>
        )}
        {step === 2 && (data.plan === "starter" ? (
          <p className="rounded-lg bg-gray-50 p-4 text-sm text-gray-600">The Starter plan is free, so there is nothing to pay. Continue to review.</p>
        ) : (
          <>
            <Field label="Billing e-mail" error={errors.billingEmail}><input className={inputClass} value={data.billingEmail} onChange={(e) => update("billingEmail", e.target.value)} /></Field>
            <Field label="Name on card" error={errors.cardName}><input className={inputClass} value={data.cardName} onChange={(e) => update("cardName", e.target.value)} /></Field>
            <Field label="Card number" error={errors.cardNumber}>
              <input className={inputClass} inputMode="numeric" value={data.cardNumber} onChange={(e) => update("cardNumber", e.target.value.replace(/[^\d]/g, "").slice(0, 19).replace(/(\d{4})(?=\d)/g, "$1 "))} placeholder="4242 4242 4242 4242" />
            </Field>
            <div className="grid grid-cols-2 gap-3">
              <Field label="Expiry" error={errors.expiry}><input className={inputClass} value={data.expiry} onChange={(e) => update("expiry", e.target.value)} placeholder="MM/YY" /></Field>
              <Field label="CVC" error={errors.cvc}><input className={inputClass} value={data.cvc} onChange={(e) => update("cvc", e.target.value)} /></Field>
            </div>
          </>
        ))}
        {step === 3 && (
          <dl className="divide-y rounded-lg border text-sm">
            {[["Company", data.company], ["Team size", data.teamSize], ["Plan", `${data.plan} × ${data.seats} seats`], ["Monthly total", `$${monthly}`], ["Card", data.cardNumber ? `•••• ${data.cardNumber.slice(-4)}` : "none needed"]].map(([k, v]) => (
              <div key={k} className="flex justify-between px-4 py-2"><dt className="text-gray-500">{k}</dt><dd className="font-medium capitalize">{v}</dd></div>
            ))}
          </dl>
        )}
      </div>

      <div className="mt-8 flex justify-between">
        <button type="button" onClick={() => setStep(step - 1)} disabled={step === 0} className="rounded-lg px-4 py-2 text-sm text-gray-600 hover:bg-gray-100 disabled:invisible">Back</button>
        <button type="button" onClick={next} className="rounded-lg bg-teal-600 px-5 py-2 text-sm font-medium text-white hover:bg-teal-700">
          {step === STEPS.length - 1 ? "Create workspace" : "Continue"}
        </button>
      </div>
    </div>
  );
}
