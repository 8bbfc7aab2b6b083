import { useEffect, useMemo, useState } from "react";
import { Minus, Plus, ShoppingBag, Tag, Trash2, Truck } from "lucide-react";

const PRODUCTS = [
  { id: "p1", name: "Ceramic Pour-Over Set", price: 48, color: "Sand", emoji: "☕", bg: "bg-amber-100" },
  { id: "p2", name: "Linen Table Runner", price: 32, color: "Olive", emoji: "🧺", bg: "bg-lime-100" },
  { id: "p3", name: "Hand-Thrown Mug", price: 24, color: "Speckled White", emoji: "🍵", bg: "bg-stone-100" },
  { id: "p4", name: "Beeswax Candles (4)", price: 18, color: "Honey", emoji: "🕯️", bg: "bg-yellow-100" },
  { id: "p5", name: "Walnut Serving Board", price: 65, color: "Natural", emoji: "🪵", bg: "bg-orange-100" },
  { id: "p6", name: "Wool Throw Blanket", price: 120, color: "Charcoal", emoji: "🧶", bg: "bg-slate-200" },
];

const PROMOS = {
  WELCOME10: { label: "10% off", apply: (subtotal) => subtotal * 0.1 },
  FREESHIP: { label: "Free shipping", apply: () => 0, freeShipping: true },
  SAVE20: { label: "$20 off orders over $100", apply: (subtotal) => (subtotal >= 100 ? 20 : 0) },
};

const FREE_SHIPPING_AT = 75;
const SHIPPING = 6.95;
const TAX_RATE = 0.0825;

const money = (n) => n.toLocaleString("en-US", { style: "currency", currency: "USD" });

function useLocalStorage(key, initial) {
  const [value, setValue] = useState(() => {
    try {
      const raw = localStorage.getItem(key);
      return raw ? JSON.parse(raw) : initial;
    } catch {
      return initial;
    }
  });
  useEffect(() => {
    localStorage.setItem(key, JSON.stringify(value));
  }, [key, value]);
  return [value, setValue];
}

function QuantityStepper({ value, onChange }) {
  return (
    <div className="inline-flex items-center rounded-full border border-stone-300">
      <button
        onClick={() => onChange(value - 1)}
        className="p-1.5 text-stone-600 hover:text-stone-900 disabled:opacity-30"
        disabled={value <= 1}
        aria-label="Decrease quantity"
      >
        <Minus className="h-3.5 w-3.5" />
      </button>
      <span className="w-8 text-center text-sm font-medium tabular-nums">{value}</span>
      <button
        onClick={() => onChange(value + 1)}
        className="p-1.5 text-stone-600 hover:text-stone-900 disabled:opacity-30"
        disabled={value >= 10}
        aria-label="Increase quantity"
      >
        <Plus className="h-3.5 w-3.5" />
      </button>
    </div>
  );
}

export default function ShoppingCart() {
  const [cart, setCart] = useLocalStorage("cart-items", { p1: 1, p3: 2 });
  const [promoInput, setPromoInput] = useState("");
  const [promo, setPromo] = useState(null);
  const [promoError, setPromoError] = useState("");
  const [checkedOut, setCheckedOut] = useState(false);

  const items = useMemo(
    () => Object.entries(cart).map(([id, qty]) => ({ ...PRODUCTS.find((p) => p.id === id), qty })).filter((i) => i.id),
    [cart]
  );

  const subtotal = items.reduce((s, i) => s + i.price * i.qty, 0);
  const discount = promo ? PROMOS[promo].apply(subtotal) : 0;
  const freeShip = subtotal >= FREE_SHIPPING_AT || (promo && PROMOS[promo].freeShipping);
  const shipping = items.length === 0 || freeShip ? 0 : SHIPPING;
  const tax = (subtotal - discount) * TAX_RATE;
  const total = subtotal - discount + shipping + tax;
  const itemCount = items.reduce((s, i) => s + i.qty, 0);
  const toFreeShipping = Math.max(0, FREE_SHIPPING_AT - subtotal);

  const setQty = (id, qty) =>
    setCart((c) => {
      const next = { ...c };
      if (qty <= 0) delete next[id];
      else next[id] = Math.min(qty, 10);
      return next;
    });

  const add = (id) => setQty(id, (cart[id] || 0) + 1);

  const applyPromo = (e) => {
    e.preventDefault();
    const code = promoInput.trim().toUpperCase();
    if (PROMOS[code]) {
      setPromo(code);
      setPromoError("");
      setPromoInput("");
    } else {
      setPromoError("That code isn't valid.");
    }
  };

  if (checkedOut) {
    return (
      <div className="flex min-h-screen items-center justify-center bg-stone-50 p-6">
        <div className="max-w-sm rounded-2xl bg-white p-8 text-center shadow-sm">
          <div className="mx-auto mb-4 flex h-14 w-14 items-center justify-center rounded-full bg-emerald-100 text-2xl">✓</div>
          <h2 className="text-xl font-semibold text-stone-900">Order placed!</h2>
          <p className="mt-2 text-stone-600">Thanks for shopping with us. A confirmation email is on its way.</p>
          <button
            onClick={() => { setCart({}); setPromo(null); setCheckedOut(false); }}
            className="mt-6 rounded-full bg-stone-900 px-6 py-2.5 text-sm font-medium text-white"
          >
            Continue shopping
          </button>
        </div>
      </div>
    );
  }

  return (
    <div className="min-h-screen bg-stone-50 px-4 py-10 text-stone-900">
      <div className="mx-auto grid max-w-5xl gap-8 lg:grid-cols-[1fr_360px]">
        <section>
          <h1 className="flex items-center gap-2 text-2xl font-semibold">
            <ShoppingBag className="h-6 w-6" /> Your cart
            <span className="text-base font-normal text-stone-500">({itemCount} {itemCount === 1 ? "item" : "items"})</span>
          </h1>

          {subtotal > 0 && (
            <div className="mt-4 rounded-xl bg-white p-4 shadow-sm">
              <div className="flex items-center gap-2 text-sm">
                <Truck className="h-4 w-4 text-emerald-600" />
                {toFreeShipping > 0 ? (
                  <span>Add <strong>{money(toFreeShipping)}</strong> more for free shipping</span>
                ) : (
                  <span className="font-medium text-emerald-700">You've unlocked free shipping!</span>
                )}
              </div>
              <div className="mt-2 h-1.5 overflow-hidden rounded-full bg-stone-200">
                <div
                  className="h-full rounded-full bg-emerald-500 transition-all duration-500"
                  style={{ width: `${Math.min(100, (subtotal / FREE_SHIPPING_AT) * 100)}%` }}
                />
              </div>
            </div>
          )}

          <ul className="mt-4 divide-y divide-stone-200 rounded-xl bg-white shadow-sm">
            {items.length === 0 && (
              <li className="p-10 text-center text-stone-500">Your cart is empty. Pick something below 👇</li>
            )}
            {items.map((item) => (
              <li key={item.id} className="flex gap-4 p-4">
                <div className={`flex h-20 w-20 shrink-0 items-center justify-center rounded-lg text-3xl ${item.bg}`}>
                  {item.emoji}
                </div>
                <div className="flex flex-1 flex-col justify-between">
                  <div className="flex justify-between gap-2">
                    <div>
                      <h3 className="font-medium">{item.name}</h3>
                      <p className="text-sm text-stone-500">{item.color}</p>
                    </div>
                    <p className="font-medium tabular-nums">{money(item.price * item.qty)}</p>
                  </div>
                  <div className="flex items-center justify-between">
                    <QuantityStepper value={item.qty} onChange={(q) => setQty(item.id, q)} />
                    <button
                      onClick={() => setQty(item.id, 0)}
                      className="inline-flex items-center gap-1 text-sm text-stone-500 hover:text-rose-600"
                    >
                      <Trash2 className="h-4 w-4" /> Remove
                    </button>
                  </div>
                </div>
              </li>
            ))}
          </ul>

          <h2 className="mt-10 mb-3 text-lg font-semibold">You might also like</h2>
          <div className="grid grid-cols-2 gap-3 sm:grid-cols-3">
            {PRODUCTS.filter((p) => !cart[p.id]).map((p) => (
              <div key={p.id} className="rounded-xl bg-white p-3 shadow-sm">
                <div className={`flex h-24 items-center justify-center rounded-lg text-4xl ${p.bg}`}>{p.emoji}</div>
                <h3 className="mt-2 text-sm font-medium">{p.name}</h3>
                <div className="mt-1 flex items-center justify-between">
                  <span className="text-sm text-stone-600">{money(p.price)}</span>
                  <button
                    onClick={() => add(p.id)}
                    className="rounded-full bg-stone-900 px-3 py-1 text-xs font-medium text-white hover:bg-stone-700"
                  >
                    Add
                  </button>
                </div>
              </div>
            ))}
          </div>
        </section>

        <aside className="h-fit rounded-xl bg-white p-6 shadow-sm lg:sticky lg:top-6">
          <h2 className="text-lg font-semibold">Order summary</h2>
          <dl className="mt-4 space-y-3 text-sm">
            <div className="flex justify-between">
              <dt className="text-stone-600">Subtotal</dt>
              <dd className="tabular-nums">{money(subtotal)}</dd>
            </div>
            {promo && (
              <div className="flex justify-between text-emerald-700">
                <dt className="flex items-center gap-1">
                  <Tag className="h-3.5 w-3.5" /> {promo}
                  <button onClick={() => setPromo(null)} className="ml-1 text-xs text-stone-400 underline">remove</button>
                </dt>
                <dd className="tabular-nums">{discount > 0 ? `−${money(discount)}` : PROMOS[promo].label}</dd>
              </div>
            )}
            <div className="flex justify-between">
              <dt className="text-stone-600">Shipping</dt>
              <dd className="tabular-nums">{shipping === 0 ? "Free" : money(shipping)}</dd>
            </div>
            <div className="flex justify-between">
              <dt className="text-stone-600">Estimated tax</dt>
              <dd className="tabular-nums">{money(tax)}</dd>
            </div>
            <div className="flex justify-between border-t border-stone-200 pt-3 text-base font-semibold">
              <dt>Total</dt>
              <dd className="tabular-nums">{money(total)}</dd>
            </div>
          </dl>

          {!promo && (
            <form onSubmit={applyPromo} className="mt-5">
              <div className="flex gap-2">
                <input
                  value={promoInput}
                  onChange={(e) => setPromoInput(e.target.value)}
                  placeholder="Promo code"
                  className="flex-1 rounded-lg border border-stone-300 px-3 py-2 text-sm uppercase placeholder:normal-case focus:border-stone-900 focus:outline-none"
                />
                <button className="rounded-lg border border-stone-900 px-4 text-sm font-medium hover:bg-stone-900 hover:text-white">
                  Apply
                </button>
              </div>
              {promoError && <p className="mt-1 text-xs text-rose-600">{promoError}</p>}
              <p className="mt-1 text-xs text-stone-400">Try WELCOME10, FREESHIP or SAVE20</p>
            </form>
          )}

          <button
            disabled={items.length === 0}
            onClick={() => setCheckedOut(true)}
            className="mt-6 w-full rounded-full bg-stone-900 py-3 font-medium text-white transition hover:bg-stone-700 disabled:cursor-not-allowed disabled:opacity-40"
          >
            Checkout · {money(total)}
          </button>
        </aside>
      </div>
    </div>
  );
}
