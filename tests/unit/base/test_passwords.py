import statistics
import time

import pytest

from core.base import passwords
from core.base.errors import Invalid


@pytest.mark.parametrize(
    ("password", "key"),
    [
        ("short1", "error.password.too_short"),
        ("onlyletters", "error.password.letters_and_digits"),
        ("1234567890", "error.password.letters_and_digits"),
        ("wang.li2024x", "error.password.contains_username"),
        ("密码" * 12 + "a1", "error.password.too_long"),  # 74 bytes in UTF-8
        ("a1" * 37, "error.password.too_long"),
    ],
)
def test_policy_refuses_weak_and_overlong_passwords(password, key):
    with pytest.raises(Invalid) as refused:
        passwords.check_policy(password, username="wang.li")
    assert refused.value.key == key
    assert refused.value.field == "password"


def test_policy_accepts_a_reasonable_password_up_to_72_bytes():
    passwords.check_policy("Linli2026ok", username="wang.li")
    passwords.check_policy("a1" * 36, username="wang.li")  # exactly 72 bytes


def test_hash_and_verify():
    hashed = passwords.hash_password("Secret123")
    assert passwords.verify("Secret123", hashed)
    assert not passwords.verify("secret123", hashed)
    assert not passwords.verify("Secret123", None)


def test_one_time_passwords_pass_the_policy_and_differ():
    made = {passwords.one_time_password() for _ in range(20)}
    assert len(made) == 20
    for each in made:
        passwords.check_policy(each)


def test_unknown_user_costs_as_much_as_a_wrong_password(monkeypatch):
    """Verifying against the dummy hash keeps the two refusals within 2x of each other."""
    monkeypatch.setattr(passwords, "ROUNDS", 10)
    real = passwords.hash_password("Secret123")

    def median_seconds(password_hash):
        samples = []
        for _ in range(7):
            start = time.perf_counter()
            passwords.verify("wrong-guess1", password_hash)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    passwords.verify("warm-up1", None)
    wrong_password, unknown_user = median_seconds(real), median_seconds(None)
    ratio = max(wrong_password, unknown_user) / min(wrong_password, unknown_user)
    assert ratio < 2, f"wrong password {wrong_password:.4f}s vs unknown user {unknown_user:.4f}s"
