/* The election cryptography from its sources (frontend/src/election.js); needs
 * frontend/node_modules (cd frontend && npm ci). Run: node --test frontend/test/ */
import * as E from "../src/election.js";
import { electionCases } from "../testing/cases.mjs";

electionCases(E);
