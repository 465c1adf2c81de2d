"use client";
/**
 * The users table of /admin/users: create a user, set a role, disable or enable, reset a
 * password, and grant restricted-processor permissions to one user.
 *
 * Contract: every change is one request to /api/users (POST) or /api/users/:id (PATCH); the row
 * shows what the server answered, never what was asked; a refusal shows the server's message
 * above the table and leaves the row as it was. Grants the page does not know (other than
 * `restricted:*`) are kept as they are when a grant box is toggled.
 */
import { useCallback, useEffect, useState } from "react";
import { api } from "../designer/api-client";
import { inputClass, when } from "./ui";
import { RESTRICTION_LABEL, RESTRICTIONS, ROLE_SUMMARY, ROLES, restrictedPermission } from "../auth/permissions";

/** A user as GET /api/users lists it. */
export interface UserRow {
  id: string;
  username: string;
  role: string;
  disabled: boolean;
  grants: string[];
  createdAt: string;
  lastLoginAt: string | null;
}

const input = inputClass;
const smallBtn = "rounded-md border border-slate-300 bg-white px-2 py-0.5 text-xs text-slate-700 hover:bg-slate-100 disabled:opacity-40";

function RoleSelect({ value, onChange, label }: { value: string; onChange: (role: string) => void; label: string }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} className={input}>
      {ROLES.map((r) => (
        <option key={r} value={r} title={ROLE_SUMMARY[r]}>
          {r}
        </option>
      ))}
    </select>
  );
}

function CreateUser({ onCreated }: { onCreated: (u: UserRow) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<string>("viewer");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    const r = await api<{ user: UserRow }>("POST", "/api/users", { username: username.trim(), password, role });
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setUsername("");
    setPassword("");
    onCreated(r.data.user);
  };
  return (
    <form
      aria-label="Create user"
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy) void submit();
      }}
    >
      <label className="text-sm">
        <span className="block font-medium">Username</span>
        <input aria-label="New username" autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} className={`${input} mt-1 w-48`} />
      </label>
      <label className="text-sm">
        <span className="block font-medium">Password</span>
        <input aria-label="New user password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} className={`${input} mt-1 w-48`} />
      </label>
      <label className="text-sm">
        <span className="block font-medium">Role</span>
        <span className="mt-1 block">
          <RoleSelect label="New user role" value={role} onChange={setRole} />
        </span>
      </label>
      <button type="submit" disabled={busy || !username.trim() || !password} className="rounded-md bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700 disabled:bg-slate-300">
        Create user
      </button>
      {error ? (
        <p role="alert" className="w-full text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </form>
  );
}

function ResetPassword({ user, onDone, onCancel }: { user: UserRow; onDone: (u: UserRow) => void; onCancel: () => void }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    const r = await api<{ user: UserRow }>("PATCH", `/api/users/${encodeURIComponent(user.id)}`, { password });
    if (r.ok) onDone(r.data.user);
    else setError(r.error);
  };
  return (
    <form
      aria-label={`Reset password of ${user.username}`}
      className="mt-1 flex flex-wrap items-center gap-1"
      onSubmit={(e) => {
        e.preventDefault();
        if (password) void submit();
      }}
    >
      <input autoFocus aria-label={`New password for ${user.username}`} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} className={`${input} w-40`} />
      <button type="submit" disabled={!password} className={smallBtn}>
        Set
      </button>
      <button type="button" onClick={onCancel} className={smallBtn}>
        Cancel
      </button>
      {error ? (
        <span role="alert" className="w-full text-xs text-red-700">
          {error}
        </span>
      ) : null}
    </form>
  );
}

export function UsersAdmin({ meId }: { meId: string }) {
  const [users, setUsers] = useState<UserRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [resetting, setResetting] = useState<string | null>(null);

  const load = useCallback(async () => {
    const r = await api<{ users: UserRow[] }>("GET", "/api/users");
    if (r.ok) setUsers(r.data.users);
    else setError(r.error);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const replace = (u: UserRow) => setUsers((list) => (list ?? []).map((x) => (x.id === u.id ? u : x)));
  const patch = async (u: UserRow, body: Partial<Pick<UserRow, "role" | "disabled" | "grants">>, done: string) => {
    setError(null);
    setInfo(null);
    const r = await api<{ user: UserRow }>("PATCH", `/api/users/${encodeURIComponent(u.id)}`, body);
    if (!r.ok) {
      setError(`${u.username}: ${r.error}`);
      return;
    }
    replace(r.data.user);
    setInfo(done);
  };
  const toggleGrant = (u: UserRow, permission: string, on: boolean) => {
    const grants = on ? [...new Set([...u.grants, permission])] : u.grants.filter((g) => g !== permission);
    void patch(u, { grants }, `${u.username}: ${on ? "granted" : "removed"} ${permission}.`);
  };

  return (
    <section aria-label="Users" className="space-y-4">
      <CreateUser
        onCreated={(u) => {
          setUsers((list) => [...(list ?? []), u]);
          setError(null);
          setInfo(`Created ${u.username} (${u.role}).`);
        }}
      />
      {error ? (
        <p role="alert" data-testid="users-error" className="rounded-md border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {info ? (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-4 py-2 text-sm text-emerald-800">
          {info}
        </p>
      ) : null}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
        <table className="w-full text-sm" data-testid="users-table">
          <thead>
            <tr className="border-b border-slate-200 text-left text-xs text-slate-500">
              <th className="px-4 py-2">User</th>
              <th className="px-2">Role</th>
              <th className="px-2">Status</th>
              <th className="px-2" title="Restricted processors this user may add, configure and start, on top of the role">
                Restricted processors
              </th>
              <th className="px-2">Last sign-in</th>
              <th className="px-2" />
            </tr>
          </thead>
          <tbody>
            {(users ?? []).map((u) => (
              <tr key={u.id} data-testid="user-row" data-username={u.username} className={`border-b border-slate-100 align-top ${u.disabled ? "bg-slate-50 text-slate-500" : ""}`}>
                <td className="px-4 py-2">
                  <div className="font-medium">
                    {u.username}
                    {u.id === meId ? <span className="ml-1 text-xs text-slate-500">(you)</span> : null}
                  </div>
                  <div className="text-xs text-slate-500">since {when(u.createdAt)}</div>
                  {resetting === u.id ? (
                    <ResetPassword
                      user={u}
                      onCancel={() => setResetting(null)}
                      onDone={(x) => {
                        replace(x);
                        setResetting(null);
                        setInfo(`New password set for ${x.username}.`);
                      }}
                    />
                  ) : null}
                </td>
                <td className="px-2 py-2">
                  <RoleSelect label={`Role of ${u.username}`} value={u.role} onChange={(role) => void patch(u, { role }, `${u.username} is now ${role}.`)} />
                </td>
                <td className="px-2 py-2">
                  <span data-testid="user-status" className={`rounded px-1.5 py-0.5 text-xs ${u.disabled ? "bg-slate-200 text-slate-700" : "bg-emerald-100 text-emerald-800"}`}>
                    {u.disabled ? "disabled" : "active"}
                  </span>
                </td>
                <td className="px-2 py-2">
                  {u.role === "admin" ? (
                    <span className="text-xs text-slate-500">all (admin)</span>
                  ) : (
                    <fieldset aria-label={`Grants of ${u.username}`} className="flex flex-col gap-0.5">
                      {RESTRICTIONS.map((k) => {
                        const permission = restrictedPermission(k);
                        return (
                          <label key={k} className="flex items-center gap-1 text-xs" title={`Processors that ${RESTRICTION_LABEL[k]}`}>
                            <input type="checkbox" checked={u.grants.includes(permission)} onChange={(e) => toggleGrant(u, permission, e.target.checked)} />
                            <code>{permission}</code>
                          </label>
                        );
                      })}
                    </fieldset>
                  )}
                </td>
                <td className="px-2 py-2 text-xs">{when(u.lastLoginAt)}</td>
                <td className="px-2 py-2">
                  <div className="flex flex-col items-start gap-1">
                    <button type="button" className={smallBtn} onClick={() => setResetting(u.id)} aria-label={`Reset password of ${u.username}`}>
                      Reset password
                    </button>
                    <button
                      type="button"
                      className={smallBtn}
                      onClick={() => void patch(u, { disabled: !u.disabled }, `${u.username} is ${u.disabled ? "enabled" : "disabled"}.`)}
                      aria-label={`${u.disabled ? "Enable" : "Disable"} ${u.username}`}
                    >
                      {u.disabled ? "Enable" : "Disable"}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            {users === null && !error ? (
              <tr>
                <td colSpan={6} className="px-4 py-3 text-slate-500">
                  Loading…
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}
