import { useMemo, useState } from "react";
import { Search, SlidersHorizontal, Star, ShoppingCart, Heart, X } from "lucide-react";

const PRODUCTS = [
  { id: 1, name: "Aero Running Shoe", category: "Footwear", price: 129, rating: 4.6, reviews: 412, color: "Blue", inStock: true, tag: "Bestseller", hue: "from-sky-400 to-blue-600" },
  { id: 2, name: "Trail Pack 28L", category: "Bags", price: 89, rating: 4.4, reviews: 198, color: "Green", inStock: true, tag: null, hue: "from-emerald-400 to-green-700" },
  { id: 3, name: "Merino Crew Tee", category: "Apparel", price: 58, rating: 4.8, reviews: 640, color: "Black", inStock: true, tag: "New", hue: "from-zinc-500 to-zinc-900" },
  { id: 4, name: "Storm Shell Jacket", category: "Apparel", price: 219, rating: 4.7, reviews: 233, color: "Red", inStock: false, tag: null, hue: "from-rose-400 to-red-700" },
  { id: 5, name: "Daily Tote", category: "Bags", price: 45, rating: 4.1, reviews: 87, color: "Beige", inStock: true, tag: "Sale", hue: "from-amber-200 to-amber-500" },
  { id: 6, name: "Court Classic Sneaker", category: "Footwear", price: 95, rating: 4.3, reviews: 352, color: "White", inStock: true, tag: null, hue: "from-slate-100 to-slate-400" },
  { id: 7, name: "Thermal Beanie", category: "Accessories", price: 24, rating: 4.5, reviews: 120, color: "Red", inStock: true, tag: null, hue: "from-orange-300 to-red-500" },
  { id: 8, name: "Polarized Sunglasses", category: "Accessories", price: 74, rating: 4.2, reviews: 66, color: "Black", inStock: true, tag: "New", hue: "from-neutral-600 to-black" },
  { id: 9, name: "Hiking Boot Mid", category: "Footwear", price: 175, rating: 4.9, reviews: 509, color: "Beige", inStock: true, tag: "Bestseller", hue: "from-yellow-600 to-amber-800" },
  { id: 10, name: "Fleece Quarter-Zip", category: "Apparel", price: 79, rating: 4.0, reviews: 143, color: "Blue", inStock: false, tag: null, hue: "from-indigo-300 to-indigo-700" },
  { id: 11, name: "Roll-top Duffel", category: "Bags", price: 139, rating: 4.6, reviews: 95, color: "Black", inStock: true, tag: null, hue: "from-stone-600 to-stone-900" },
  { id: 12, name: "Wool Hiking Socks", category: "Accessories", price: 18, rating: 4.7, reviews: 880, color: "Green", inStock: true, tag: "Sale", hue: "from-lime-300 to-green-600" },
];

const CATEGORIES = ["Footwear", "Apparel", "Bags", "Accessories"];
const COLORS = { Blue: "bg-blue-500", Green: "bg-green-600", Black: "bg-zinc-900", Red: "bg-red-500", Beige: "bg-amber-200", White: "bg-white border" };
const SORTS = {
  featured: { label: "Featured", fn: (a, b) => a.id - b.id },
  priceAsc: { label: "Price: low to high", fn: (a, b) => a.price - b.price },
  priceDesc: { label: "Price: high to low", fn: (a, b) => b.price - a.price },
  rating: { label: "Top rated", fn: (a, b) => b.rating - a.rating },
  popular: { label: "Most reviewed", fn: (a, b) => b.reviews - a.reviews },
};
const MAX_PRICE = 250;

function Stars({ value }) {
  return (
    <div className="flex items-center gap-0.5">
      {[1, 2, 3, 4, 5].map((i) => (
        <Star
          key={i}
          className={`h-3.5 w-3.5 ${i <= Math.round(value) ? "fill-amber-400 text-amber-400" : "text-gray-300"}`}
        />
      ))}
    </div>
  );
}

function ProductCard({ product, liked, onLike, onAdd }) {
  return (
    <div className="group flex flex-col overflow-hidden rounded-2xl border border-gray-200 bg-white transition hover:-translate-y-0.5 hover:shadow-lg">
      <div className={`relative aspect-square bg-gradient-to-br ${product.hue}`}>
        <span className="absolute inset-0 flex items-center justify-center text-5xl font-black text-white/30">
          {product.name.split(" ").map((w) => w[0]).join("").slice(0, 2)}
        </span>
        {product.tag && (
          <span
            className={`absolute left-3 top-3 rounded-full px-2.5 py-0.5 text-xs font-semibold ${
              product.tag === "Sale" ? "bg-red-500 text-white" : product.tag === "New" ? "bg-emerald-500 text-white" : "bg-white text-gray-900"
            }`}
          >
            {product.tag}
          </span>
        )}
        <button
          onClick={() => onLike(product.id)}
          className="absolute right-3 top-3 rounded-full bg-white/90 p-2 shadow-sm transition hover:scale-110"
          aria-label={liked ? "Remove from wishlist" : "Add to wishlist"}
        >
          <Heart className={`h-4 w-4 ${liked ? "fill-rose-500 text-rose-500" : "text-gray-600"}`} />
        </button>
        {!product.inStock && (
          <div className="absolute inset-x-0 bottom-0 bg-black/60 py-1.5 text-center text-xs font-medium uppercase tracking-wide text-white">
            Out of stock
          </div>
        )}
      </div>
      <div className="flex flex-1 flex-col p-4">
        <p className="text-xs font-medium uppercase tracking-wide text-gray-500">{product.category}</p>
        <h3 className="mt-1 font-semibold text-gray-900">{product.name}</h3>
        <div className="mt-1.5 flex items-center gap-2">
          <Stars value={product.rating} />
          <span className="text-xs text-gray-500">
            {product.rating} ({product.reviews})
          </span>
        </div>
        <div className="mt-auto flex items-center justify-between pt-4">
          <span className="text-lg font-bold text-gray-900">${product.price}</span>
          <button
            disabled={!product.inStock}
            onClick={() => onAdd(product)}
            className="flex items-center gap-1.5 rounded-lg bg-gray-900 px-3 py-2 text-sm font-medium text-white transition hover:bg-gray-700 disabled:cursor-not-allowed disabled:bg-gray-300"
          >
            <ShoppingCart className="h-4 w-4" /> Add
          </button>
        </div>
      </div>
    </div>
  );
}

export default function ProductGallery() {
  const [query, setQuery] = useState("");
  const [categories, setCategories] = useState([]);
  const [colors, setColors] = useState([]);
  const [maxPrice, setMaxPrice] = useState(MAX_PRICE);
  const [minRating, setMinRating] = useState(0);
  const [inStockOnly, setInStockOnly] = useState(false);
  const [sort, setSort] = useState("featured");
  const [liked, setLiked] = useState(new Set());
  const [cart, setCart] = useState([]);
  const [showFilters, setShowFilters] = useState(false);

  const toggle = (list, setList, value) =>
    setList(list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);

  const results = useMemo(() => {
    const q = query.trim().toLowerCase();
    return PRODUCTS.filter(
      (p) =>
        (!q || p.name.toLowerCase().includes(q) || p.category.toLowerCase().includes(q)) &&
        (categories.length === 0 || categories.includes(p.category)) &&
        (colors.length === 0 || colors.includes(p.color)) &&
        p.price <= maxPrice &&
        p.rating >= minRating &&
        (!inStockOnly || p.inStock)
    ).sort(SORTS[sort].fn);
  }, [query, categories, colors, maxPrice, minRating, inStockOnly, sort]);

  const activeChips = [
    ...categories.map((c) => ({ label: c, clear: () => toggle(categories, setCategories, c) })),
    ...colors.map((c) => ({ label: c, clear: () => toggle(colors, setColors, c) })),
    ...(maxPrice < MAX_PRICE ? [{ label: `Under $${maxPrice}`, clear: () => setMaxPrice(MAX_PRICE) }] : []),
    ...(minRating ? [{ label: `${minRating}★ & up`, clear: () => setMinRating(0) }] : []),
    ...(inStockOnly ? [{ label: "In stock", clear: () => setInStockOnly(false) }] : []),
  ];

  const clearAll = () => {
    setCategories([]);
    setColors([]);
    setMaxPrice(MAX_PRICE);
    setMinRating(0);
    setInStockOnly(false);
    setQuery("");
  };

  const onLike = (id) =>
    setLiked((prev) => {
      const next = new Set(prev);
      next.has(id) ? next.delete(id) : next.add(id);
      return next;
    });

  const cartTotal = cart.reduce((sum, p) => sum + p.price, 0);

  const filters = (
    <div className="space-y-6">
      <section>
        <h4 className="mb-2 text-sm font-semibold text-gray-900">Category</h4>
        {CATEGORIES.map((c) => (
          <label key={c} className="flex cursor-pointer items-center justify-between py-1 text-sm text-gray-700">
            <span className="flex items-center gap-2">
              <input
                type="checkbox"
                className="rounded border-gray-300 text-gray-900 focus:ring-gray-900"
                checked={categories.includes(c)}
                onChange={() => toggle(categories, setCategories, c)}
              />
              {c}
            </span>
            <span className="text-xs text-gray-400">{PRODUCTS.filter((p) => p.category === c).length}</span>
          </label>
        ))}
      </section>

      <section>
        <h4 className="mb-2 text-sm font-semibold text-gray-900">Color</h4>
        <div className="flex flex-wrap gap-2">
          {Object.entries(COLORS).map(([name, cls]) => (
            <button
              key={name}
              title={name}
              onClick={() => toggle(colors, setColors, name)}
              className={`h-7 w-7 rounded-full ${cls} ${colors.includes(name) ? "ring-2 ring-gray-900 ring-offset-2" : ""}`}
            />
          ))}
        </div>
      </section>

      <section>
        <div className="mb-2 flex justify-between text-sm">
          <h4 className="font-semibold text-gray-900">Max price</h4>
          <span className="text-gray-600">${maxPrice}</span>
        </div>
        <input
          type="range"
          min={10}
          max={MAX_PRICE}
          step={5}
          value={maxPrice}
          onChange={(e) => setMaxPrice(Number(e.target.value))}
          className="w-full accent-gray-900"
        />
      </section>

      <section>
        <h4 className="mb-2 text-sm font-semibold text-gray-900">Rating</h4>
        <div className="flex gap-1.5">
          {[0, 4, 4.5].map((r) => (
            <button
              key={r}
              onClick={() => setMinRating(r)}
              className={`rounded-full border px-3 py-1 text-xs ${
                minRating === r ? "border-gray-900 bg-gray-900 text-white" : "border-gray-300 text-gray-700 hover:border-gray-500"
              }`}
            >
              {r === 0 ? "Any" : `${r}★+`}
            </button>
          ))}
        </div>
      </section>

      <label className="flex cursor-pointer items-center gap-2 text-sm text-gray-700">
        <input type="checkbox" checked={inStockOnly} onChange={(e) => setInStockOnly(e.target.checked)} className="rounded border-gray-300" />
        In stock only
      </label>
    </div>
  );

  return (
    <div className="min-h-screen bg-gray-50">
      <header className="sticky top-0 z-10 border-b border-gray-200 bg-white/90 backdrop-blur">
        <div className="mx-auto flex max-w-7xl items-center gap-4 px-4 py-3">
          <h1 className="text-xl font-black tracking-tight">TRAILHEAD</h1>
          <div className="relative flex-1">
            <Search className="absolute left-3 top-1/2 h-4 w-4 -translate-y-1/2 text-gray-400" />
            <input
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder="Search products…"
              className="w-full rounded-lg border border-gray-300 py-2 pl-9 pr-3 text-sm focus:border-gray-900 focus:outline-none"
            />
          </div>
          <div className="relative flex items-center gap-2 rounded-lg bg-gray-900 px-3 py-2 text-sm text-white">
            <ShoppingCart className="h-4 w-4" />
            <span>{cart.length}</span>
            {cart.length > 0 && <span className="text-gray-300">· ${cartTotal}</span>}
          </div>
        </div>
      </header>

      <div className="mx-auto flex max-w-7xl gap-8 px-4 py-6">
        <aside className="hidden w-56 shrink-0 lg:block">{filters}</aside>

        <main className="flex-1">
          <div className="mb-4 flex flex-wrap items-center gap-3">
            <button
              onClick={() => setShowFilters(true)}
              className="flex items-center gap-2 rounded-lg border border-gray-300 bg-white px-3 py-2 text-sm lg:hidden"
            >
              <SlidersHorizontal className="h-4 w-4" /> Filters
            </button>
            <p className="text-sm text-gray-600">
              <span className="font-semibold text-gray-900">{results.length}</span> products
            </p>
            <select
              value={sort}
              onChange={(e) => setSort(e.target.value)}
              className="ml-auto rounded-lg border border-gray-300 bg-white px-3 py-2 text-sm"
            >
              {Object.entries(SORTS).map(([k, s]) => (
                <option key={k} value={k}>{s.label}</option>
              ))}
            </select>
          </div>

          {activeChips.length > 0 && (
            <div className="mb-4 flex flex-wrap items-center gap-2">
              {activeChips.map((chip) => (
                <button
                  key={chip.label}
                  onClick={chip.clear}
                  className="flex items-center gap-1 rounded-full bg-gray-200 px-3 py-1 text-xs font-medium text-gray-800 hover:bg-gray-300"
                >
                  {chip.label} <X className="h-3 w-3" />
                </button>
              ))}
              <button onClick={clearAll} className="text-xs font-medium text-gray-500 underline hover:text-gray-900">
                Clear all
              </button>
            </div>
          )}

          {results.length === 0 ? (
            <div className="rounded-2xl border border-dashed border-gray-300 py-20 text-center">
              <p className="font-medium text-gray-900">No products match those filters.</p>
              <button onClick={clearAll} className="mt-2 text-sm text-gray-600 underline">Reset filters</button>
            </div>
          ) : (
            <div className="grid grid-cols-1 gap-5 sm:grid-cols-2 xl:grid-cols-3">
              {results.map((p) => (
                <ProductCard
                  key={p.id}
                  product={p}
                  liked={liked.has(p.id)}
                  onLike={onLike}
                  onAdd={(item) => setCart((c) => [...c, item])}
                />
              ))}
            </div>
          )}
        </main>
      </div>

      {showFilters && (
        <div className="fixed inset-0 z-20 flex lg:hidden">
          <div className="flex-1 bg-black/40" onClick={() => setShowFilters(false)} />
          <div className="w-80 overflow-y-auto bg-white p-5">
            <div className="mb-5 flex items-center justify-between">
              <h3 className="font-semibold">Filters</h3>
              <button onClick={() => setShowFilters(false)} aria-label="Close filters">
                <X className="h-5 w-5" />
              </button>
            </div>
            {filters}
            <button
              onClick={() => setShowFilters(false)}
              className="mt-8 w-full rounded-lg bg-gray-900 py-2.5 text-sm font-medium text-white"
            >
              Show {results.length} results
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
