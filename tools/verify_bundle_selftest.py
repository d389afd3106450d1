#!/usr/bin/env python3
"""Self-test for tools/verify_bundle.py.

Builds small audit bundles over the reference tree of ../shared/testdata/rfc6962_vectors.json,
signed with PyNaCl, and checks that the verifier accepts a good one and rejects tampered ones.
Also runs the verifier's RFC 9162 inclusion check over every published inclusion vector and
transparency-dev probe. Exits 0 if every check passes, 1 otherwise.

Usage: python3 tools/verify_bundle_selftest.py [--vectors PATH]
"""

import argparse
import base64
import copy
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VERIFIER = os.path.join(HERE, "verify_bundle.py")
DEFAULT_VECTORS = os.path.join(HERE, "..", "..", "shared", "testdata", "rfc6962_vectors.json")

sys.path.insert(0, HERE)
import verify_bundle  # noqa: E402  (the module under test)

signing, _ = verify_bundle._load_nacl()


def sha256(b):
    return hashlib.sha256(b).digest()


# RFC 9162 2.1.1 / 2.1.3.1, written out plainly for building bundles.
def mth(leaves):
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return sha256(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m, leaves):
    if len(leaves) <= 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def key_id(name, pk):
    return sha256(name.encode() + b"\n\x01" + pk)[:4]


class Key:
    def __init__(self, name, seed):
        self.name = name
        self.sk = signing.SigningKey(seed)
        self.pk = bytes(self.sk.verify_key)
        self.kid = key_id(name, self.pk)
        key64 = base64.b64encode(b"\x01" + self.pk).decode()
        self.vkey = f"{name}+{self.kid.hex()}+{key64}"

    def sign(self, text):
        sig = self.sk.sign(text.encode()).signature
        return text + "\n\u2014 " + self.name + " " + base64.b64encode(self.kid + sig).decode() + "\n"


def make_bundle(key, leaves, positions, size=None, stream="case-test"):
    size = len(leaves) if size is None else size
    root = mth(leaves[:size])
    text = f"{key.name}\n{size}\n{base64.b64encode(root).decode()}\n"
    return {
        "format": "kasane-audit-bundle/1",
        "origin": key.name,
        "checkpoint": key.sign(text),
        "verifier_key": key.vkey,
        "tree_size": size,
        "root_hex": root.hex(),
        "stream": stream,
        "events": [{
            "position": p,
            "leaf_b64": base64.b64encode(leaves[p]).decode(),
            "leaf_hash_hex": sha256(b"\x00" + leaves[p]).hex(),
            "inclusion_proof": [h.hex() for h in path(p, leaves[:size])],
        } for p in positions],
    }


class Checker:
    def __init__(self):
        self.failures = 0
        self.count = 0

    def check(self, ok, what):
        self.count += 1
        if not ok:
            self.failures += 1
            print(f"FAILED: {what}")

    def run_cli(self, bundle, key_args, want_ok, what, want_in_message=None):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "bundle.json")
            with open(p, "w", encoding="utf-8") as f:
                f.write(bundle if isinstance(bundle, str) else json.dumps(bundle, ensure_ascii=False))
            args = [a.replace("{dir}", d) for a in key_args]
            r = subprocess.run([sys.executable, VERIFIER, p] + args, capture_output=True, text=True)
        ok = (r.returncode == 0) == want_ok and r.returncode in (0, 1)
        if ok and not want_ok:
            ok = r.stderr.startswith("FAIL: ") and (want_in_message is None or want_in_message in r.stderr)
        if ok and want_ok:
            ok = r.stdout.startswith("OK: ")
        self.check(ok, f"{what}: exit {r.returncode}, stdout {r.stdout.strip()!r}, stderr {r.stderr.strip()!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vectors", default=DEFAULT_VECTORS)
    args = parser.parse_args()
    with open(args.vectors, encoding="utf-8") as f:
        vectors = json.load(f)
    c = Checker()

    leaves = [bytes.fromhex(h) for h in vectors["reference_tree"]["leaf_inputs_hex"]]
    # The bundle builder must agree with the published tree before it is used to test anything.
    for n, want in enumerate(vectors["reference_tree"]["roots_by_size_hex"]):
        c.check(mth(leaves[:n]).hex() == want, f"reference root at size {n}")
    for v in vectors["DERIVED_exhaustive_8_leaf_tree"]["inclusion"]:
        c.check([h.hex() for h in path(v["leaf_index"], leaves[:v["tree_size"]])] == v["proof"],
                f"reference path {v['leaf_index']}/{v['tree_size']}")

    # The verifier's RFC 9162 inclusion check against every published vector and probe.
    def raw(h):
        return bytes.fromhex(h)
    for v in vectors["inclusion_golden"] + vectors["DERIVED_exhaustive_8_leaf_tree"]["inclusion"]:
        reason = verify_bundle.verify_inclusion(v["leaf_index"], v["tree_size"], raw(v["leaf_hash"]),
                                                [raw(p) for p in v["proof"]], raw(v["root"]))
        c.check(reason is None, f"inclusion vector {v['leaf_index']}/{v['tree_size']}: {reason}")
    for v in vectors["transparency_dev_probes"]["inclusion"]:
        reason = verify_bundle.verify_inclusion(v["leaf_index"], v["tree_size"], raw(v["leaf_hash"]),
                                                [raw(p) for p in v["proof"]], raw(v["root"]))
        c.check((reason is not None) == v["want_err"], f"inclusion probe {v['file']}: {reason}")

    # The published signed notes through the verifier's note check.
    for v in vectors["signed_notes"]:
        name, kid, pk = verify_bundle.parse_verifier_key(v["vkey"])
        try:
            text = verify_bundle.open_note(v["note"], name, kid, pk)
            ok = v["want_valid"] and text == v["signed_text"]
        except verify_bundle.VerifyError:
            ok = not v["want_valid"]
        c.check(ok, f"signed note: {v['desc']}")
    for v in vectors["checkpoint_body_marshal"]["invalid_unmarshal"]:
        try:
            verify_bundle.parse_checkpoint(v["m"])
            c.check(False, f"checkpoint body accepted: {v['desc']}")
        except verify_bundle.VerifyError:
            c.check(True, "")

    key = Key("kasane.test/log", bytes(range(32)))
    other = Key("kasane.test/log", bytes(range(1, 33)))
    good = make_bundle(key, leaves, [0, 3, 5, 7])
    kargs = ["--key", key.vkey]

    c.run_cli(good, kargs, True, "good bundle")
    with tempfile.TemporaryDirectory() as d:
        kf = os.path.join(d, "vkey")
        with open(kf, "w") as f:
            f.write(key.vkey + "\n")
        c.run_cli(good, ["--key-file", kf], True, "good bundle, key from a file")
    c.run_cli(make_bundle(key, leaves, [0, 1, 2, 3, 4], size=5), kargs, True, "bundle of size 5")
    c.run_cli(make_bundle(key, leaves, [], size=3, stream=None), kargs, True, "empty whole-log bundle")
    cosigned = copy.deepcopy(good)
    witness = Key("witness.example", bytes([7] * 32))
    cosigned["checkpoint"] += witness.sign("x\n").split("\n\n", 1)[1]
    c.run_cli(cosigned, kargs, True, "bundle with a witness signature line")

    def tampered(fn):
        b = copy.deepcopy(good)
        fn(b)
        return b

    def flip_leaf(b):
        leaf = bytearray(base64.b64decode(b["events"][1]["leaf_b64"]))
        leaf[0] ^= 1
        b["events"][1]["leaf_b64"] = base64.b64encode(bytes(leaf)).decode()

    def flip_leaf_consistently(b):
        flip_leaf(b)
        leaf = base64.b64decode(b["events"][1]["leaf_b64"])
        b["events"][1]["leaf_hash_hex"] = sha256(b"\x00" + leaf).hex()

    def flip_proof(b):
        h = bytearray.fromhex(b["events"][2]["inclusion_proof"][1])
        h[31] ^= 0x80
        b["events"][2]["inclusion_proof"][1] = h.hex()

    def resign_size(b):
        # A correctly signed checkpoint for another size: the proofs are for size 8.
        root = mth(leaves[:7])
        b["checkpoint"] = key.sign(f"{key.name}\n7\n{base64.b64encode(root).decode()}\n")
        b["tree_size"], b["root_hex"] = 7, root.hex()

    def edit_note_size(b):
        b["checkpoint"] = b["checkpoint"].replace("\n8\n", "\n9\n", 1)
        b["tree_size"] = 9

    cases = [
        ("tampered leaf", flip_leaf, "leaf_hash_hex"),
        ("tampered leaf with matching leaf hash", flip_leaf_consistently, "inclusion proof fails"),
        ("tampered proof", flip_proof, "inclusion proof fails"),
        ("wrong tree_size", lambda b: b.update(tree_size=7), "tree_size"),
        ("tree size edited in the signed note", edit_note_size, "does not verify"),
        ("re-signed at another size", resign_size, "inclusion proof fails"),
        ("wrong root_hex", lambda b: b.update(root_hex="00" * 32), "root_hex"),
        ("position moved", lambda b: b["events"][1].update(position=4), "inclusion proof fails"),
        ("positions not increasing",
         lambda b: b["events"].__setitem__(slice(0, 2), [b["events"][1], b["events"][0]]),
         "strictly increasing"),
        ("position beyond tree size", lambda b: b["events"][3].update(position=8), "tree size"),
        ("proof element too short",
         lambda b: b["events"][0]["inclusion_proof"].__setitem__(0, "ab"), "64 lowercase hex"),
        ("extra proof element",
         lambda b: b["events"][0]["inclusion_proof"].append("00" * 32), "longer than the path"),
        ("missing proof element", lambda b: b["events"][0]["inclusion_proof"].pop(), "shorter"),
        ("wrong format", lambda b: b.update(format="kasane-audit-bundle/2"), "format"),
        ("origin differs", lambda b: b.update(origin="elsewhere"), "origin"),
        ("bundle names another key", lambda b: b.update(verifier_key=other.vkey), "another verifier key"),
        ("signature stripped",
         lambda b: b.update(checkpoint=b["checkpoint"].split("\n\n")[0] + "\n\n"), "signature block"),
    ]
    for what, fn, msg in cases:
        c.run_cli(tampered(fn), kargs, False, what, msg)

    # Signed by another key that has the same name: the key id differs, so no signature of ours.
    forged = make_bundle(other, leaves, [0])
    forged["verifier_key"] = key.vkey  # claims to be for the auditor's key
    c.run_cli(forged, kargs, False, "signed by another key", "no signature by")
    # The auditor's key is another one than the bundle's.
    c.run_cli(good, ["--key", other.vkey], False, "wrong key", "another verifier key")
    bad_id = key.vkey.replace(key.kid.hex(), (int.from_bytes(key.kid, "big") ^ 1).to_bytes(4, "big").hex())
    c.run_cli(good, ["--key", bad_id], False, "key id mismatch", "key id")
    c.run_cli("{not json", kargs, False, "not JSON", "not JSON")
    c.run_cli('{"format": "kasane-audit-bundle/1", "format": "x"}', kargs, False, "duplicate member",
              "duplicate")

    print(f"{c.count - c.failures}/{c.count} checks passed")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
