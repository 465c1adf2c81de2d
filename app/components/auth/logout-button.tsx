"use client";
/**
 * "Log out" in the header. Contract: posts to /api/auth/logout (which ends the session on the
 * server and clears the cookie) and then loads /login, even when the request failed (a session
 * the server no longer knows is as good as ended).
 */
import { useState } from "react";
import { api } from "../designer/api-client";

export function LogoutButton() {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        await api("POST", "/api/auth/logout");
        window.location.assign("/login");
      }}
      className="rounded-md border border-slate-600 px-2 py-0.5 text-xs text-slate-200 hover:bg-slate-800 disabled:opacity-50"
    >
      Log out
    </button>
  );
}
