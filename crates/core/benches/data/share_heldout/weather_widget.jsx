import React, { useState } from "react";
import { Sun, Cloud, CloudRain, CloudSnow, CloudLightning, CloudSun, Wind, Droplets, Thermometer } from "lucide-react";

// Mock forecast data – swap for a real API call (e.g. Open-Meteo) when wiring this up.
const CITIES = {
  Lisbon: {
    now: { temp: 22, feels: 21, condition: "sunny", humidity: 48, wind: 14, uv: 7 },
    hourly: [21, 22, 23, 23, 22, 20, 18, 17],
    daily: [
      { day: "Mon", hi: 24, lo: 16, condition: "sunny" },
      { day: "Tue", hi: 23, lo: 15, condition: "partly" },
      { day: "Wed", hi: 20, lo: 14, condition: "rain" },
      { day: "Thu", hi: 21, lo: 14, condition: "partly" },
      { day: "Fri", hi: 25, lo: 17, condition: "sunny" },
    ],
  },
  Oslo: {
    now: { temp: -3, feels: -8, condition: "snow", humidity: 82, wind: 22, uv: 1 },
    hourly: [-3, -3, -2, -2, -4, -5, -6, -6],
    daily: [
      { day: "Mon", hi: -1, lo: -7, condition: "snow" },
      { day: "Tue", hi: 0, lo: -6, condition: "cloudy" },
      { day: "Wed", hi: 1, lo: -4, condition: "cloudy" },
      { day: "Thu", hi: -2, lo: -9, condition: "snow" },
      { day: "Fri", hi: -4, lo: -11, condition: "partly" },
    ],
  },
  Singapore: {
    now: { temp: 31, feels: 37, condition: "storm", humidity: 79, wind: 9, uv: 10 },
    hourly: [31, 32, 31, 29, 28, 28, 27, 27],
    daily: [
      { day: "Mon", hi: 32, lo: 26, condition: "storm" },
      { day: "Tue", hi: 31, lo: 26, condition: "rain" },
      { day: "Wed", hi: 33, lo: 27, condition: "partly" },
      { day: "Thu", hi: 32, lo: 26, condition: "storm" },
      { day: "Fri", hi: 31, lo: 25, condition: "rain" },
    ],
  },
};

const CONDITIONS = {
  sunny: { icon: Sun, label: "Sunny", bg: "from-amber-300 via-orange-300 to-sky-400" },
  partly: { icon: CloudSun, label: "Partly cloudy", bg: "from-sky-300 to-sky-500" },
  cloudy: { icon: Cloud, label: "Overcast", bg: "from-slate-400 to-slate-600" },
  rain: { icon: CloudRain, label: "Rain", bg: "from-slate-500 to-blue-700" },
  snow: { icon: CloudSnow, label: "Snow", bg: "from-slate-200 to-sky-400" },
  storm: { icon: CloudLightning, label: "Thunderstorms", bg: "from-indigo-700 to-slate-900" },
};

const toF = (c) => Math.round((c * 9) / 5 + 32);

export default function WeatherWidget() {
  const [city, setCity] = useState("Lisbon");
  const [unit, setUnit] = useState("C");
  const data = CITIES[city];
  const cond = CONDITIONS[data.now.condition];
  const Icon = cond.icon;
  const t = (c) => (unit === "C" ? Math.round(c) : toF(c));

  const weekMin = Math.min(...data.daily.map((d) => d.lo));
  const weekMax = Math.max(...data.daily.map((d) => d.hi));
  const hourNow = new Date().getHours();

  return (
    <div className="flex min-h-screen items-center justify-center bg-slate-900 p-6">
      <div className={`w-full max-w-sm overflow-hidden rounded-3xl bg-gradient-to-br ${cond.bg} text-white shadow-2xl`}>
        <div className="flex items-center justify-between px-6 pt-6">
          <select
            value={city}
            onChange={(e) => setCity(e.target.value)}
            className="rounded-lg bg-white/20 px-3 py-1 text-sm font-medium backdrop-blur focus:outline-none"
          >
            {Object.keys(CITIES).map((c) => (
              <option key={c} className="text-slate-900">
                {c}
              </option>
            ))}
          </select>
          <div className="flex overflow-hidden rounded-lg bg-white/20 text-sm">
            {["C", "F"].map((u) => (
              <button
                key={u}
                onClick={() => setUnit(u)}
                className={`px-3 py-1 ${unit === u ? "bg-white/40 font-semibold" : ""}`}
              >
                °{u}
              </button>
            ))}
          </div>
        </div>

        <div className="flex flex-col items-center px-6 py-8">
          <Icon className="h-20 w-20 drop-shadow-lg" strokeWidth={1.5} />
          <div className="mt-4 text-7xl font-extralight">{t(data.now.temp)}°</div>
          <div className="mt-1 text-lg">{cond.label}</div>
          <div className="text-sm text-white/80">Feels like {t(data.now.feels)}°</div>
        </div>

        <div className="mx-4 grid grid-cols-3 gap-2 rounded-2xl bg-white/15 p-3 text-center text-xs backdrop-blur">
          <div className="flex flex-col items-center gap-1">
            <Droplets className="h-4 w-4" />
            {data.now.humidity}%<span className="text-white/70">Humidity</span>
          </div>
          <div className="flex flex-col items-center gap-1">
            <Wind className="h-4 w-4" />
            {data.now.wind} km/h<span className="text-white/70">Wind</span>
          </div>
          <div className="flex flex-col items-center gap-1">
            <Thermometer className="h-4 w-4" />
            {data.now.uv}<span className="text-white/70">UV index</span>
          </div>
        </div>

        <div className="mt-4 flex justify-between overflow-x-auto px-6 text-center text-xs">
          {data.hourly.map((temp, i) => (
            <div key={i} className="flex flex-col gap-1">
              <span className="text-white/70">{i === 0 ? "Now" : `${(hourNow + i * 3) % 24}:00`}</span>
              <span className="text-sm font-medium">{t(temp)}°</span>
            </div>
          ))}
        </div>

        <div className="mt-4 space-y-2 bg-black/15 px-6 py-4">
          {data.daily.map((d) => {
            const DIcon = CONDITIONS[d.condition].icon;
            const left = ((d.lo - weekMin) / (weekMax - weekMin || 1)) * 100;
            const width = ((d.hi - d.lo) / (weekMax - weekMin || 1)) * 100;
            return (
              <div key={d.day} className="flex items-center gap-3 text-sm">
                <span className="w-10">{d.day}</span>
                <DIcon className="h-4 w-4" />
                <span className="w-8 text-right text-white/70">{t(d.lo)}°</span>
                <div className="relative h-1.5 flex-1 rounded-full bg-white/20">
                  <div
                    className="absolute h-full rounded-full bg-gradient-to-r from-sky-200 to-amber-200"
                    style={{ left: `${left}%`, width: `${Math.max(width, 4)}%` }}
                  />
                </div>
                <span className="w-8">{t(d.hi)}°</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
