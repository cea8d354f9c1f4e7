"""`conduit.auth`'s RS256 check and key sets, below the HTTP path: encoded messages that only a
verifier which parses the decrypted block (instead of comparing all of it) would accept.

Each forged signature is made with the private key (raw RSA over a chosen encoded message), so
the signature itself is valid and only the message inside it is wrong.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from conduit.auth import MAX_SHIPPED_KEYS_BYTES, PublicKey, parse_key_set, shippable_key_set

MESSAGE = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqYWtlIn0"
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
SHA1_PREFIX = bytes.fromhex("3021300906052b0e03021a05000414")


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public(key: rsa.RSAPrivateKey) -> PublicKey:
    numbers = key.public_key().public_numbers()
    return PublicKey(numbers.n, numbers.e)


def raw_sign(key: rsa.RSAPrivateKey, encoded: bytes) -> bytes:
    """RSASP1 over an encoded message of our choosing."""
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    return pow(int.from_bytes(encoded, "big"), numbers.d, n).to_bytes(256, "big")


def encoded(digest_info: bytes, block_type: bytes = b"\x01", tail: bytes = b"") -> bytes:
    """EMSA-PKCS1-v1_5 for a 2048-bit key, with what follows the digest (`tail`) of our choosing."""
    pad = 256 - len(digest_info) - len(tail) - 3
    return b"\x00" + block_type + b"\xff" * pad + b"\x00" + digest_info + tail


def jwk(key: rsa.RSAPrivateKey, **members: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return document | members


def test_a_pkcs1_v1_5_signature_from_cryptography_verifies(key: rsa.RSAPrivateKey) -> None:
    signature = key.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())

    assert public(key).verifies(MESSAGE, signature)


def test_the_hand_built_encoded_message_is_the_one_cryptography_signs(key: rsa.RSAPrivateKey) -> None:
    # PKCS#1 v1.5 signing is deterministic: the same message gives the same signature.
    expected = raw_sign(key, encoded(SHA256_PREFIX + hashlib.sha256(MESSAGE).digest()))

    assert key.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256()) == expected


def test_a_signature_over_another_message_does_not_verify(key: rsa.RSAPrivateKey) -> None:
    signature = key.sign(MESSAGE + b"x", padding.PKCS1v15(), hashes.SHA256())

    assert not public(key).verifies(MESSAGE, signature)


def test_the_same_digest_under_another_hash_oid_does_not_verify(key: rsa.RSAPrivateKey) -> None:
    sha1_claim = SHA1_PREFIX + hashlib.sha256(MESSAGE).digest()[:20]

    assert not public(key).verifies(MESSAGE, raw_sign(key, encoded(sha1_claim)))


def test_garbage_after_the_digest_does_not_verify(key: rsa.RSAPrivateKey) -> None:
    # What a parsing verifier that stops after the digest would accept (Bleichenbacher 2006).
    forged = encoded(SHA256_PREFIX + hashlib.sha256(MESSAGE).digest(), tail=b"\x13" * 16)

    assert not public(key).verifies(MESSAGE, raw_sign(key, forged))


def test_padding_that_is_not_all_ff_does_not_verify(key: rsa.RSAPrivateKey) -> None:
    digest_info = SHA256_PREFIX + hashlib.sha256(MESSAGE).digest()
    forged = bytearray(encoded(digest_info))
    forged[100] = 0x00

    assert not public(key).verifies(MESSAGE, raw_sign(key, bytes(forged)))


def test_an_encryption_block_type_does_not_verify(key: rsa.RSAPrivateKey) -> None:
    digest_info = SHA256_PREFIX + hashlib.sha256(MESSAGE).digest()

    assert not public(key).verifies(MESSAGE, raw_sign(key, encoded(digest_info, block_type=b"\x02")))


def test_a_signature_of_the_wrong_length_does_not_verify(key: rsa.RSAPrivateKey) -> None:
    signature = key.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())

    assert not public(key).verifies(MESSAGE, b"\x00" + signature)
    assert not public(key).verifies(MESSAGE, signature[1:])


def test_a_signature_representative_not_below_the_modulus_does_not_verify() -> None:
    # s + n is the same residue as s: without the range check it would verify. It fits in 256
    # bytes for about 4 keys in 10, so keys are drawn until one leaves room (30 draws all
    # failing: under one in a million).
    for _ in range(30):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        signature = key.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())
        wrapped = int.from_bytes(signature, "big") + key.public_key().public_numbers().n
        if wrapped.bit_length() <= 2048:
            break
    assert wrapped.bit_length() <= 2048, "no key left room above its modulus"

    assert public(key).verifies(MESSAGE, signature)
    assert not public(key).verifies(MESSAGE, wrapped.to_bytes(256, "big"))


def test_a_key_set_keeps_only_rs256_signing_keys_by_key_id(key: rsa.RSAPrivateKey) -> None:
    ec = {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}
    document = {
        "keys": [
            jwk(key, kid="signing", alg="RS256", use="sig"),
            jwk(key, kid="no-alg"),
            jwk(key, kid="encryption", use="enc"),
            jwk(key, kid="pss", alg="PS256"),
            ec,
            jwk(key),  # no kid
        ]
    }

    assert sorted(parse_key_set(json.dumps(document))) == ["no-alg", "signing"]


def test_a_key_set_refuses_a_key_shorter_than_2048_bits() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)

    with pytest.raises(ValueError, match="not a usable RSA key"):
        parse_key_set(json.dumps({"keys": [jwk(small, kid="small")]}))


NOT_JWKS = ["", "[]", '{"keys": {}}', "{}", '{"keys": [{"kty": "RSA", "kid": "k"}]}']


@pytest.mark.parametrize("document", NOT_JWKS)
def test_a_document_that_is_not_a_jwks_is_refused(document: str) -> None:
    with pytest.raises(ValueError, match=r"JWKS|not base64url"):
        parse_key_set(document)


def test_the_shipped_key_set_is_compact_and_reads_back_as_the_same_keys(key: rsa.RSAPrivateKey) -> None:
    document = json.dumps({"keys": [jwk(key, kid="b", alg="RS256", use="sig"), jwk(key, kid="a")]}, indent=2)

    shipped = shippable_key_set(document)

    assert parse_key_set(shipped) == parse_key_set(document)
    assert " " not in shipped
    assert "use" not in shipped
    assert [k["kid"] for k in json.loads(shipped)["keys"]] == ["a", "b"]


def test_cognitos_two_keys_fit_the_environment_budget_with_room_to_spare(key: rsa.RSAPrivateKey) -> None:
    kids = [base64.b64encode(hashlib.sha256(bytes([n])).digest()).decode() for n in range(3)]
    shipped = shippable_key_set(json.dumps({"keys": [jwk(key, kid=kid) for kid in kids]}))

    assert len(shipped) < MAX_SHIPPED_KEYS_BYTES


def test_a_key_set_too_large_for_the_environment_is_refused(key: rsa.RSAPrivateKey) -> None:
    document = json.dumps({"keys": [jwk(key, kid=f"key-{n}") for n in range(6)]})

    with pytest.raises(ValueError, match="environment"):
        shippable_key_set(document)


def test_a_key_set_without_a_signing_key_is_refused(key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError, match="no RS256 signing key"):
        shippable_key_set(json.dumps({"keys": [jwk(key, kid="enc", use="enc")]}))
