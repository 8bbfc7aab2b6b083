import React, { useState, type FormEvent } from 'react';

type Field = 'name' | 'email' | 'plan';
type Errors = Partial<Record<Field, string>>;

interface Signup {
  name: string;
  email: string;
  plan: 'free' | 'pro' | 'team';
  updates: boolean;
}

function validate(s: Signup): Errors {
  const errors: Errors = {};
  if (s.name.trim().length < 2) errors.name = 'Please enter your name.';
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.email)) errors.email = 'That email address looks wrong.';
  return errors;
}

export default function SignupForm(): JSX.Element {
  const [form, setForm] = useState<Signup>({ name: '', email: '', plan: 'pro', updates: true });
  const [errors, setErrors] = useState<Errors>({});
  const [sent, setSent] = useState<boolean>(false);

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const found = validate(form);
    setErrors(found);
    setSent(Object.keys(found).length === 0);
  };

  const input = 'mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 shadow-sm focus:border-blue-500 focus:outline-none focus:ring-2 focus:ring-blue-200';

  return (
    <div className="flex min-h-screen items-center justify-center bg-gradient-to-br from-sky-50 to-indigo-100 p-4">
      <form onSubmit={submit} noValidate className="w-full max-w-md space-y-4 rounded-2xl bg-white p-8 shadow-xl">
        <h1 className="text-xl font-bold text-gray-900">Create your account</h1>
        <label className="block text-sm font-medium text-gray-700">
          Name
          <input className={input} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          {errors.name && <span className="text-sm text-red-600">{errors.name}</span>}
        </label>
        <label className="block text-sm font-medium text-gray-700">
          Email
          <input type="email" className={input} value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
          {errors.email && <span className="text-sm text-red-600">{errors.email}</span>}
        </label>
        <fieldset className="flex gap-3">
          <legend className="text-sm font-medium text-gray-700">Plan</legend>
          {(['free', 'pro', 'team'] as const).map((p) => (
            <label key={p} className="flex items-center gap-1 text-sm capitalize">
              <input type="radio" name="plan" checked={form.plan === p} onChange={() => setForm({ ...form, plan: p })} />
              {p}
            </label>
          ))}
        </fieldset>
        <label className="flex items-center gap-2 text-sm text-gray-600">
          <input type="checkbox" checked={form.updates} onChange={(e) => setForm({ ...form, updates: e.target.checked })} />
          Send me product updates
        </label>
        <button type="submit" className="w-full rounded-md bg-blue-600 px-4 py-2 font-semibold text-white hover:bg-blue-700">
          Sign up
        </button>
        {sent && <p className="rounded bg-green-50 p-2 text-center text-green-700">Welcome aboard, {form.name}!</p>}
      </form>
    </div>
  );
}
