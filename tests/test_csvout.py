"""The column-wise CSV writer gives the bytes of pandas' `to_csv` (QUOTE_MINIMAL), whatever the text holds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convert.write.csv_out import csv_bytes, write_csv

PIECES = [*'ab ;,"\r\n\tæø=\'\u2028', "xxxxx"]
TEXT = st.one_of(st.none(), st.lists(st.sampled_from(PIECES), max_size=8).map("".join))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, st.integers(-10**12, 10**12)), max_size=20),
       st.sampled_from([(",", "\n"), (";", "\r\n")]))
def test_same_bytes_as_to_csv(rows: list[tuple[str | None, str | None, int]], dialect: tuple[str, str]) -> None:
    sep, terminator = dialect
    frame = pd.DataFrame({"a": pd.array([r[0] for r in rows], dtype="string"),
                          "b;\"c\"": pd.Series([r[1] for r in rows], dtype=object),
                          "n": pd.array([r[2] for r in rows], dtype="int64")})
    expected = frame.to_csv(index=False, sep=sep, lineterminator=terminator).encode("utf-8")
    assert csv_bytes(frame, sep=sep, lineterminator=terminator) == expected


def test_write_csv_encodings_and_refuses_floats(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Sagsnr.": ["S-1", "S-2"], "Lukkenotat": ["Sagen er lukket; KP", "Æ"]})
    write_csv(frame, tmp_path / "n.csv", sep=";", encoding="utf-8-sig", lineterminator="\r\n")
    assert (tmp_path / "n.csv").read_bytes() == b"\xef\xbb\xbf" + frame.to_csv(
        index=False, sep=";", lineterminator="\r\n").encode("utf-8")
    with pytest.raises(TypeError, match="only text and integers"):
        csv_bytes(pd.DataFrame({"x": [1.5], "y": ["a"]}))


def test_a_frame_put_together_by_concat_is_written_whole() -> None:  # pyarrow then holds it in chunks
    part = pd.DataFrame({"a": pd.array(["x,y", "z"], dtype="string"), "n": pd.array([1, 2], dtype="int64")})
    frame = pd.concat([part, part, part.iloc[:0]], ignore_index=True)
    assert csv_bytes(frame) == frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
