/** Shared display formatting for server-rendered pages. */

const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** "21 Nov 2026, 21:09 UTC": fixed zone so server-rendered text does not depend on the host. */
export function formatTime(d: Date): string {
  return `${dateTime.format(d)} UTC`;
}
