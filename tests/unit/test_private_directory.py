"""The PostgreSQL fallback folder: made private, or refused; a planted link is never followed."""

from __future__ import annotations

import os
import stat

import pytest

from infra.postgres.server import PostgresError, private_directory

UID, GID = os.getuid(), os.getgid()


def test_a_missing_directory_is_created_private(tmp_path):
    made = private_directory(tmp_path / "pg", UID, GID)
    info = os.lstat(made)
    assert stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700
    assert info.st_uid == UID


def test_an_existing_private_directory_is_used_again(tmp_path):
    first = private_directory(tmp_path / "pg", UID, GID)
    (first / "PG_VERSION").write_text("16")
    assert private_directory(tmp_path / "pg", UID, GID) == first
    assert (first / "PG_VERSION").read_text() == "16"


def test_a_planted_symlink_is_refused_and_its_target_left_alone(tmp_path):
    target = tmp_path / "victim"
    target.mkdir(mode=0o755)
    target.chmod(0o755)
    (tmp_path / "pg").symlink_to(target)
    with pytest.raises(PostgresError, match="not a private directory"):
        private_directory(tmp_path / "pg", UID, GID)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o755
    assert (tmp_path / "pg").is_symlink()


def test_a_directory_open_to_others_is_refused(tmp_path):
    (tmp_path / "pg").mkdir()
    (tmp_path / "pg").chmod(0o755)
    with pytest.raises(PostgresError, match="open to others"):
        private_directory(tmp_path / "pg", UID, GID)


def test_a_directory_of_another_owner_is_refused(tmp_path):
    (tmp_path / "pg").mkdir(mode=0o700)
    with pytest.raises(PostgresError, match="another"):
        private_directory(tmp_path / "pg", UID + 4242, GID)
