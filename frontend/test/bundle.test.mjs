/* The same tests on the committed bundle
 * coop_governance/static/coop_governance/vendor/election.min.js, which is what browsers
 * load; needs only node (coop_governance/tests/test_election_js.py runs it in CI). */
import * as E from "../../coop_governance/static/coop_governance/vendor/election.min.js";
import { electionCases } from "../testing/cases.mjs";

electionCases(E);
