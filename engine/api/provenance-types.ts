/** Provenance event types for the app (plain data; the app imports engine code only via engine/api). */
export { PROVENANCE_EVENT_TYPES, type ProvenanceEventType } from "../core/provenance";
