/**
 * The processor registry: an explicit list, so what a build contains is visible in one place
 * and no processor is loaded by a file-system scan.
 */
import { erase, type AnyProcessorDefinition } from "../engine/sdk";
import { AttributesToJSON } from "./attributes-to-json";
import { Base64EncodeContent } from "./base64-encode-content";
import { CompressContent } from "./compress-content";
import { ControlRate } from "./control-rate";
import { ConvertRecord } from "./convert-record";
import { DetectDuplicate } from "./detect-duplicate";
import { EvaluateJsonPath } from "./evaluate-json-path";
import { ExtractText } from "./extract-text";
import { FetchFile } from "./fetch-file";
import { GenerateFlowFile } from "./generate-flow-file";
import { GetFile } from "./get-file";
import { ConsumeKafka } from "./kafka/consume-kafka";
import { HandleHttpRequest } from "./handle-http-request";
import { HandleHttpResponse } from "./handle-http-response";
import { HashContent } from "./hash-content";
import { InvokeHTTP } from "./invoke-http";
import { ListFile } from "./list-file";
import { ListenHTTP } from "./listen-http";
import { LogMessage } from "./log-message";
import { Notify } from "./notify";
import { PublishKafka } from "./kafka/publish-kafka";
import { LogAttribute } from "./log-attribute";
import { MergeContent } from "./merge-content";
import { PutFile } from "./put-file";
import { ReplaceText } from "./replace-text";
import { RetryFlowFile } from "./retry-flow-file";
import { RouteOnAttribute } from "./route-on-attribute";
import { RouteOnContent } from "./route-on-content";
import { RouteText } from "./route-text";
import { SplitJson } from "./split-json";
import { SplitText } from "./split-text";
import { TransformJson } from "./transform-json";
import { UpdateAttribute } from "./update-attribute";
import { ValidateJson } from "./validate-json";
import { Wait } from "./wait";

export const PROCESSORS: readonly AnyProcessorDefinition[] = [
  erase(AttributesToJSON),
  erase(Base64EncodeContent),
  erase(CompressContent),
  erase(ConsumeKafka),
  erase(ControlRate),
  erase(ConvertRecord),
  erase(DetectDuplicate),
  erase(EvaluateJsonPath),
  erase(ExtractText),
  erase(FetchFile),
  erase(GenerateFlowFile),
  erase(GetFile),
  erase(HandleHttpRequest),
  erase(HandleHttpResponse),
  erase(HashContent),
  erase(InvokeHTTP),
  erase(ListFile),
  erase(ListenHTTP),
  erase(LogAttribute),
  erase(LogMessage),
  erase(MergeContent),
  erase(Notify),
  erase(PublishKafka),
  erase(PutFile),
  erase(ReplaceText),
  erase(RetryFlowFile),
  erase(RouteOnAttribute),
  erase(RouteOnContent),
  erase(RouteText),
  erase(SplitJson),
  erase(SplitText),
  erase(TransformJson),
  erase(UpdateAttribute),
  erase(ValidateJson),
  erase(Wait),
];

/** A registry over a list of definitions (the default list, or one a test or bench adds to). */
export function createRegistry(extra: readonly AnyProcessorDefinition[] = []): {
  get(type: string): AnyProcessorDefinition | undefined;
  list(): readonly AnyProcessorDefinition[];
} {
  const all = [...PROCESSORS, ...extra];
  const byType = new Map(all.map((d) => [d.type, d]));
  if (byType.size !== all.length) throw new Error("duplicate processor type in registry");
  return { get: (t) => byType.get(t), list: () => all };
}

export const registry = createRegistry();
