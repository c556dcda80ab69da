"""The login states' secret is the same for every worker and process of an instance:
derived from the key-encryption secret when there is one, else kept in the instance folder."""
from __future__ import annotations

import stat
import subprocess
import sys

import pytest

from adapter.config import Settings
from adapter.persistence.instance_secrets import INSTANCE_SECRET_FILE, login_state_secret

KEK = "a-key-encryption-secret-of-enough-length-0123456789"


def settings(tmp_path, kek: str = "") -> Settings:
    return Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path / "instance"),
                              "COACHBRIDGE_KEY_ENCRYPTION_KEY": kek})


def test_without_a_key_encryption_secret_every_process_reads_the_one_kept_in_the_instance(tmp_path):
    first = login_state_secret(settings(tmp_path))
    assert len(first) == 32 and login_state_secret(settings(tmp_path)) == first
    kept = tmp_path / "instance" / INSTANCE_SECRET_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert [p.name for p in kept.parent.iterdir()] == [INSTANCE_SECRET_FILE]  # nothing left aside
    other_process = subprocess.run(
        [sys.executable, "-c", "import sys; from adapter.config import Settings; "
         "from adapter.persistence.instance_secrets import login_state_secret; "
         "sys.stdout.write(login_state_secret(Settings.from_env({'COACHBRIDGE_INSTANCE': sys.argv[1]})).hex())",
         str(tmp_path / "instance")], capture_output=True, text=True, check=True)
    assert other_process.stdout == first.hex()
    assert login_state_secret(settings(tmp_path / "elsewhere")) != first  # another instance


def test_with_a_key_encryption_secret_it_is_derived_from_it_on_every_machine(tmp_path):
    derived = login_state_secret(settings(tmp_path, KEK))
    assert derived == login_state_secret(settings(tmp_path / "another-machine", KEK))
    assert derived != login_state_secret(settings(tmp_path, KEK + "x"))
    assert KEK.encode() not in derived and not (tmp_path / "instance" / INSTANCE_SECRET_FILE).exists()


def test_a_kept_secret_too_short_to_be_one_is_refused(tmp_path):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / INSTANCE_SECRET_FILE).write_text("\n")
    with pytest.raises(RuntimeError, match="holds no usable secret"):
        login_state_secret(settings(tmp_path))
