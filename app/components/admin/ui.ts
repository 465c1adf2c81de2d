/** Small shared pieces of the admin page's tables and forms. */

/** The class of the admin page's text inputs and selects. */
export const inputClass = "rounded-md border border-slate-300 px-2 py-1 text-sm focus:border-sky-500 focus:outline-none";

/** A stored time in the browser's local form, or "never" for none. */
export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "never";
}
