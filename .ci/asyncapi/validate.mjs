// Parse AsyncAPI documents with the official parser (and its Avro schema parser); print one
// JSON line per file with every diagnostic. Exit 1 if a file does not parse or has an error
// or a warning (severity 0 or 1; 2 is information, 3 a hint).
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";
import { AvroSchemaParser } from "@asyncapi/avro-schema-parser";

const parser = new Parser();
parser.registerSchemaParser(AvroSchemaParser());
let failed = 0;
for (const path of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(readFileSync(path, "utf8"));
  const problems = diagnostics.filter((d) => d.severity <= 1);
  if (!document || problems.length) failed += 1;
  console.log(
    JSON.stringify({
      path,
      parsed: Boolean(document),
      diagnostics: diagnostics.map((d) => ({
        severity: d.severity,
        code: d.code,
        message: d.message,
        path: d.path,
      })),
    }),
  );
}
process.exit(failed ? 1 : 0);
