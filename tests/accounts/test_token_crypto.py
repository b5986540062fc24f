import pytest
from cryptography.fernet import Fernet

from accounts import token_crypto


def test_round_trip_is_bound_to_its_binding():
    ciphertext = token_crypto.encrypt("1000.secret-token", binding="row-a|refresh")
    assert "1000.secret-token" not in ciphertext
    assert token_crypto.decrypt(ciphertext, binding="row-a|refresh") == "1000.secret-token"
    with pytest.raises(token_crypto.TokenDecryptionError):
        token_crypto.decrypt(ciphertext, binding="row-b|refresh")
    with pytest.raises(token_crypto.TokenDecryptionError):
        token_crypto.decrypt(ciphertext, binding="row-a|access")


def test_wrong_key_fails_closed_with_a_clear_message(settings):
    ciphertext = token_crypto.encrypt("1000.secret-token", binding="b")
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(token_crypto.TokenDecryptionError, match="TOKEN_ENCRYPTION_KEYS"):
        token_crypto.decrypt(ciphertext, binding="b")


def test_rotation_moves_ciphertext_to_the_newest_key(settings):
    old_key = settings.TOKEN_ENCRYPTION_KEYS[0]
    ciphertext = token_crypto.encrypt("tok", binding="b")
    new_key = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    rotated = token_crypto.rotate(ciphertext)
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]  # the old key can now go
    assert token_crypto.decrypt(rotated, binding="b") == "tok"
    with pytest.raises(token_crypto.TokenDecryptionError):
        token_crypto.decrypt(ciphertext, binding="b")
