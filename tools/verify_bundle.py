#!/usr/bin/env python3
"""Independent verifier for kasane audit bundles (docs/audit-bundle.md, kasane-audit-bundle/1).

Written from docs/audit-bundle.md, RFC 9162 section 2.1.3 and the C2SP signed-note and
tlog-checkpoint specifications; it shares no code with kasane. Needs Python 3 and PyNaCl
(Debian package python3-nacl) for Ed25519.

Usage:
  python3 tools/verify_bundle.py BUNDLE.json --key VERIFIER_KEY
  python3 tools/verify_bundle.py BUNDLE.json --key-file FILE

Exit status: 0 if the bundle verifies (a one-line summary on stdout), 1 with a message on stderr
naming the first check that failed, 2 on usage errors.
"""

import argparse
import base64
import binascii
import hashlib
import json
import sys

FORMAT = "kasane-audit-bundle/1"
SIG_PREFIX = "\u2014 "  # em dash, space
ALG_ED25519 = 0x01
MAX_U64 = (1 << 64) - 1


class VerifyError(Exception):
    """A check failed; the message says which."""


def _load_nacl():
    try:
        import nacl.exceptions
        import nacl.signing
    except ImportError:
        # A pyenv/venv python may not see Debian's python3-nacl; try its location.
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            import nacl.exceptions
            import nacl.signing
        except ImportError:
            raise VerifyError("PyNaCl is required (Debian: apt-get install python3-nacl)")
    return nacl.signing, nacl.exceptions


def sha256(data):
    return hashlib.sha256(data).digest()


def b64decode_strict(text, what):
    """Standard alphabet, padded, canonical; nothing else."""
    if not isinstance(text, str):
        raise VerifyError(f"{what}: not a string")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise VerifyError(f"{what}: not standard padded base64")
    if base64.b64encode(raw).decode("ascii") != text:
        raise VerifyError(f"{what}: not canonical base64")
    return raw


def hex32(text, what):
    if not isinstance(text, str) or len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise VerifyError(f"{what}: want 64 lowercase hex digits, got {text!r:.80}")
    return bytes.fromhex(text)


def is_key_name(name):
    # Non-empty, no '+', no Unicode white space (Python's str.isspace covers the Unicode set).
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name, pk):
    return int.from_bytes(sha256(name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + pk)[:4], "big")


# --- Step 1: the verifier key -------------------------------------------------------------

def parse_verifier_key(vkey):
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise VerifyError("key: want <name>+<hex key id>+<base64 key>")
    name, id_hex, key64 = parts
    if not is_key_name(name):
        raise VerifyError(f"key: invalid key name {name!r}")
    if len(id_hex) != 8 or any(c not in "0123456789abcdefABCDEF" for c in id_hex):
        raise VerifyError("key: key id is not eight hex digits")
    raw = b64decode_strict(key64, "key")
    if len(raw) < 1 or raw[0] != ALG_ED25519:
        raise VerifyError("key: not an Ed25519 (type 0x01) key")
    if len(raw) != 33:
        raise VerifyError("key: Ed25519 public key is not 32 bytes")
    pk = raw[1:]
    if key_id(name, pk) != int(id_hex, 16):
        raise VerifyError("key: key id does not match the name and public key")
    return name, int(id_hex, 16), pk


# --- Step 3: the signed note --------------------------------------------------------------

def open_note(note, name, kid, pk):
    """Returns the signed text if the note carries a valid signature by (name, kid, pk)."""
    signing, exceptions = _load_nacl()
    if not isinstance(note, str):
        raise VerifyError("note: checkpoint is not a string")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise VerifyError("note: control character")
    try:
        data = note.encode("utf-8")
    except UnicodeEncodeError:
        raise VerifyError("note: not valid UTF-8")
    split = data.rfind(b"\n\n")
    if split < 0:
        raise VerifyError("note: no blank line before the signatures")
    text, block = data[: split + 1], data[split + 2 :]
    if not block or not block.endswith(b"\n"):
        raise VerifyError("note: signature block is empty or does not end in a newline")
    ours = None
    for line in block[:-1].split(b"\n"):
        line = line.decode("utf-8")
        if not line.startswith(SIG_PREFIX):
            raise VerifyError(f"note: signature line does not start with an em dash: {line!r:.80}")
        fields = line[len(SIG_PREFIX) :].split(" ", 1)
        if len(fields) != 2 or not is_key_name(fields[0]) or not fields[1]:
            raise VerifyError(f"note: malformed signature line {line!r:.80}")
        sig = b64decode_strict(fields[1], "note signature")
        if len(sig) < 5:
            raise VerifyError("note: signature shorter than 5 bytes")
        if fields[0] == name and int.from_bytes(sig[:4], "big") == kid and ours is None:
            ours = sig[4:]
    if ours is None:
        raise VerifyError(f"note: no signature by the key {name}+{kid:08x}")
    if len(ours) != 64:
        raise VerifyError("note: the key's signature is not 64 bytes")
    try:
        signing.VerifyKey(pk).verify(text, ours)
    except exceptions.BadSignatureError:
        raise VerifyError("note: the checkpoint signature does not verify with the key")
    return text.decode("utf-8")


# --- Step 4: the checkpoint ---------------------------------------------------------------

def parse_checkpoint(text):
    if not text.endswith("\n"):
        raise VerifyError("checkpoint: text does not end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise VerifyError("checkpoint: fewer than three lines")
    origin, size_text, root64 = lines[0], lines[1], lines[2]
    if not origin:
        raise VerifyError("checkpoint: empty origin")
    if (not size_text or any(c not in "0123456789" for c in size_text)
            or (len(size_text) > 1 and size_text[0] == "0") or int(size_text) > MAX_U64):
        raise VerifyError(f"checkpoint: tree size {size_text!r:.40} is not a canonical uint64")
    root = b64decode_strict(root64, "checkpoint root")
    if len(root) != 32:
        raise VerifyError("checkpoint: root hash is not 32 bytes")
    if any(not ext for ext in lines[3:]):
        raise VerifyError("checkpoint: empty extension line")
    return origin, int(size_text), root


# --- Step 6: RFC 9162 section 2.1.3.2 -----------------------------------------------------

def verify_inclusion(leaf_index, tree_size, leaf_hash, proof, root):
    """RFC 9162 2.1.3.2. Returns None on success, else a reason string."""
    if leaf_index >= tree_size:
        return f"leaf index {leaf_index} is not below tree size {tree_size}"
    if len(leaf_hash) != 32 or any(len(p) != 32 for p in proof):
        return "a hash is not 32 bytes"
    fn, sn, r = leaf_index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return "proof is longer than the path"
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return "proof is shorter than the path"
    if r != root:
        return "recomputed root differs from the checkpoint root"
    return None


# --- The whole bundle ---------------------------------------------------------------------

def _unique_keys(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise VerifyError(f"bundle: duplicate member {k!r}")
        obj[k] = v
    return obj


def _is_uint(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_U64


def verify_bundle(bundle_text, vkey):
    """Returns a summary string, or raises VerifyError at the first failed check."""
    name, kid, pk = parse_verifier_key(vkey.strip())
    try:
        bundle = json.loads(bundle_text, object_pairs_hook=_unique_keys)
    except ValueError as e:
        raise VerifyError(f"bundle: not JSON: {e}")
    if not isinstance(bundle, dict):
        raise VerifyError("bundle: not a JSON object")
    if bundle.get("format") != FORMAT:
        raise VerifyError(f"bundle: format is {bundle.get('format')!r}, want {FORMAT!r}")
    for member in ("origin", "checkpoint", "verifier_key", "root_hex"):
        if not isinstance(bundle.get(member), str):
            raise VerifyError(f"bundle: {member} missing or not a string")
    if not _is_uint(bundle.get("tree_size")):
        raise VerifyError("bundle: tree_size missing or not a non-negative integer")
    if "stream" not in bundle or not (bundle["stream"] is None or isinstance(bundle["stream"], str)):
        raise VerifyError("bundle: stream missing or neither a string nor null")
    events = bundle.get("events")
    if not isinstance(events, list):
        raise VerifyError("bundle: events missing or not an array")
    if bundle["verifier_key"] != vkey.strip():
        raise VerifyError("key: the bundle was made for another verifier key than the one given")

    text = open_note(bundle["checkpoint"], name, kid, pk)
    origin, size, root = parse_checkpoint(text)
    if origin != bundle["origin"]:
        raise VerifyError(f"checkpoint: origin {origin!r} differs from the bundle's {bundle['origin']!r}")
    if origin != name:
        raise VerifyError(f"checkpoint: origin {origin!r} is not the key name {name!r}")
    if bundle["tree_size"] != size:
        raise VerifyError(f"head: tree_size {bundle['tree_size']} differs from the checkpoint's {size}")
    if bundle["root_hex"] != root.hex():
        raise VerifyError("head: root_hex differs from the checkpoint's root")

    previous = -1
    for i, event in enumerate(events):
        where = f"event {i}"
        if not isinstance(event, dict):
            raise VerifyError(f"{where}: not an object")
        pos = event.get("position")
        if not _is_uint(pos):
            raise VerifyError(f"{where}: position missing or not a non-negative integer")
        where = f"event {i} (position {pos})"
        if pos <= previous:
            raise VerifyError(f"{where}: positions are not strictly increasing")
        if pos >= size:
            raise VerifyError(f"{where}: position is not below the tree size {size}")
        previous = pos
        leaf = b64decode_strict(event.get("leaf_b64"), f"{where}: leaf_b64")
        leaf_hash = sha256(b"\x00" + leaf)
        if hex32(event.get("leaf_hash_hex"), f"{where}: leaf_hash_hex") != leaf_hash:
            raise VerifyError(f"{where}: leaf_hash_hex is not SHA-256(0x00 || leaf)")
        proof_hex = event.get("inclusion_proof")
        if not isinstance(proof_hex, list):
            raise VerifyError(f"{where}: inclusion_proof missing or not an array")
        proof = [hex32(h, f"{where}: inclusion_proof[{j}]") for j, h in enumerate(proof_hex)]
        reason = verify_inclusion(pos, size, leaf_hash, proof, root)
        if reason is not None:
            raise VerifyError(f"{where}: inclusion proof fails: {reason}")

    stream = bundle["stream"] if bundle["stream"] is not None else "(whole log)"
    return (f"OK: {origin} tree_size={size} root={root.hex()} stream={stream}: "
            f"{len(events)} events verified")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Verify a kasane audit bundle offline.")
    parser.add_argument("bundle", help="the bundle JSON file ('-' for stdin)")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--key", help="the log's verifier key, obtained out of band")
    group.add_argument("--key-file", help="a file holding the verifier key")
    args = parser.parse_args(argv)
    try:
        if args.key_file:
            with open(args.key_file, encoding="utf-8") as f:
                vkey = f.read()
        else:
            vkey = args.key
        if args.bundle == "-":
            bundle_text = sys.stdin.read()
        else:
            with open(args.bundle, encoding="utf-8") as f:
                bundle_text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        print(f"FAIL: cannot read input: {e}", file=sys.stderr)
        return 1
    try:
        summary = verify_bundle(bundle_text, vkey)
    except VerifyError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
