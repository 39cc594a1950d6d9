/* Test vectors for what docs/election-record.md fixes byte for byte, computed in Python
 * (not by election.js) and pasted here, so the JS tests check the Python bytes.
 *
 * How they were produced: a throwaway Python snippet, run once with the repository's
 * coop_governance/election/group.py and hashing.py (commit c6c8468), that
 * - hashes the items of "hash" with hashing.encode / challenge / digest / wide_digest;
 * - takes hashing.fingerprint of "manifest" (non-ASCII, quotes, a control character, an
 *   emoji, "</script>");
 * - sets x = H("test-key"), K = x*G, and encrypts m = 3 with r = H("test-r") (section 4);
 * - builds "ballot" for "choices" by sections 4, 5.1 and 7, drawing the k-th nonce as
 *   H("test-nonce", k) (k an integer item, from 0) in the order election.js's rng is called:
 *   for each ciphertext r, then its proof's u and (c_j, z_j) of the other branches in order,
 *   then for a choose question the count proof's u and (c_j, z_j); the tracker is
 *   hashing.digest("tracker", ...) over the items of section 7;
 * - restarts the nonces at k = 0 and draws in turn trustee 2's transport key y and its
 *   proof's u (k = 0, 1), its coefficient a_{2,1} and u (2, 3), the share s and the
 *   ephemeral e of a box from trustee 1 to trustee 2 (4, 5), and the u (6) of trustee 2's
 *   partial decryption, with x_2 = s, of the alpha of "encryption".
 * docs/election-vectors.json (scripts/election-vectors.py) is the full set; these came
 * first and stay as a second, independent check. */
export const LITERALS = {
 "hash": {
  "input": "00000016756e6971632d656c656374696f6e2f76312f746573740000000361626300000008000000000000000500000020000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00000020e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76000000200700000000000000000000000000000000000000000000000000000000000000",
  "challenge": "a06e1fdecc177e245289b97c88f526f8857506a64594720bad03b39c3a1c9f0a",
  "digest": "2d3133d4f716b30eea0692e72ac702f60e1bcdd2de07ab6e14a025c9047adbfe",
  "wide": "efaafbbc256939ab41c11edd66d0dda8a36dcc22eceb13a6cec4f3d3841c0fef3e7f37fd4fd90fa5919cc23d5c6ecf29a86f853648acfb3215413ec0b2122f61"
 },
 "manifest": {
  "format": "uniqc-election/v1",
  "election_id": "0b5cf0b6-2c1f-4d55-9d5e-3c3f4f6f1f10",
  "title": {
   "fr": "Élection du conseil « 2027 »",
   "en": "2027 \"board\" election\n\u0001</script> 😀"
  },
  "group": "ristretto255",
  "trustees": 3,
  "threshold": 2,
  "revote": true,
  "assurance": "high",
  "opens_at": "2027-03-01T14:00:00Z",
  "closes_at": "2027-03-08T14:00:00Z",
  "questions": [
   {
    "id": "q1",
    "kind": "choose",
    "min": 1,
    "max": 2,
    "text": {
     "fr": "Qui ?",
     "en": "Who?"
    },
    "answers": [
     {
      "fr": "Pour",
      "en": "For"
     },
     {
      "fr": "Contre",
      "en": "Against"
     },
     {
      "fr": "Abstention",
      "en": "Abstain"
     }
    ]
   },
   {
    "id": "q2",
    "kind": "rank",
    "seats": 1,
    "ranks": 2,
    "text": {
     "fr": "Conseil",
     "en": "Board"
    },
    "answers": [
     {
      "fr": "Ana",
      "en": "Ana"
     },
     {
      "fr": "Béa",
      "en": "Béa"
     },
     {
      "fr": "Chloé",
      "en": "Chloé"
     }
    ]
   }
  ]
 },
 "fingerprint": "698b1d8ecb8cc36af165644bcd893148838527592cb608d0dea2513249c214e5",
 "secret_key": "c1348b2e5da521be3bc00dd850ec4bc52930c724941d47326c91bdb29642210e",
 "public_key": "fe7bd875402bf776bef22b8f49be650c92aacdbc4776aaee82c20fc526c06d6e",
 "encryption": {
  "m": 3,
  "r": "95597247ba995cb35ce8f73c06f62bca80db616d31be3116b449b36416fe6e00",
  "alpha": "aef151abcf599136cc3e53cf1e022b601af4491c78efcb00d2658659ad0d5410",
  "beta": "d2ba4b4257eaea37be1b97839b3109e543caaaccaa819959f48b86983ed7d805"
 },
 "ballot": {
  "choices": [
   [
    0,
    2
   ],
   [
    2,
    0
   ]
  ],
  "ballot": {
   "election_id": "0b5cf0b6-2c1f-4d55-9d5e-3c3f4f6f1f10",
   "fingerprint": "698b1d8ecb8cc36af165644bcd893148838527592cb608d0dea2513249c214e5",
   "answers": [
    {
     "question_id": "q1",
     "selections": [
      {
       "alpha": "761db3014253789596ceba32c002fb81390788a3801b0c92304ca01e37870c73",
       "beta": "28ae1ad7ec84a943129d59f9638823fe12be149ee2ea3e2ab4ad37057e6fac67",
       "proof": [
        {
         "c": "6596d08fe9a119ff10d9253d726c6d665f1a6e3a90059467812137d34396b206",
         "z": "bcc451cf09927c708ec7821f7e8bea01d8f882f76136f8176b2a2053ca037f05"
        },
        {
         "c": "b729f052f0ea27dda10543a026db031ac7da70756d2a4df06adcaebe8bc7bd0c",
         "z": "ec0846bbb812ae03ed8c10dd79ba41c6420f961d557c2e630861a863829d790c"
        }
       ]
      },
      {
       "alpha": "7c5860fd6e864cbab6141a5afa047dd667f50b32abc08a30487d09ba03978558",
       "beta": "de5dada9d3be883b1890b76e31c002420e83812661854774610dc3d5e64ddf6f",
       "proof": [
        {
         "c": "64e74b80036aed9a85ab188f934dc8887600a0a01330dc11e839bd508111a002",
         "z": "b14d7c56d2e69ab5064b72dcdab771cf911396242dbdfce9c5938398573f0f09"
        },
        {
         "c": "e0cb6882380966fef57b531eedef5814b5a60fc2d6ecb1685297bffdc528bb0e",
         "z": "12da778569425bcfc4185457a52f2689bc999107c48164c388a935dba42be307"
        }
       ]
      },
      {
       "alpha": "74c4c254af4c2c1420ddc892a2894420c498cbe7e7fa16e162f9909b50b52f00",
       "beta": "401a473618b704913c4f371e8c84ca1f82c2045a40c55a886582608f58140009",
       "proof": [
        {
         "c": "ff93d9478c43dbef9588aaa03918a3c19f2cff1408d961f2c5300607b9b3760b",
         "z": "b89b6acca11d92176c3cc9a863d5ae292c4e599726e84b550e51ca582dbfd60a"
        },
        {
         "c": "70b584fb49bf334f1ff8f68bb35604b30c97f87d6df6047baf59d3b300a46e0a",
         "z": "e38c75be767f2dffebb03e5e89cfecbd434502ec9683bada77a0d00a5cc72d04"
        }
       ]
      }
     ],
     "count_proof": [
      {
       "c": "a60e08c5d993906bc527d6b41189a5247da8d1adada916d0a462d07b33f59c06",
       "z": "4d52f9b34f498140d5be504a8bbc699c721ed88c052a948280b69092d115f00c"
      },
      {
       "c": "a465b9de89b7d3c503346f07b478d172a880eed1f91c5120adbdb4f2ad167907",
       "z": "f5e522ad5255065889c0274ff215b4f8e94a4d61a6d264f82a26b62fe59a820a"
      }
     ]
    },
    {
     "question_id": "q2",
     "ranks": [
      {
       "alpha": "be9435eca734c8a068201b44d40c082067efb57d4ab3167d4eba3556ab9a0640",
       "beta": "564ac067fd79d6da39abea0bf399890f440699337e4e8ebca75b11abbc590057",
       "proof": [
        {
         "c": "b994e0f846cff5c120695eac95163e09e817d63153de09e215b093e8ada29405",
         "z": "5a25e6d5b83cade420566ee4b6aba6110d0734ca0da50f058c35a9f0cbcf780b"
        },
        {
         "c": "1120956e0a632e3a7e7876ecd4c9b49903d36c4237f842ba0698ef1100cdd60a",
         "z": "4bc89b00140d5f50cd26d79e9c91612e299b229b4395a87a35139211a6dc8804"
        },
        {
         "c": "a6d4894a6b617d62cde23c478367a62657ac993d49904088167b915dbc61460c",
         "z": "b73ad62c985e649637fc0c7ab41df89db745c97b21c51562f0f3a84420a8630e"
        },
        {
         "c": "9eb2eec7497fda88fff8b61265d854723b7d39378258ac6dbe4f409c8efad603",
         "z": "1a4fc434ffa6d2e48f0fd62e7cc1cf2022fbee031db1b343d7a55ad0218b130e"
        }
       ]
      },
      {
       "alpha": "ba634d77045bc0aa9dec3f71244154ec2f81c6ae329496b4d84d142e97620969",
       "beta": "4406abf132ce8cf8552cd52ec280d4ab5c816247411197f9d6ccf9702062af1a",
       "proof": [
        {
         "c": "e87f87143114fbbb77d4e61837c6d620a6f75792953ad56daf07c48ee767be09",
         "z": "29ad5f66f5978a23dbad82ac0f0b118930a7bce9d86d19e8f48eb7344da4b306"
        },
        {
         "c": "e3f200740769730547f248fc0f6548772a950e4601e86cd875c0f14419287a0e",
         "z": "2ec9163b6a07a4a128e8796ccd889c7d71c44b01bfb60abf7f2ba7a8b9a3f30a"
        },
        {
         "c": "a7539465564678fdb3e678e9af3cb5d4295cd289137d37fdeacef3328d913b01",
         "z": "0c0149ce82d00c063907219b725a04f947091305aa6270b731c152544b73030a"
        },
        {
         "c": "61b7e95d4f8265fc1d3e24e84d61e1e78d0c80da2742b15c60b18b8c5ef3ff04",
         "z": "9d662d3e878c8de5296e960975862748a5a1a1fa3757ff40f49d5657ea0b4a0d"
        }
       ]
      }
     ]
    }
   ]
  },
  "tracker": "b8cc80acb0f5b5f30cc1a54f8069e034f7727c6164ac3349b668d338f248efc9"
 },
 "transport_key": {
  "index": 2,
  "secret": "7979dd4684057576db631bb8a475bfb109c6834f2424d7c309737aaedc121c03",
  "key": "761db3014253789596ceba32c002fb81390788a3801b0c92304ca01e37870c73",
  "proof": {
   "c": "1e65fbb3227e6dd49e0006b51411687b3d9fc5602c9ff1cfbc79a1cb4cb22707",
   "z": "5118bdbb192fa9d1d5c6d273edb143d41c21ccf0c58a508a179ea9c2c2e5f505"
  }
 },
 "coefficient": {
  "index": 2,
  "k": 1,
  "secret": "6596d08fe9a119ff10d9253d726c6d665f1a6e3a90059467812137d34396b206",
  "point": "f0d7d602bf75c35a8d9cdd63f3553b0821d1b7f1297f0472c5a82fc3fbb3b102",
  "proof": {
   "c": "b74667b270a24911a0179112d98e43280f4ffbf9d19957cf965c3a09cb0ffe06",
   "z": "348a6cc10b645cc60d5b8f2a28b56488c8023e7ec02cfdafd4af97d831643403"
  }
 },
 "share": {
  "from": 1,
  "to": 2,
  "share": "d355b62fbedae566e3ebbbe985019edbf00e61918bc2c6549460804fc49a2006",
  "e": "7c3c9f9645b2bde8096be1f30ae829cfa4e4ba5f5f8ee91f8ade939ebd1aa70b",
  "ephemeral": "1a0f86305bf3d46f5c0f1c9486ed2a6c6b38c5e7c1378decb8c462aa709fa969",
  "box": "741c5dfe93f18f3a64d6bac3f49dc2afc54d338bbac1283d679cc13882099f6a"
 },
 "partial_decryption": {
  "index": 2,
  "secret_share": "d355b62fbedae566e3ebbbe985019edbf00e61918bc2c6549460804fc49a2006",
  "verification_key": "7c5860fd6e864cbab6141a5afa047dd667f50b32abc08a30487d09ba03978558",
  "alpha": "aef151abcf599136cc3e53cf1e022b601af4491c78efcb00d2658659ad0d5410",
  "u": "e0cb6882380966fef57b531eedef5814b5a60fc2d6ecb1685297bffdc528bb0e",
  "point": "ced53549d78d6828986448b6e5156a7f970107cb5f4884ce325063e34b66875f",
  "proof": {
   "c": "a541ef9b47d00ad7d91c8f0d5d536a39c93e4569bd6e52b9aff8bf7ed0ac2603",
   "z": "450fd4167c90ee5a7e4522ea37871adf673dadb84e09ac8c2515c94ceade690e"
  }
 }
}
;
