/** Request fields shared by the user and token routes (zod), with messages that name the rule. */
import { z } from "zod";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./passwords";
import { PERMISSIONS, ROLES } from "./policy";

export const usernameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
export const newPasswordSchema = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(MAX_PASSWORD_LENGTH);
export const roleSchema = z.enum(ROLES, { message: `must be one of ${ROLES.join(", ")}` });
export const grantsSchema = z.array(z.enum(PERMISSIONS, { message: "not a permission" })).max(PERMISSIONS.length);
/** Row ids (cuids) in a URL path. */
export const rowIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "not an id");
