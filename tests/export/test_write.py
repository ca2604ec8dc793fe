"""Atomic writes: a reader sees the old file or the new one, and no temporary file stays."""

from pathlib import Path

import pytest

from stixhub.export import OutputError, write_atomic, write_tree


class TestWrite:
    """write_atomic and write_tree."""

    def test_replaces_in_one_step(self, tmp_path: Path) -> None:
        """The new content replaces the old under the same name; an open reader keeps the old."""
        path = tmp_path / "feed.intel"
        path.write_bytes(b"old\n")
        with path.open("rb") as reader:
            write_atomic(path, b"new\n")
            assert reader.read() == b"old\n"
        assert path.read_bytes() == b"new\n"
        assert [p.name for p in tmp_path.iterdir()] == ["feed.intel"]

    def test_tree_writes_lists_before_rules(self, tmp_path: Path) -> None:
        """Every file lands under the root; dataset lists are written before the rules."""
        written = write_tree(tmp_path / "out", {"stixhub.rules": b"r", "datasets/a.lst": b"a"})
        assert [p.relative_to(tmp_path / "out").as_posix() for p in written] == [
            "datasets/a.lst",
            "stixhub.rules",
        ]
        assert (tmp_path / "out/datasets/a.lst").read_bytes() == b"a"

    def test_tree_refuses_a_file_as_root(self, tmp_path: Path) -> None:
        """A file where a directory is expected is an OutputError."""
        (tmp_path / "f").write_text("x")
        with pytest.raises(OutputError, match="not a directory"):
            write_tree(tmp_path / "f", {"a": b"a"})

    def test_parent_is_a_file(self, tmp_path: Path) -> None:
        """A parent that is a file is an OutputError, not a traceback."""
        (tmp_path / "f").write_text("x")
        with pytest.raises(OutputError, match="cannot write in"):
            write_atomic(tmp_path / "f" / "feed.csv", b"new")

    def test_failed_replace_leaves_no_temporary_file(self, tmp_path: Path) -> None:
        """When the rename fails (the name is a directory) nothing is left behind."""
        (tmp_path / "feed.csv").mkdir()
        with pytest.raises(OutputError, match="cannot write"):
            write_atomic(tmp_path / "feed.csv", b"new")
        assert [p.name for p in tmp_path.iterdir()] == ["feed.csv"]
