#!/usr/bin/env bash
# Validates ward's SARIF output against the official SARIF 2.1.0 JSON schema (sarif-2.1.0-rtm.5.json,
# draft-04), which npm ships inside @microsoft/jest-sarif (lib/schemas/), with ajv 6 (its dependency).
# The SARIF comes from `ward verify --format=sarif` when the CLI has it, else from the sample the verify
# unit tests write (build/verify/sample.sarif). Skips (77) when npm/node or the sample are missing.
set -euo pipefail
bin=${WARD_BINARY_DIR:?}
src=${WARD_SOURCE_DIR:?}
command -v node >/dev/null && command -v npm >/dev/null || { echo "sarif_schema: node/npm missing (skipped)"; exit 77; }
work="$bin/sarif-schema"
mkdir -p "$work"
sarif="$work/ward.sarif"
if [[ -n ${WARD_EXE:-} ]] && "$WARD_EXE" verify --format=sarif "$src/examples/"*.ward >"$sarif" 2>/dev/null &&
   [[ -s $sarif ]]; then
  echo "sarif_schema: validating ward verify --format=sarif"
elif [[ -s "$bin/verify/sample.sarif" ]]; then
  cp "$bin/verify/sample.sarif" "$sarif"
  echo "sarif_schema: validating the verify unit tests' sample (ward verify --format=sarif not available)"
else
  echo "sarif_schema: no SARIF to validate (run test_verify first) (skipped)"; exit 77
fi
if [[ ! -f "$work/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json" ]]; then
  (cd "$work" && npm install --no-audit --no-fund --silent --prefix "$work" @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null 2>&1) ||
    { echo "sarif_schema: npm install @microsoft/jest-sarif failed (skipped)"; exit 77; }
fi
NODE_PATH="$work/node_modules" node - "$sarif" <<'JS'
const fs = require('fs');
const Ajv = require('ajv');   // ajv 6, installed as jest-sarif's dependency
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const ajv = new Ajv({ schemaId: 'auto', allErrors: true, validateSchema: false });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
const validate = ajv.compile(schema);
const log = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
if (!validate(log)) {
  console.error(JSON.stringify(validate.errors.slice(0, 20), null, 2));
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const run = log.runs[0];
console.log(`SARIF valid: ${run.tool.driver.rules.length} rules, ${run.results.length} results`);
console.log('1 passed, 0 failed');
JS
