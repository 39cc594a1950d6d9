/* The tender encryption from its sources (frontend/src/tender.js) against
 * docs/tender-vectors.json; needs frontend/node_modules. Run: node --test frontend/test/ */
import * as E from "../src/election.js";
import * as T from "../src/tender.js";
import { tenderCases } from "../testing/tender-cases.mjs";

tenderCases({ ...E, ...T }, "sources");
