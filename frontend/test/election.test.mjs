/* The election cryptography from its sources (frontend/src/election.js); needs
 * frontend/node_modules (cd frontend && npm ci). Run: node --test frontend/test/ */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { build } from "esbuild";

import * as E from "../src/election.js";
import { electionCases } from "../testing/cases.mjs";

electionCases(E);

test("the committed bundle is these sources built as scripts/vendor-assets.sh builds them", async () => {
  const built = await build({
    entryPoints: [new URL("../src/election-bundle.js", import.meta.url).pathname],
    bundle: true,
    format: "esm",
    minify: true,
    target: "es2020",
    legalComments: "none",
    logLevel: "warning",
    write: false,
  });
  const bundle = "../../coop_governance/static/coop_governance/vendor/election.min.js";
  const committed = readFileSync(new URL(bundle, import.meta.url), "utf8");
  assert.ok(built.outputFiles[0].text === committed, "run scripts/vendor-assets.sh and commit");
});
