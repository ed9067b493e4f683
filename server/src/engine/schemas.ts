/**
 * The JSON Schemas in schemas/, bundled into the server and CLI, each with its compiled validator.
 * To add a kind: add its schema file, a line here, and its name pattern in kinds.ts.
 */
import type { ParsedDocument } from './parse';
import { SchemaValidator, type JSONSchema } from './schema';
import pipeline from '../../../schemas/pipeline.schema.json';
import policy from '../../../schemas/policy.schema.json';
import trust from '../../../schemas/trust.schema.json';
import template from '../../../schemas/template.schema.json';
import aepBase from '../../../schemas/aep-base-connection.schema.json';
import aepSource from '../../../schemas/aep-source-connection.schema.json';
import aepTarget from '../../../schemas/aep-target-connection.schema.json';
import aepMapping from '../../../schemas/aep-mapping-set.schema.json';
import aepFlow from '../../../schemas/aep-flow.schema.json';

const SCHEMAS: Record<string, JSONSchema> = {
  pipeline: pipeline as unknown as JSONSchema,
  policy: policy as unknown as JSONSchema,
  trust: trust as unknown as JSONSchema,
  template: template as unknown as JSONSchema,
  'aep:base-connection': aepBase as unknown as JSONSchema,
  'aep:source-connection': aepSource as unknown as JSONSchema,
  'aep:target-connection': aepTarget as unknown as JSONSchema,
  'aep:mapping-set': aepMapping as unknown as JSONSchema,
  'aep:flow': aepFlow as unknown as JSONSchema,
};

const validators = new Map<string, SchemaValidator>();

/** The schema key for a document: its kind, and for AEP bodies the body type. */
export function schemaKey(doc: ParsedDocument): string | undefined {
  if (doc.kind === 'aep') return doc.subKind ? `aep:${doc.subKind}` : undefined;
  return doc.kind === 'unknown' ? undefined : doc.kind;
}

export function validatorFor(doc: ParsedDocument): SchemaValidator | undefined {
  const key = schemaKey(doc);
  if (!key || !SCHEMAS[key]) return undefined;
  let v = validators.get(key);
  if (!v) {
    v = new SchemaValidator(SCHEMAS[key]);
    validators.set(key, v);
  }
  return v;
}

export function allSchemas(): Record<string, JSONSchema> {
  return SCHEMAS;
}
