"use client";
/**
 * API tokens on /admin/users: list, create (name, role and lifetime), revoke.
 *
 * Contract: a new token's secret is in the answer to POST /api/tokens only; it is shown once, in
 * a box with a Copy button, until the admin closes the box or creates another; it is never
 * stored in the page's list. Revoking asks first; the list then shows what the server answers.
 */
import { useCallback, useEffect, useState } from "react";
import { api } from "../designer/api-client";
import { inputClass, when } from "./ui";
import { ROLE_SUMMARY, ROLES } from "../auth/permissions";

/** A token as GET /api/tokens lists it (no secret). */
export interface TokenRow {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** null: never expires. */
  expiresAt: string | null;
}

const input = inputClass;

/** Lifetimes offered for a new token, in days ("never" must be chosen on purpose). */
const LIFETIMES: Array<{ label: string; days: number | null }> = [
  { label: "30 days", days: 30 },
  { label: "90 days", days: 90 },
  { label: "1 year", days: 365 },
  { label: "never", days: null },
];

/** "active", "expired" or "revoked <when>", as the Status column says it. */
function tokenStatus(t: TokenRow, now: number): string {
  if (t.revokedAt) return `revoked ${when(t.revokedAt)}`;
  if (t.expiresAt && Date.parse(t.expiresAt) <= now) return "expired";
  return "active";
}

/** The secret of a token just created, with a Copy button. */
function NewToken({ name, token, onClose }: { name: string; token: string; onClose: () => void }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
  };
  return (
    <div role="status" data-testid="new-token" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm">
      <p className="font-medium text-amber-900">Token &ldquo;{name}&rdquo; created. Copy it now: it is shown only this once and cannot be read again.</p>
      <div className="mt-2 flex items-center gap-2">
        <code data-testid="new-token-value" className="min-w-0 flex-1 rounded bg-white px-2 py-1 font-mono text-xs break-all select-all ring-1 ring-amber-200">
          {token}
        </code>
        <button type="button" onClick={() => void copy()} className="rounded-md bg-slate-900 px-3 py-1 text-xs text-white hover:bg-slate-700">
          Copy
        </button>
        <button type="button" onClick={onClose} className="rounded-md border border-slate-300 bg-white px-3 py-1 text-xs hover:bg-slate-100">
          Done
        </button>
      </div>
      {copied === "yes" ? <p className="mt-1 text-xs text-emerald-800">Copied to the clipboard.</p> : null}
      {copied === "no" ? <p className="mt-1 text-xs text-red-700">The browser refused the clipboard; select the token and copy it by hand.</p> : null}
      <p className="mt-2 text-xs text-slate-600">
        Send it as <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>
    </div>
  );
}

export function TokensAdmin() {
  const [tokens, setTokens] = useState<TokenRow[] | null>(null);
  const [name, setName] = useState("");
  const [role, setRole] = useState<string>("operator");
  const [lifetime, setLifetime] = useState("90 days");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const r = await api<{ tokens: TokenRow[] }>("GET", "/api/tokens");
    if (r.ok) setTokens(r.data.tokens);
    else setError(r.error);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async () => {
    setError(null);
    setCreated(null);
    // The select offers LIFETIMES' labels only.
    const days = LIFETIMES.find((l) => l.label === lifetime)!.days;
    const r = await api<{ id: string; token: string }>("POST", "/api/tokens", { name: name.trim(), role, expiresInDays: days });
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setCreated({ name: name.trim(), token: r.data.token });
    setName("");
    await load();
  };
  const revoke = async (t: TokenRow) => {
    if (!window.confirm(`Revoke the token "${t.name}"? Whatever uses it is refused from now on.`)) return;
    setError(null);
    const r = await api("DELETE", `/api/tokens/${encodeURIComponent(t.id)}`);
    if (!r.ok) setError(r.error);
    await load();
  };

  return (
    <section aria-label="API tokens" className="space-y-4">
      <form
        aria-label="Create token"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) void create();
        }}
      >
        <label className="text-sm">
          <span className="block font-medium">Name</span>
          <input aria-label="Token name" placeholder="e.g. ci-deploy" value={name} onChange={(e) => setName(e.target.value)} className={`${input} mt-1 w-56`} />
        </label>
        <label className="text-sm">
          <span className="block font-medium">Role</span>
          <select aria-label="Token role" value={role} onChange={(e) => setRole(e.target.value)} className={`${input} mt-1`}>
            {ROLES.map((r) => (
              <option key={r} value={r} title={ROLE_SUMMARY[r]}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block font-medium">Expires after</span>
          <select aria-label="Token lifetime" value={lifetime} onChange={(e) => setLifetime(e.target.value)} className={`${input} mt-1`}>
            {LIFETIMES.map((l) => (
              <option key={l.label} value={l.label}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={!name.trim()} className="rounded-md bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700 disabled:bg-slate-300">
          Create token
        </button>
      </form>
      {created ? <NewToken name={created.name} token={created.token} onClose={() => setCreated(null)} /> : null}
      {error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
        <table className="w-full text-sm" data-testid="tokens-table">
          <thead>
            <tr className="border-b border-slate-200 text-left text-xs text-slate-500">
              <th className="px-4 py-2">Name</th>
              <th className="px-2">Role</th>
              <th className="px-2">Created</th>
              <th className="px-2">Last used</th>
              <th className="px-2">Expires</th>
              <th className="px-2">Status</th>
              <th className="px-2" />
            </tr>
          </thead>
          <tbody>
            {(tokens ?? []).map((t) => ({ t, status: tokenStatus(t, Date.now()) })).map(({ t, status }) => (
              <tr key={t.id} data-testid="token-row" data-name={t.name} className={`border-b border-slate-100 ${status === "active" ? "" : "text-slate-400"}`}>
                <td className="px-4 py-2 font-medium">{t.name}</td>
                <td className="px-2">{t.role}</td>
                <td className="px-2 text-xs">{when(t.createdAt)}</td>
                <td className="px-2 text-xs">{when(t.lastUsedAt)}</td>
                <td className="px-2 text-xs" data-testid="token-expires">
                  {t.expiresAt ? when(t.expiresAt) : "never"}
                </td>
                <td className="px-2 text-xs" data-testid="token-status">
                  {status}
                </td>
                <td className="px-2 py-1 text-right">
                  {t.revokedAt ? null : (
                    <button type="button" onClick={() => void revoke(t)} aria-label={`Revoke ${t.name}`} className="rounded-md border border-red-300 px-2 py-0.5 text-xs text-red-700 hover:bg-red-50">
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {tokens?.length === 0 ? (
              <tr>
                <td colSpan={7} className="px-4 py-3 text-slate-500">
                  No tokens yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}
