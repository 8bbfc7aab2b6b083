import { useState } from "react";
import { Check, Minus, Sparkles } from "lucide-react";

const TIERS = [
  {
    name: "Hobby",
    monthly: 0,
    blurb: "For side projects and tinkering.",
    cta: "Start for free",
    limits: { projects: "3", seats: "1", storage: "1 GB", builds: "100 / mo" },
  },
  {
    name: "Pro",
    monthly: 24,
    blurb: "For professionals shipping real products.",
    cta: "Start 14-day trial",
    popular: true,
    limits: { projects: "Unlimited", seats: "5", storage: "50 GB", builds: "3,000 / mo" },
  },
  {
    name: "Team",
    monthly: 79,
    blurb: "For growing teams that need control.",
    cta: "Contact sales",
    limits: { projects: "Unlimited", seats: "25", storage: "500 GB", builds: "Unlimited" },
  },
];

const FEATURES = [
  { label: "Custom domains", tiers: [true, true, true] },
  { label: "Preview deployments", tiers: [true, true, true] },
  { label: "Password protection", tiers: [false, true, true] },
  { label: "Analytics", tiers: [false, true, true] },
  { label: "Role-based access", tiers: [false, false, true] },
  { label: "SSO / SAML", tiers: [false, false, true] },
  { label: "99.99% uptime SLA", tiers: [false, false, true] },
];

const LIMIT_LABELS = { projects: "Projects", seats: "Team seats", storage: "Storage", builds: "Build minutes" };

export default function PricingTable() {
  const [annual, setAnnual] = useState(true);

  const price = (m) => (annual ? Math.round(m * 0.8) : m);

  return (
    <section className="min-h-screen bg-white px-6 py-20 text-gray-900">
      <div className="mx-auto max-w-5xl text-center">
        <h2 className="text-4xl font-bold tracking-tight">Pricing that scales with you</h2>
        <p className="mt-3 text-gray-500">Start free. Upgrade when you need more power.</p>

        <div className="mt-8 inline-flex items-center rounded-full bg-gray-100 p-1 text-sm">
          <button
            onClick={() => setAnnual(false)}
            className={`rounded-full px-4 py-1.5 ${!annual ? "bg-white shadow font-medium" : "text-gray-500"}`}
          >
            Monthly
          </button>
          <button
            onClick={() => setAnnual(true)}
            className={`rounded-full px-4 py-1.5 ${annual ? "bg-white shadow font-medium" : "text-gray-500"}`}
          >
            Annual <span className="ml-1 text-emerald-600">−20%</span>
          </button>
        </div>
      </div>

      <div className="mx-auto mt-12 grid max-w-5xl gap-6 md:grid-cols-3">
        {TIERS.map((tier, ti) => (
          <div
            key={tier.name}
            className={`relative flex flex-col rounded-2xl border p-8 ${
              tier.popular ? "border-gray-900 shadow-xl" : "border-gray-200"
            }`}
          >
            {tier.popular && (
              <span className="absolute -top-3 left-1/2 flex -translate-x-1/2 items-center gap-1 rounded-full bg-gray-900 px-3 py-1 text-xs font-medium text-white">
                <Sparkles className="h-3 w-3" /> Most popular
              </span>
            )}
            <h3 className="text-lg font-semibold">{tier.name}</h3>
            <p className="mt-1 text-sm text-gray-500">{tier.blurb}</p>
            <div className="mt-6 flex items-baseline gap-1">
              <span className="text-5xl font-bold">${price(tier.monthly)}</span>
              <span className="text-sm text-gray-500">{tier.monthly ? "/ user / month" : "forever"}</span>
            </div>
            {annual && tier.monthly > 0 && (
              <p className="mt-1 text-xs text-gray-400">billed ${price(tier.monthly) * 12} yearly</p>
            )}

            <button
              className={`mt-6 w-full rounded-lg py-2.5 text-sm font-semibold transition ${
                tier.popular ? "bg-gray-900 text-white hover:bg-gray-700" : "border border-gray-300 hover:bg-gray-50"
              }`}
            >
              {tier.cta}
            </button>

            <dl className="mt-8 space-y-2 border-t border-gray-100 pt-6 text-sm">
              {Object.entries(tier.limits).map(([k, v]) => (
                <div key={k} className="flex justify-between">
                  <dt className="text-gray-500">{LIMIT_LABELS[k]}</dt>
                  <dd className="font-medium">{v}</dd>
                </div>
              ))}
            </dl>

            <ul className="mt-6 space-y-2 text-sm">
              {FEATURES.map((f) => (
                <li key={f.label} className={`flex items-center gap-2 ${f.tiers[ti] ? "" : "text-gray-300"}`}>
                  {f.tiers[ti] ? <Check className="h-4 w-4 text-emerald-500" /> : <Minus className="h-4 w-4" />}
                  {f.label}
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>

      <p className="mx-auto mt-10 max-w-5xl text-center text-sm text-gray-500">
        Need more than 25 seats or on-prem hosting?{" "}
        <a href="#" className="font-medium text-gray-900 underline underline-offset-4">
          Talk to us about Enterprise
        </a>
      </p>
    </section>
  );
}
