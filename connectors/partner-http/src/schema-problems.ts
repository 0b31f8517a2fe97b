import type { z } from "zod";

/**
 * A refused request's problems, for its answer: the first five, each with its field path and
 * zod's message. zod's messages name the field and the rule, never the value, so an answer carries
 * no personal data.
 */
export function schemaProblems(error: z.ZodError): string {
  const problems = error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
  const more = error.issues.length > 5 ? `; and ${error.issues.length - 5} more` : "";
  return `${problems.join("; ")}${more}`;
}
