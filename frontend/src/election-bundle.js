/* The entry of coop_governance/static/coop_governance/vendor/election.min.js (built by
 * scripts/vendor-assets.sh): the ballot and trustee cryptography, the mixnet, and the
 * sealed tender's bid encryption (civic's call pages load the same bundle). */
export * from "./election.js";
export * from "./shuffle.js";
export * from "./tender.js";
