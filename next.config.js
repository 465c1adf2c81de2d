// Next.js configuration. Also the earliest hook of `next start` / `next dev`: a bad data
// directory or database stops the server here with one line instead of failing on the
// first request with a stack trace.
import { PHASE_DEVELOPMENT_SERVER, PHASE_PRODUCTION_SERVER } from "next/constants.js";
import { DataStoreError, prepareDataStore } from "./prisma/data-store.mjs";

/** @param {string} phase */
export default function nextConfig(phase) {
  if (phase === PHASE_PRODUCTION_SERVER || phase === PHASE_DEVELOPMENT_SERVER) {
    try {
      prepareDataStore({ forServer: true });
    } catch (err) {
      if (!(err instanceof DataStoreError)) throw err;
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
  }
  /** @type {import("next").NextConfig} */
  const config = {
    // Native modules and clients that must be loaded by Node at runtime, not bundled.
    serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "@node-rs/argon2", "kafkajs", "bullmq", "ioredis", "pino"],
    // `npm test` runs tsc over the whole repo before building; checking again inside
    // `next build` would double the cost on two cores and fail the build on files the app
    // does not even import.
    typescript: { ignoreBuildErrors: true },
    poweredByHeader: false,
    // Where `next build` writes and `next start` reads. Two checkouts' worth of parallel e2e
    // runs in one tree (helpers working side by side) each set their own; users never need to.
    distDir: process.env.SLUICE_NEXT_DIST_DIR || ".next",
    // Security headers on every response (docs/security.md). Next's own bootstrap scripts are
    // inline and React Flow positions nodes with inline styles, hence 'unsafe-inline' for
    // scripts and styles; `next dev` also needs 'unsafe-eval' (React Refresh).
    async headers() {
      return [{ source: "/:path*", headers: securityHeaders(phase === PHASE_DEVELOPMENT_SERVER) }];
    },
  };
  return config;
}

/** @param {boolean} dev */
function securityHeaders(dev) {
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return [
    { key: "Content-Security-Policy", value: csp },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "same-origin" },
    { key: "X-Frame-Options", value: "DENY" },
    { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  ];
}
