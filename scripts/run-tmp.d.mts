/** Types of scripts/run-tmp.mjs (see its contract). */

/** Sweeps the dirs of dead runs of `prefix`, then makes `<tmp>/<prefix><pid>-XXXXXX` for this process. */
export declare function runTmpDir(prefix: string): string;

/** Removes a run's dir; null when done, else the error's message. */
export declare function removeRunTmpDir(dir: string): string | null;
