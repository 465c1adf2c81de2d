"use client";
/**
 * The sign-in form. Contract: posts `{ username, password }` to /api/auth/login; on success the
 * browser loads `next` (a full load, so the header renders for the new user); on failure it
 * says only that the username or password is wrong (never which), or that there were too many
 * attempts.
 */
import { useState } from "react";
import { api } from "../components/designer/api-client";

export function LoginForm({ next }: { next: string }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setBusy(true);
    setError(null);
    const r = await api<{ user: unknown }>("POST", "/api/auth/login", { username, password });
    if (r.ok) {
      window.location.assign(next);
      return;
    }
    setBusy(false);
    setPassword("");
    if (r.status === 401) setError("Invalid username or password.");
    else if (r.status === 429) setError("Too many failed sign-ins. Wait a minute, then try again.");
    else setError(r.status === 0 ? r.error : "Signing in failed. Try again.");
  };

  const input = "mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm focus:border-sky-500 focus:outline-none";
  return (
    <form
      aria-label="Sign in"
      className="mt-6 space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy) void submit();
      }}
    >
      <label className="block text-sm">
        <span className="font-medium">Username</span>
        <input autoFocus name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} className={input} />
      </label>
      <label className="block text-sm">
        <span className="font-medium">Password</span>
        <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} className={input} />
      </label>
      {error ? (
        <p role="alert" data-testid="login-error" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={busy || !username || !password} className="w-full rounded-md bg-sky-600 px-3 py-2 text-sm font-medium text-white hover:bg-sky-700 disabled:bg-slate-300">
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
