import type { Metadata } from "next";
import { NoAccess } from "../../components/auth/no-access";
import { pageUser } from "../../components/auth/page-user";
import { can } from "../../components/auth/permissions";
import { TokensAdmin } from "../../components/admin/tokens-admin";
import { UsersAdmin } from "../../components/admin/users-admin";

export const metadata: Metadata = { title: "Users and tokens" };

/** Users (users:manage) and API tokens (tokens:manage); each section shows only with its permission. */
export default async function UsersPage() {
  const user = await pageUser("/admin/users");
  const users = can(user.permissions, "users:manage");
  const tokens = can(user.permissions, "tokens:manage");
  if (!users && !tokens) return <NoAccess what="user administration" permission="users:manage" />;
  return (
    <div className="mx-auto w-full max-w-6xl space-y-10 px-6 py-8">
      {users ? (
        <div>
          <h1 className="mb-1 text-2xl font-semibold tracking-tight">Users</h1>
          <p className="mb-4 text-sm text-slate-500">
            Roles, lowest first: viewer (sees flows and status, not content), operator (runs flows, empties queues, sees content, replays), editor (designs flows), admin
            (everything). Restricted processors need a grant unless the user is an admin.
          </p>
          <UsersAdmin meId={user.id} />
        </div>
      ) : null}
      {tokens ? (
        <div>
          <h2 className="mb-1 text-2xl font-semibold tracking-tight">API tokens</h2>
          <p className="mb-4 text-sm text-slate-500">For automation: a token acts with the role it was created with. The server stores only a hash of it.</p>
          <TokensAdmin />
        </div>
      ) : null}
    </div>
  );
}
