"""The owner's file's description and starters: once per version of the file, the newest two versions kept."""

from __future__ import annotations

import os
from pathlib import Path

from sandbox.owner_file_memo import OwnerFileMemo


def test_one_value_per_version_of_the_file_and_only_the_newest_two_kept(tmp_path: Path) -> None:
    source = tmp_path / "owner.parquet"
    memo: OwnerFileMemo[str] = OwnerFileMemo()
    computed: list[int] = []
    for version in range(5):
        source.write_bytes(b"x" * (version + 1))  # another size: another version
        os.utime(source, (1_000 + version, 1_000 + version))
        for _ in range(3):  # asked by three sessions: computed once
            assert memo.get(source, lambda v=version: computed.append(v) or f"described {v}") == f"described {version}"
    assert computed == [0, 1, 2, 3, 4] and len(memo) == 2  # bounded, whatever the owner does to the file
