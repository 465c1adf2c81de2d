"use client";
/**
 * The password change form. Contract: posts `{ currentPassword, newPassword }` to
 * /api/auth/password after checking that the two new-password fields match; on success it
 * clears the fields, says so and refreshes the page (the header's reminder goes away); a refusal
 * shows the server's message for the field it names, or "the current password is wrong" for 401.
 */
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api } from "../components/designer/api-client";

export function PasswordForm() {
  const router = useRouter();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const mismatch = repeat !== "" && next !== repeat;

  const submit = async () => {
    setBusy(true);
    setError(null);
    setDone(false);
    const r = await api("POST", "/api/auth/password", { currentPassword: current, newPassword: next });
    setBusy(false);
    if (!r.ok) {
      setError(r.status === 401 ? "The current password is wrong." : r.error);
      return;
    }
    setCurrent("");
    setNext("");
    setRepeat("");
    setDone(true);
    router.refresh();
  };

  const input = "mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm focus:border-sky-500 focus:outline-none";
  return (
    <form
      aria-label="Password"
      className="mt-4 space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy && !mismatch) void submit();
      }}
    >
      <label className="block text-sm">
        <span className="font-medium">Current password</span>
        <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} className={input} />
      </label>
      <label className="block text-sm">
        <span className="font-medium">New password</span>
        <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} className={input} />
      </label>
      <label className="block text-sm">
        <span className="font-medium">Repeat the new password</span>
        <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} className={input} />
      </label>
      {mismatch ? <p className="text-sm text-red-700">The two new passwords differ.</p> : null}
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {done ? (
        <p role="status" data-testid="password-changed" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          Your password was changed.
        </p>
      ) : null}
      <button type="submit" disabled={busy || !current || !next || next !== repeat} className="rounded-md bg-sky-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-sky-700 disabled:bg-slate-300">
        {busy ? "Changing…" : "Change password"}
      </button>
    </form>
  );
}
