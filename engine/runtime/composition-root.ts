/**
 * The composition root: the one engine module that wires the processor registry, the
 * controller service types, the reference docs, the shared DistributedCache and the
 * repositories. It is the only file under engine/ that imports processors/ (eslint.config.js
 * enforces that, pinned by test/unit/lint-boundaries.test.ts); everything else in the engine
 * receives what it needs from here.
 */
import { renderAllProcessorDocs } from "../../processors/docs";
import { KafkaConnection } from "../../processors/kafka/kafka-connection";
import { createRegistry } from "../../processors/registry";
import { RedisDistributedCache } from "../cluster/redis-cache";
import type { AnyProcessorDefinition } from "../sdk/define";
import type { PropertyMap } from "../sdk/property";
import type { DistributedLink } from "../queue/distributed-queue";
import type { DistributedCache } from "../sdk/types";
import { LocalCache } from "./flow-controller";
import { createRepositories } from "./repositories";
import type { ProcessorRegistry } from "./validate-flow";

/** A controller service type (a shared configuration such as a Kafka connection). */
export interface ControllerServiceType {
  readonly type: string;
  readonly properties: PropertyMap;
}

/** Everything the engine is built from. Plain wiring: no state beyond the shared cache. */
export interface Composition {
  /** Processor types flows may use. */
  readonly registry: ProcessorRegistry;
  /** Controller service types flows may declare under `services`. */
  readonly serviceTypes: readonly ControllerServiceType[];
  /**
   * The cache shared by every flow of the node (DetectDuplicate, Wait/Notify): Redis when a
   * URL is configured (so every node of a cluster sees the same entries), in-process otherwise.
   * Created on first use.
   */
  cache(): DistributedCache;
  /** The processor reference as Markdown (the same text as docs/processors.md). */
  processorDocs(): string;
  /** Repository factory (durable files or volatile memory). */
  readonly createRepositories: typeof createRepositories;
  /**
   * The cluster's distributed connections, on a cluster node (engine/cluster sets it); absent
   * elsewhere, and every connection is then local.
   */
  readonly distributed?: DistributedLink;
  /** Closes what the composition opened (the Redis connection of the cache). */
  close(): Promise<void>;
}

export interface CompositionOptions {
  /** Processor definitions in addition to the built-in ones (tests, benchmarks). */
  extraProcessors?: readonly AnyProcessorDefinition[];
  /**
   * Redis for the shared DistributedCache. @default process.env.SLUICE_REDIS_URL; none means an
   * in-process cache (one node).
   */
  redisUrl?: string | null;
}

/** Builds a composition. Cheap; the cache connection opens on first use. */
export function compose(opts: CompositionOptions = {}): Composition {
  const registry = createRegistry(opts.extraProcessors ?? []);
  const redisUrl = opts.redisUrl === undefined ? process.env.SLUICE_REDIS_URL || null : opts.redisUrl;
  let cache: DistributedCache | null = null;
  let redisCache: RedisDistributedCache | null = null;
  return {
    registry,
    serviceTypes: [{ type: KafkaConnection.type, properties: KafkaConnection.properties }],
    cache() {
      if (!cache) {
        if (redisUrl) cache = redisCache = RedisDistributedCache.connect(redisUrl);
        else cache = new LocalCache();
      }
      return cache;
    },
    processorDocs: () => renderAllProcessorDocs(registry.list()),
    createRepositories,
    async close() {
      await redisCache?.close();
      redisCache = null;
      cache = null;
    },
  };
}

let builtIn: Composition | null = null;

/** The built-in composition (no extra processors, cache per SLUICE_REDIS_URL), shared per process. */
export function defaultComposition(): Composition {
  builtIn ??= compose();
  return builtIn;
}
