// The JSON Schema of the config file, generated from the zod schema that validates it, for editors
// (`sluice config schema`; committed as sluice.schema.json and kept in sync by a test).
import { z } from 'zod';
import { configSchema } from './config-schema.js';

export const SCHEMA_FILE_NAME = 'sluice.schema.json';

/** Describes what a user writes (the input side: durations as strings, defaults optional). */
export function configJsonSchema(): Record<string, unknown> {
  // draft-07: the draft editors' YAML and JSON language servers support best.
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' });
  return { ...schema, title: 'Sluice configuration', description: 'docs/configuration.md describes every key.' };
}

/** The committed file's text: the schema, two-space indented, with a final newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
