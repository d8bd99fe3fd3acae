"""The vectorised CSV splitter gives exactly what the csv module gives: the same records, the same start lines.

`split_records_csv` (the csv module over the whole text) is the reference; hypothesis throws quoted fields with
delimiters, doubled quotes and line breaks, blank and whitespace-only lines, mixed line endings and stray quotes
at both, and the two must agree record for record, or fail at the same line with the same error.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from convert.read.records import BrokenCsv, split_records, split_records_csv

PIECES = ["a", "æø", "12,50", " ", "\t", ";", ",", '"', '""', '"x;y"', '"line\nbreak"', '"cr\r\nlf"', "\r\n", "\n",
          "\r", ";;", "\u00a0", "=1+1", '5" skærm']


def _outcome(split, text: str, delimiter: str):  # type: ignore[no-untyped-def]
    try:
        records = split(text, delimiter)
    except BrokenCsv as exc:
        return ("broken", exc.line, str(exc))
    return (records.fields.to_pylist(), records.starts.tolist())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.sampled_from([";", ","]))
def test_fast_split_equals_the_csv_module(pieces: list[str], delimiter: str) -> None:
    text = "".join(pieces)
    assert _outcome(split_records, text, delimiter) == _outcome(split_records_csv, text, delimiter)


def test_quoted_record_over_three_lines_keeps_its_start_line_and_the_next_records_theirs() -> None:
    text = 'Sagsnr.;Titel\r\nS-1;"Fod-\r\nbehandling;\nny"\r\n\r\n;;\r\nS-2;Briller\rS-3;"a""b"\n'
    records = split_records(text, ";")
    assert records.fields.to_pylist() == [["Sagsnr.", "Titel"], ["S-1", "Fod-\r\nbehandling;\nny"],
                                          ["S-2", "Briller"], ["S-3", 'a"b']]
    assert records.starts.tolist() == [1, 2, 7, 8]  # line 5 is blank, line 6 holds only separators


def test_unclosed_quote_names_the_line_where_the_record_starts() -> None:
    text = "a;b\r\n1;2\r\n3;\"never closed\r\n4;5\r\n"
    for split in (split_records, split_records_csv):
        try:
            split(text, ";")
        except BrokenCsv as exc:
            assert exc.line == 3 and "unexpected end of data" in str(exc)
        else:
            raise AssertionError("no error")


def test_line_breaks_the_csv_module_does_not_know_go_the_reference_way() -> None:
    text = "a;b\r\n1;x\x0by\r\n2;\x1cz\r\n"  # \x0b and \x1c would split lines for str.splitlines
    assert split_records(text, ";").fields.to_pylist() == [["a", "b"], ["1", "x\x0by"], ["2", "\x1cz"]]
