/**
 * File roots: the directories file processors (GetFile, ListFile, FetchFile, PutFile) may
 * reach, from SLUICE_FILE_ROOTS. A path is checked after resolving symlinks, so a link inside a
 * root that points outside it is outside.
 */
import fs from "node:fs";
import path from "node:path";

/** The variable that lists the roots, `:`-separated absolute directories. */
export const FILE_ROOTS_ENV = "SLUICE_FILE_ROOTS";

/** A path outside every file root, or file roots that are misconfigured. The message says which. */
export class FileRootError extends Error {
  override name = "FileRootError";
}

/**
 * The real path of `p`: symlinks resolved; for a path that does not exist (yet), its nearest
 * existing ancestor resolved and the missing rest appended. `p` is made absolute against the
 * working directory first, which also removes `.` and `..` segments, so the missing rest holds
 * plain names only.
 */
export function realPathOf(p: string): string {
  let existing = path.resolve(p);
  const missing: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(existing), ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return path.join(existing, ...missing.reverse());
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

function isWithin(real: string, root: string): boolean {
  if (real === root) return true;
  return real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * The directories file processors may reach. Contract:
 * - `resolve(p)` returns the real path of `p` (see {@link realPathOf}) when it is a root or
 *   below one, and throws FileRootError naming `p` otherwise. Callers use the returned path, not
 *   `p`, so what was checked is what is opened.
 * - `problem(p)` is the same check as a message (null when `p` is inside), for validation.
 * - Roots are resolved the same way, on first use, and stay fixed for the object's life.
 * - Roots that are misconfigured (none, or a relative one) make every check fail with a message
 *   that names SLUICE_FILE_ROOTS, so a file processor is invalid rather than unconfined.
 */
export class FileRoots {
  private resolved: readonly string[] | null = null;
  private readonly configProblem: string | null;

  /** @param dirs absolute directories (they need not exist yet). */
  constructor(private readonly configured: readonly string[]) {
    const relative = configured.find((d) => !path.isAbsolute(d));
    this.configProblem =
      configured.length === 0
        ? `${FILE_ROOTS_ENV} names no directory, so no file can be reached`
        : relative !== undefined
          ? `${FILE_ROOTS_ENV} entry "${relative}" is not an absolute path`
          : null;
  }

  /** The roots, symlinks resolved. */
  get dirs(): readonly string[] {
    this.resolved ??= this.configured.map(realPathOf);
    return this.resolved;
  }

  /** The real path of `p` when it is inside a root; throws FileRootError otherwise. */
  resolve(p: string): string {
    if (this.configProblem) throw new FileRootError(this.configProblem);
    const real = realPathOf(p);
    if (this.dirs.some((root) => isWithin(real, root))) return real;
    const via = real === path.resolve(p) ? "" : ` resolves to ${real}, which`;
    throw new FileRootError(`${p}${via} is outside the file roots (${this.dirs.join(path.delimiter)}); ${FILE_ROOTS_ENV} sets them`);
  }

  /** Why `p` is not reachable, or null when it is. */
  problem(p: string): string | null {
    try {
      this.resolve(p);
      return null;
    } catch (e) {
      if (e instanceof FileRootError) return e.message;
      throw e;
    }
  }
}

/**
 * The file roots configured by the environment: SLUICE_FILE_ROOTS (`:`-separated), or else
 * `<data dir>/files`, where the data dir is SLUICE_DATA_DIR or `./data` against `cwd` (the same
 * rule as prisma/data-store.mjs `resolveDataDir`, which the engine must not import).
 */
export function fileRootsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env, cwd: string = process.cwd()): FileRoots {
  const listed = env[FILE_ROOTS_ENV];
  if (listed !== undefined && listed.trim() !== "") {
    return new FileRoots(listed.split(path.delimiter).map((d) => d.trim()).filter((d) => d !== ""));
  }
  const dataDir = env.SLUICE_DATA_DIR;
  return new FileRoots([path.join(path.resolve(cwd, dataDir && dataDir.trim() !== "" ? dataDir : "data"), "files")]);
}
