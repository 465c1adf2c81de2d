/**
 * Request bodies of the parameter context routes (docs/parameters.md). Names as the flow format
 * allows them; a value is text (`null` clears it, absent keeps the stored one: how a sensitive
 * value, never sent back, stays unchanged).
 */
import { z } from "zod";
import { PARAMETER_NAME, PARAMETER_NAME_MESSAGE } from "../../../engine/api/parameters";

const parameterSchema = z
  .object({
    name: z.string().regex(PARAMETER_NAME, PARAMETER_NAME_MESSAGE),
    value: z.string().max(1_000_000).nullable().optional(),
    sensitive: z.boolean().optional(),
    description: z.string().max(10_000).nullable().optional(),
  })
  .strict();

/** A whole context: its parameters replace the stored set. */
export const contextSchema = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(200),
    description: z.string().max(10_000).nullable().optional(),
    parameters: z.array(parameterSchema).max(10_000).default([]),
  })
  .strict();

/** Context ids (cuids): what may appear in the URL. */
export const contextIdSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "not a parameter context id") });
