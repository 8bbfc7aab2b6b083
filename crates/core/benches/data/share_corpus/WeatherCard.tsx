import React, { useMemo, useState } from 'react';
import { Sun, Cloud, CloudRain, CloudSnow, Wind, Droplets, Thermometer } from 'lucide-react';

type Condition = 'sunny' | 'cloudy' | 'rain' | 'snow';

interface DayForecast {
  day: string;
  high: number;
  low: number;
  condition: Condition;
  precipitation: number;
}

interface CityWeather {
  city: string;
  country: string;
  temperature: number;
  feelsLike: number;
  humidity: number;
  windKph: number;
  condition: Condition;
  forecast: DayForecast[];
}

const SAMPLE: CityWeather[] = [
  {
    city: 'Lisbon', country: 'PT', temperature: 21, feelsLike: 20, humidity: 58, windKph: 14, condition: 'sunny',
    forecast: [
      { day: 'Mon', high: 23, low: 15, condition: 'sunny', precipitation: 0 },
      { day: 'Tue', high: 22, low: 16, condition: 'cloudy', precipitation: 10 },
      { day: 'Wed', high: 19, low: 14, condition: 'rain', precipitation: 70 },
      { day: 'Thu', high: 20, low: 13, condition: 'cloudy', precipitation: 20 },
      { day: 'Fri', high: 24, low: 16, condition: 'sunny', precipitation: 0 },
    ],
  },
  {
    city: 'Oslo', country: 'NO', temperature: -3, feelsLike: -8, humidity: 81, windKph: 22, condition: 'snow',
    forecast: [
      { day: 'Mon', high: -1, low: -6, condition: 'snow', precipitation: 80 },
      { day: 'Tue', high: 0, low: -5, condition: 'cloudy', precipitation: 30 },
      { day: 'Wed', high: 2, low: -3, condition: 'rain', precipitation: 60 },
      { day: 'Thu', high: -2, low: -7, condition: 'snow', precipitation: 50 },
      { day: 'Fri', high: -4, low: -9, condition: 'sunny', precipitation: 0 },
    ],
  },
];

const ICONS: Record<Condition, React.ComponentType<{ className?: string }>> = {
  sunny: Sun,
  cloudy: Cloud,
  rain: CloudRain,
  snow: CloudSnow,
};

const BACKGROUNDS: Record<Condition, string> = {
  sunny: 'from-amber-300 to-orange-500',
  cloudy: 'from-slate-300 to-slate-500',
  rain: 'from-sky-500 to-indigo-700',
  snow: 'from-sky-100 to-blue-300',
};

export default function WeatherCard() {
  const [index, setIndex] = useState(0);
  const [unit, setUnit] = useState<'C' | 'F'>('C');
  const w = SAMPLE[index];
  const Icon = ICONS[w.condition];

  const convert = useMemo(
    () => (c: number) => (unit === 'C' ? Math.round(c) : Math.round((c * 9) / 5 + 32)),
    [unit]
  );

  return (
    <div className="flex min-h-screen items-center justify-center bg-slate-900 p-6">
      <div className={`w-80 rounded-3xl bg-gradient-to-br ${BACKGROUNDS[w.condition]} p-6 text-white shadow-2xl`}>
        <div className="flex items-start justify-between">
          <div>
            <h2 className="text-2xl font-bold">{w.city}</h2>
            <p className="text-sm opacity-80">{w.country}</p>
          </div>
          <button
            onClick={() => setUnit(unit === 'C' ? 'F' : 'C')}
            className="rounded-full bg-white/20 px-3 py-1 text-xs font-semibold backdrop-blur"
          >
            °{unit === 'C' ? 'F' : 'C'}
          </button>
        </div>
        <div className="my-6 flex items-center gap-4">
          <Icon className="h-16 w-16" />
          <span className="text-6xl font-light">{convert(w.temperature)}°</span>
        </div>
        <div className="grid grid-cols-3 gap-2 text-xs">
          <div className="flex flex-col items-center rounded-xl bg-white/15 p-2"><Thermometer className="h-4 w-4" />Feels {convert(w.feelsLike)}°</div>
          <div className="flex flex-col items-center rounded-xl bg-white/15 p-2"><Droplets className="h-4 w-4" />{w.humidity}%</div>
          <div className="flex flex-col items-center rounded-xl bg-white/15 p-2"><Wind className="h-4 w-4" />{w.windKph} km/h</div>
        </div>
        <ul className="mt-5 space-y-2">
          {w.forecast.map((d) => {
            const DayIcon = ICONS[d.condition];
            return (
              <li key={d.day} className="flex items-center justify-between text-sm">
                <span className="w-10">{d.day}</span>
                <DayIcon className="h-4 w-4" />
                <span className="w-10 text-right opacity-80">{d.precipitation}%</span>
                <span className="w-16 text-right">{convert(d.high)}° / {convert(d.low)}°</span>
              </li>
            );
          })}
        </ul>
        <div className="mt-5 flex justify-center gap-2">
          {SAMPLE.map((c, i) => (
            <button
              key={c.city}
              onClick={() => setIndex(i)}
              className={`h-2 w-2 rounded-full ${i === index ? 'bg-white' : 'bg-white/40'}`}
              aria-label={c.city}
            />
          ))}
        </div>
      </div>
    </div>
  );
}
