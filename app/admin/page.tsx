import { redirect } from "next/navigation";

/** /admin has one page so far: users and tokens. */
export default function AdminPage() {
  redirect("/admin/users");
}
