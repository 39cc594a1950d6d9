/* Times the booth's work on this machine (one core), with the committed bundle:
 *   node frontend/testing/bench.mjs
 * The first ballot of a page pays for the tables of G and K; later ones do not. */
const started = performance.now();
const E = await import("../../coop_governance/static/coop_governance/vendor/election.min.js");
const loaded = performance.now() - started;

const question = (id, kind, n, extra) => ({
  id, kind, text: { fr: id, en: id },
  answers: Array.from({ length: n }, (_, i) => ({ fr: `R${i}`, en: `A${i}` })),
  ...extra,
});
const manifest = (q) => ({
  format: "uniqc-election/v1", election_id: "bench", title: { fr: "b", en: "b" },
  group: "ristretto255", trustees: 3, threshold: 2, revote: true, assurance: "high",
  opens_at: "2027-03-01T14:00:00Z", closes_at: "2027-03-08T14:00:00Z", questions: [q],
});
const K = E.pointToHex(E.mul(E.randomScalar(), E.G));
const cases = [
  ["choose 1 of 2", manifest(question("q", "choose", 2, { min: 1, max: 1 })), [[1]]],
  ["choose 1 of 5", manifest(question("q", "choose", 5, { min: 1, max: 1 })), [[3]]],
  ["rank 5 of 8", manifest(question("q", "rank", 8, { seats: 3, ranks: 5 })), [[7, 2, 0, 5, 1]]],
];
const time = (f, n) => {
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  return (performance.now() - t) / n;
};
console.log(`bundle loaded in ${loaded.toFixed(1)} ms`);
cases.forEach(([name, m, choices], n) => {
  const fp = E.manifestFingerprint(m);
  const first = time(() => E.encryptBallot(m, fp, K, choices), 1);
  const encrypt = time(() => E.encryptBallot(m, fp, K, choices), 20);
  const { ballot, secrets } = E.encryptBallot(m, fp, K, choices);
  const verify = time(() => E.verifyBallot(m, fp, K, ballot), 20);
  const audit = time(() => E.auditBallot(m, fp, K, ballot, secrets), 10);
  console.log(`${name}: encrypt ${encrypt.toFixed(1)} ms (first of the run ${first.toFixed(1)} ms), ` +
    `verify ${verify.toFixed(1)} ms, audit ${audit.toFixed(1)} ms, ${JSON.stringify(ballot).length} bytes`);
});
const alphas = Array.from({ length: 20 }, () => ({ alpha: E.pointToHex(E.mul(E.randomScalar(), E.G)) }));
const x = E.scalarToHex(E.randomScalar());
const pd = time(() => E.trusteePartialDecrypt("bench", "00".repeat(32), K, 1, x, alphas), 3) / alphas.length;
console.log(`partial decryption with proof: ${pd.toFixed(2)} ms per ciphertext`);
const s = E.randomScalar();
console.log(`one scalar multiplication (constant time): ${time(() => E.pointFromHex(K).multiply(s), 50).toFixed(2)} ms`);
