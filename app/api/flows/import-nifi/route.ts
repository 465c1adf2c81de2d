import { z } from "zod";
import { handle, json, readBody } from "../../../lib/api";
import { audit } from "../../../lib/audit";
import { restrictedGuard } from "../../../lib/auth/restricted";
import { catalog } from "../../../lib/engine-client";
import { ApiError, importFlow } from "../../../lib/flow-service";
import { MAX_NIFI_FILE_BYTES, NifiImportError, importNifiFile } from "../../../../engine/import/nifi";

export const dynamic = "force-dynamic";

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const bodySchema = z
  .object({
    /** The file's name, for messages only. */
    fileName: z.string().trim().min(1).max(255),
    /** The file's bytes, base64: a flow definition (.json) or a flow.json.gz. */
    content: z
      .string()
      .min(1, "the file is empty")
      .max(Math.ceil(MAX_NIFI_FILE_BYTES / 3) * 4, `the file is larger than ${MAX_NIFI_FILE_BYTES / 1024 / 1024} MB`)
      .regex(BASE64, "must be base64"),
    /** Name of the new flow; default: the NiFi group's name. */
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

/**
 * Imports a NiFi flow (engine/import/nifi) as a new flow: `{ fileName, content: <base64>, name? }`
 * → 201 `{ id, name, renamedFrom?, report, problems }`. The conversion runs before anything is
 * written and the flow is stored in one insert, so a file that cannot be imported leaves
 * nothing behind: 422 `{ error, code: "nifi-import", problems }` naming what is wrong and where
 * (JSON paths in the NiFi file). A name already in use gets " (2)", " (3)"... and the answer
 * says so (`renamedFrom`).
 */
export function POST(req: Request) {
  return handle(req, async (who) => {
    const body = await readBody(req, bodySchema);
    const processors = (await catalog()).processors;
    let result;
    try {
      result = importNifiFile(Buffer.from(body.content, "base64"), { catalog: processors, fileName: body.fileName, name: body.name });
    } catch (e) {
      if (!(e instanceof NifiImportError)) throw e;
      throw new ApiError(422, e.summary.startsWith(body.fileName) ? e.summary : `${body.fileName}: ${e.summary}`, e.problems, "nifi-import");
    }
    const saved = await importFlow(result.flow, undefined, restrictedGuard(who, "design"));
    await audit(who, "flow-import", { flowId: saved.id, flowName: saved.name, details: { from: "nifi", file: body.fileName, problems: saved.problems.length } });
    return json({ id: saved.id, name: saved.name, renamedFrom: saved.renamedFrom, report: result.report, problems: saved.problems }, 201);
  });
}
