/* The entry of coop_governance/static/coop_governance/vendor/election.min.js (built by
 * scripts/vendor-assets.sh): the ballot and trustee cryptography, and the mixnet. */
export * from "./election.js";
export * from "./shuffle.js";
