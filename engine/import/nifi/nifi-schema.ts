/**
 * The shapes of NiFi's exported flows that the importer reads, as zod schemas. They check only
 * what the importer uses and let every other field through (NiFi adds fields with each release),
 * so a parse failure names the first field that is missing or of the wrong kind, with its JSON
 * path in the file (`flowContents.processGroups[0].processors[2].type`).
 *
 * Three documents carry a flow:
 * - a flow definition ("Download flow definition" in NiFi 1.x/2.x): `{ flowContents, parameterContexts, externalControllerServices, flowEncodingVersion }`;
 * - a NiFi Registry snapshot: the same plus `snapshotMetadata`, `flow`, `bucket`;
 * - a whole instance's `flow.json(.gz)`: `{ encodingVersion, rootGroup, controllerServices, parameterContexts: [...], reportingTasks }`.
 */
import { z } from "zod";

const position = z.looseObject({ x: z.number(), y: z.number() });

/** Property values are text; NiFi writes `null` for a property that is not set. */
const properties = z.record(z.string(), z.string().nullable());

const propertyDescriptor = z.looseObject({
  name: z.string().optional(),
  displayName: z.string().optional(),
  identifiesControllerService: z.boolean().optional(),
  sensitive: z.boolean().optional(),
  dynamic: z.boolean().optional(),
});

export const nifiProcessorSchema = z.looseObject({
  identifier: z.string().min(1),
  name: z.string().optional(),
  type: z.string().min(1),
  comments: z.string().nullable().optional(),
  position: position.optional(),
  properties: properties.optional(),
  propertyDescriptors: z.record(z.string(), propertyDescriptor).optional(),
  schedulingPeriod: z.string().optional(),
  schedulingStrategy: z.string().optional(),
  executionNode: z.string().optional(),
  penaltyDuration: z.string().optional(),
  yieldDuration: z.string().optional(),
  runDurationMillis: z.number().optional(),
  concurrentlySchedulableTaskCount: z.number().optional(),
  autoTerminatedRelationships: z.array(z.string()).nullable().optional(),
  scheduledState: z.string().optional(),
});

const connectable = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  groupId: z.string().optional(),
  name: z.string().nullable().optional(),
});

export const nifiConnectionSchema = z.looseObject({
  identifier: z.string().min(1),
  name: z.string().nullable().optional(),
  source: connectable,
  destination: connectable,
  selectedRelationships: z.array(z.string()).nullable().optional(),
  backPressureObjectThreshold: z.number().nullable().optional(),
  backPressureDataSizeThreshold: z.string().nullable().optional(),
  flowFileExpiration: z.string().nullable().optional(),
  prioritizers: z.array(z.string()).nullable().optional(),
  loadBalanceStrategy: z.string().nullable().optional(),
  partitioningAttribute: z.string().nullable().optional(),
  loadBalanceCompression: z.string().nullable().optional(),
});

export const nifiServiceSchema = z.looseObject({
  identifier: z.string().min(1),
  name: z.string().optional(),
  type: z.string().min(1),
  properties: properties.optional(),
  propertyDescriptors: z.record(z.string(), propertyDescriptor).optional(),
  scheduledState: z.string().optional(),
});

const nifiPortSchema = z.looseObject({ identifier: z.string().min(1), name: z.string().optional(), position: position.optional(), allowRemoteAccess: z.boolean().nullable().optional() });
const nifiFunnelSchema = z.looseObject({ identifier: z.string().min(1), position: position.optional() });
const nifiLabelSchema = z.looseObject({ identifier: z.string().min(1), label: z.string().nullable().optional(), position: position.optional() });
const nifiRemoteGroupSchema = z.looseObject({
  identifier: z.string().min(1),
  name: z.string().optional(),
  targetUris: z.string().nullable().optional(),
  targetUri: z.string().nullable().optional(),
  inputPorts: z.array(nifiPortSchema).optional(),
  outputPorts: z.array(nifiPortSchema).optional(),
});

export interface NifiGroup {
  identifier: string;
  name?: string;
  comments?: string | null;
  position?: { x: number; y: number };
  parameterContextName?: string | null;
  variables?: Record<string, string | null> | null;
  processors?: NifiProcessor[];
  connections?: NifiConnection[];
  controllerServices?: NifiService[];
  inputPorts?: Array<z.infer<typeof nifiPortSchema>>;
  outputPorts?: Array<z.infer<typeof nifiPortSchema>>;
  funnels?: Array<z.infer<typeof nifiFunnelSchema>>;
  labels?: Array<z.infer<typeof nifiLabelSchema>>;
  remoteProcessGroups?: Array<z.infer<typeof nifiRemoteGroupSchema>>;
  processGroups?: NifiGroup[];
}

export const nifiGroupSchema: z.ZodType<NifiGroup> = z.lazy(() =>
  z.looseObject({
    identifier: z.string().min(1),
    name: z.string().optional(),
    comments: z.string().nullable().optional(),
    position: position.optional(),
    parameterContextName: z.string().nullable().optional(),
    variables: z.record(z.string(), z.string().nullable()).nullable().optional(),
    processors: z.array(nifiProcessorSchema).optional(),
    connections: z.array(nifiConnectionSchema).optional(),
    controllerServices: z.array(nifiServiceSchema).optional(),
    inputPorts: z.array(nifiPortSchema).optional(),
    outputPorts: z.array(nifiPortSchema).optional(),
    funnels: z.array(nifiFunnelSchema).optional(),
    labels: z.array(nifiLabelSchema).optional(),
    remoteProcessGroups: z.array(nifiRemoteGroupSchema).optional(),
    processGroups: z.array(nifiGroupSchema).optional(),
  }),
);

const nifiParameterSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  sensitive: z.boolean().optional(),
  value: z.string().nullable().optional(),
});

export const nifiParameterContextSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  parameters: z.array(nifiParameterSchema).optional(),
  inheritedParameterContexts: z.array(z.string()).nullable().optional(),
});

/** A flow definition or registry snapshot: the exported process group is `flowContents`. */
export const nifiDefinitionSchema = z.looseObject({
  flowContents: nifiGroupSchema,
  parameterContexts: z.record(z.string(), nifiParameterContextSchema).nullable().optional(),
  externalControllerServices: z.record(z.string(), z.looseObject({ identifier: z.string().optional(), name: z.string().optional() })).nullable().optional(),
  flowEncodingVersion: z.string().optional(),
  snapshotMetadata: z.looseObject({ version: z.number().optional(), comments: z.string().nullable().optional() }).optional(),
});

/** A whole instance (`flow.json.gz`): the root group plus controller-level services. */
export const nifiDataflowSchema = z.looseObject({
  rootGroup: nifiGroupSchema,
  controllerServices: z.array(nifiServiceSchema).nullable().optional(),
  parameterContexts: z.array(nifiParameterContextSchema).nullable().optional(),
  reportingTasks: z.array(z.looseObject({ identifier: z.string().optional(), name: z.string().optional(), type: z.string().optional() })).nullable().optional(),
  encodingVersion: z.looseObject({ majorVersion: z.number().optional(), minorVersion: z.number().optional() }).optional(),
});

export type NifiProcessor = z.infer<typeof nifiProcessorSchema>;
export type NifiConnection = z.infer<typeof nifiConnectionSchema>;
export type NifiService = z.infer<typeof nifiServiceSchema>;
export type NifiParameterContext = z.infer<typeof nifiParameterContextSchema>;
export type NifiDefinition = z.infer<typeof nifiDefinitionSchema>;
export type NifiDataflow = z.infer<typeof nifiDataflowSchema>;
