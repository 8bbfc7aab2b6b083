import { useMemo, useState } from "react";
import { Check, Users, HardDrive, Zap, Info } from "lucide-react";

const PLANS = [
  {
    id: "starter",
    name: "Starter",
    perSeat: 8,
    includedStorage: 10,
    features: ["Unlimited projects", "Basic analytics", "Email support"],
  },
  {
    id: "pro",
    name: "Pro",
    perSeat: 15,
    includedStorage: 100,
    features: ["Everything in Starter", "Advanced analytics", "Priority support", "SSO (Google, Microsoft)"],
    popular: true,
  },
  {
    id: "business",
    name: "Business",
    perSeat: 29,
    includedStorage: 500,
    features: ["Everything in Pro", "SAML SSO & SCIM", "Audit logs", "99.9% uptime SLA"],
  },
];

const ADDONS = [
  { id: "ai", name: "AI assistant", price: 5, unit: "seat", description: "Summaries, drafting and smart search" },
  { id: "backup", name: "Daily backups", price: 19, unit: "month", description: "30-day point-in-time restore" },
  { id: "support", name: "Dedicated CSM", price: 250, unit: "month", description: "A named success manager" },
];

const STORAGE_PRICE_PER_GB = 0.05;
const ANNUAL_DISCOUNT = 0.2;

// Volume discounts on seat pricing
function seatDiscount(seats) {
  if (seats >= 250) return 0.15;
  if (seats >= 100) return 0.1;
  if (seats >= 50) return 0.05;
  return 0;
}

const usd = (n) => n.toLocaleString("en-US", { style: "currency", currency: "USD", maximumFractionDigits: n % 1 ? 2 : 0 });

export default function PricingCalculator() {
  const [planId, setPlanId] = useState("pro");
  const [seats, setSeats] = useState(25);
  const [storage, setStorage] = useState(200);
  const [annual, setAnnual] = useState(true);
  const [addons, setAddons] = useState(["ai"]);

  const plan = PLANS.find((p) => p.id === planId);

  const quote = useMemo(() => {
    const volume = seatDiscount(seats);
    const seatCost = seats * plan.perSeat * (1 - volume);
    const extraStorage = Math.max(0, storage - plan.includedStorage);
    const storageCost = extraStorage * STORAGE_PRICE_PER_GB;
    const addonLines = ADDONS.filter((a) => addons.includes(a.id)).map((a) => ({
      name: a.name,
      cost: a.unit === "seat" ? a.price * seats : a.price,
    }));
    const addonCost = addonLines.reduce((s, a) => s + a.cost, 0);
    const monthly = seatCost + storageCost + addonCost;
    const billingMonthly = annual ? monthly * (1 - ANNUAL_DISCOUNT) : monthly;
    return {
      volume,
      seatCost,
      extraStorage,
      storageCost,
      addonLines,
      monthly,
      billingMonthly,
      yearly: billingMonthly * 12,
      savings: annual ? monthly * 12 - billingMonthly * 12 : 0,
      perSeat: billingMonthly / seats,
    };
  }, [plan, seats, storage, annual, addons]);

  const toggleAddon = (id) =>
    setAddons((prev) => (prev.includes(id) ? prev.filter((x) => x !== id) : [...prev, id]));

  return (
    <div className="min-h-screen bg-gradient-to-b from-indigo-50 to-white py-12 px-4">
      <div className="max-w-5xl mx-auto">
        <div className="text-center mb-10">
          <h1 className="text-3xl font-bold text-slate-900">Estimate your price</h1>
          <p className="text-slate-500 mt-2">Pick a plan, set your team size and see exactly what you'll pay.</p>
          <div className="inline-flex items-center mt-6 bg-white rounded-full p-1 border border-slate-200 shadow-sm">
            {[false, true].map((isAnnual) => (
              <button
                key={String(isAnnual)}
                onClick={() => setAnnual(isAnnual)}
                className={`px-4 py-1.5 rounded-full text-sm font-medium transition ${
                  annual === isAnnual ? "bg-indigo-600 text-white" : "text-slate-600 hover:text-slate-900"
                }`}
              >
                {isAnnual ? "Annual" : "Monthly"}
                {isAnnual && <span className="ml-1.5 text-xs text-emerald-500 font-semibold">{annual ? "" : "−20%"}</span>}
              </button>
            ))}
          </div>
        </div>

        <div className="grid lg:grid-cols-[1fr_340px] gap-6">
          <div className="space-y-6">
            <div className="grid sm:grid-cols-3 gap-3">
              {PLANS.map((p) => (
                <button
                  key={p.id}
                  onClick={() => setPlanId(p.id)}
                  className={`relative text-left rounded-2xl border-2 p-4 bg-white transition ${
                    p.id === planId ? "border-indigo-600 shadow-md" : "border-slate-200 hover:border-slate-300"
                  }`}
                >
                  {p.popular && (
                    <span className="absolute -top-2.5 right-3 text-[10px] font-bold uppercase tracking-wider bg-indigo-600 text-white px-2 py-0.5 rounded-full">
                      Popular
                    </span>
                  )}
                  <h3 className="font-semibold text-slate-900">{p.name}</h3>
                  <p className="mt-1">
                    <span className="text-2xl font-bold">{usd(annual ? p.perSeat * (1 - ANNUAL_DISCOUNT) : p.perSeat)}</span>
                    <span className="text-sm text-slate-500"> /seat/mo</span>
                  </p>
                  <ul className="mt-3 space-y-1.5">
                    {p.features.map((f) => (
                      <li key={f} className="flex gap-1.5 text-xs text-slate-600">
                        <Check className="w-3.5 h-3.5 text-indigo-600 shrink-0 mt-0.5" />
                        {f}
                      </li>
                    ))}
                  </ul>
                </button>
              ))}
            </div>

            <div className="bg-white rounded-2xl border border-slate-200 p-5 space-y-6">
              <div>
                <div className="flex items-center justify-between mb-2">
                  <label htmlFor="seats" className="flex items-center gap-2 text-sm font-medium text-slate-700">
                    <Users className="w-4 h-4 text-indigo-600" /> Team members
                  </label>
                  <input
                    type="number"
                    min={1}
                    max={1000}
                    value={seats}
                    onChange={(e) => setSeats(Math.max(1, Math.min(1000, Number(e.target.value) || 1)))}
                    className="w-20 text-right border border-slate-300 rounded-md px-2 py-1 text-sm"
                  />
                </div>
                <input id="seats" type="range" min={1} max={500} value={Math.min(seats, 500)} onChange={(e) => setSeats(Number(e.target.value))} className="w-full accent-indigo-600" />
                {quote.volume > 0 ? (
                  <p className="text-xs text-emerald-600 mt-1">Volume discount applied: {quote.volume * 100}% off seats</p>
                ) : (
                  <p className="text-xs text-slate-400 mt-1">Volume discounts start at 50 seats</p>
                )}
              </div>

              <div>
                <div className="flex items-center justify-between mb-2">
                  <label htmlFor="storage" className="flex items-center gap-2 text-sm font-medium text-slate-700">
                    <HardDrive className="w-4 h-4 text-indigo-600" /> Storage
                  </label>
                  <span className="text-sm font-semibold">{storage.toLocaleString()} GB</span>
                </div>
                <input id="storage" type="range" min={10} max={5000} step={10} value={storage} onChange={(e) => setStorage(Number(e.target.value))} className="w-full accent-indigo-600" />
                <p className="text-xs text-slate-400 mt-1 flex items-center gap-1">
                  <Info className="w-3 h-3" /> {plan.includedStorage} GB included, then {usd(STORAGE_PRICE_PER_GB)}/GB
                </p>
              </div>

              <div>
                <p className="flex items-center gap-2 text-sm font-medium text-slate-700 mb-2">
                  <Zap className="w-4 h-4 text-indigo-600" /> Add-ons
                </p>
                <div className="space-y-2">
                  {ADDONS.map((a) => (
                    <label key={a.id} className="flex items-center gap-3 p-3 rounded-lg border border-slate-200 hover:bg-slate-50 cursor-pointer">
                      <input type="checkbox" checked={addons.includes(a.id)} onChange={() => toggleAddon(a.id)} className="w-4 h-4 accent-indigo-600" />
                      <span className="flex-1">
                        <span className="block text-sm font-medium text-slate-800">{a.name}</span>
                        <span className="block text-xs text-slate-500">{a.description}</span>
                      </span>
                      <span className="text-sm text-slate-600">{usd(a.price)}/{a.unit}</span>
                    </label>
                  ))}
                </div>
              </div>
            </div>
          </div>

          <aside className="bg-slate-900 text-white rounded-2xl p-6 h-fit lg:sticky lg:top-6">
            <p className="text-sm text-slate-400">{plan.name} plan · billed {annual ? "annually" : "monthly"}</p>
            <p className="mt-2">
              <span className="text-4xl font-bold">{usd(quote.billingMonthly)}</span>
              <span className="text-slate-400"> /month</span>
            </p>
            <p className="text-sm text-slate-400 mt-1">≈ {usd(quote.perSeat)} per seat</p>

            <dl className="mt-6 space-y-2 text-sm">
              <div className="flex justify-between">
                <dt className="text-slate-400">{seats} seats × {usd(plan.perSeat)}</dt>
                <dd>{usd(quote.seatCost)}</dd>
              </div>
              {quote.extraStorage > 0 && (
                <div className="flex justify-between">
                  <dt className="text-slate-400">+{quote.extraStorage.toLocaleString()} GB storage</dt>
                  <dd>{usd(quote.storageCost)}</dd>
                </div>
              )}
              {quote.addonLines.map((a) => (
                <div key={a.name} className="flex justify-between">
                  <dt className="text-slate-400">{a.name}</dt>
                  <dd>{usd(a.cost)}</dd>
                </div>
              ))}
              {annual && (
                <div className="flex justify-between text-emerald-400">
                  <dt>Annual discount (20%)</dt>
                  <dd>−{usd(quote.monthly - quote.billingMonthly)}</dd>
                </div>
              )}
            </dl>

            <div className="border-t border-white/10 mt-4 pt-4 flex justify-between font-semibold">
              <span>{annual ? "Billed yearly" : "Per year"}</span>
              <span>{usd(quote.yearly)}</span>
            </div>
            {quote.savings > 0 && (
              <p className="mt-2 text-xs text-emerald-400">You save {usd(quote.savings)} a year with annual billing.</p>
            )}

            <button className="mt-6 w-full bg-indigo-500 hover:bg-indigo-400 rounded-lg py-2.5 font-semibold transition">
              Start 14-day free trial
            </button>
            <p className="text-xs text-slate-500 text-center mt-2">No credit card required</p>
          </aside>
        </div>
      </div>
    </div>
  );
}
