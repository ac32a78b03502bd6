"""Passwords are stored as argon2id hashes with strong parameters, never in clear."""

from argon2 import Type, extract_parameters

from app.auth.passwords import hash_password, password_problem, verify_password


def test_hashes_are_argon2id_with_strong_parameters() -> None:
    stored = hash_password("a long enough secret")
    params = extract_parameters(stored)
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * 1024  # OWASP's floor for argon2id, in KiB
    assert params.time_cost >= 2
    assert "a long enough secret" not in stored


def test_verify_accepts_only_the_right_password() -> None:
    stored = hash_password("a long enough secret")
    assert verify_password(stored, "a long enough secret")
    assert not verify_password(stored, "a long enough secreT")
    assert not verify_password(None, "a long enough secret")
    assert not verify_password("not a hash", "a long enough secret")


def test_password_rules() -> None:
    assert password_problem("short") is not None
    assert password_problem("x" * 201) is not None
    assert password_problem("me@example.com", email="ME@example.com") is not None
    assert password_problem("a long enough secret", email="me@example.com") is None
