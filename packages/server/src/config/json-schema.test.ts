// The committed JSON Schema matches the zod schema, and accepts or refuses what the server does.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText, SCHEMA_FILE_NAME } from './json-schema.js';

const committed = new URL(`../../${SCHEMA_FILE_NAME}`, import.meta.url);

describe('sluice.schema.json', () => {
  it('is the schema generated from the config schema (regenerate: sluice config schema > packages/server/sluice.schema.json)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(configJsonSchemaText());
  });

  it('describes endpoints, durations and the endpoint id rule', () => {
    const schema = configJsonSchema() as {
      required?: string[];
      additionalProperties?: boolean;
      properties: {
        endpoints: {
          propertyNames: { pattern: string };
          additionalProperties: { properties: Record<string, { anyOf?: unknown[] }> };
        };
      };
    };
    expect(schema.required).toEqual(['endpoints']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.endpoints.propertyNames.pattern).toBe('^[A-Za-z0-9_-]{1,64}$');
    const ttl = schema.properties.endpoints.additionalProperties.properties['ttl'];
    expect(ttl?.anyOf).toEqual([{ type: 'number' }, expect.objectContaining({ type: 'string' })]);
  });
});
