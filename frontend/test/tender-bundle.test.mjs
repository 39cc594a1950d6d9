/* The same checks on the committed bundle, which browsers load; needs only node
 * (civic/tests/test_tender_js.py runs it). */
import * as E from "../../coop_governance/static/coop_governance/vendor/election.min.js";
import { tenderCases } from "../testing/tender-cases.mjs";

tenderCases(E, "bundle");
