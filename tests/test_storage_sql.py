"""Named parameters, bound to psycopg's style by a tokenizer that knows literals, quoted names,
comments and casts (storage/sql.py); SQLite's driver binds ``:name`` as written."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_infobip.core.journal import COLUMNS
from mock_infobip.storage.sql import StatementError, in_list, insert_statement, numbered, pyformat

BOTH_BACKENDS = True  # the tests of a ``database`` run on SQLite and on PostgreSQL (tests/conftest.py)


def test_named_parameters_become_pyformat_and_percent_is_doubled():
    found = pyformat("SELECT id FROM t WHERE a = :a AND b LIKE :pattern || '%' AND c = :a")
    assert found.text == "SELECT id FROM t WHERE a = %(a)s AND b LIKE %(pattern)s || '%%' AND c = %(a)s"
    assert found.names == {"a", "pattern"}


@pytest.mark.parametrize(
    ("sql", "text", "names"),
    [
        ("SELECT ':no' , :yes", "SELECT ':no' , %(yes)s", {"yes"}),
        ("SELECT 'it''s :no', :yes", "SELECT 'it''s :no', %(yes)s", {"yes"}),
        ('SELECT "odd:name" FROM t WHERE x = :x', 'SELECT "odd:name" FROM t WHERE x = %(x)s', {"x"}),
        ("SELECT :x::bigint", "SELECT %(x)s::bigint", {"x"}),
        ("SELECT 1 -- a :comment ? 5%\n, :y", "SELECT 1 -- a :comment ? 5%%\n, %(y)s", {"y"}),
        ("SELECT /* :c ? */ :z", "SELECT /* :c ? */ %(z)s", {"z"}),
        ("SELECT 'a?b'", "SELECT 'a?b'", set()),
        ("SELECT x FROM t WHERE t.a=:a_1", "SELECT x FROM t WHERE t.a=%(a_1)s", {"a_1"}),
        ("SELECT ':'", "SELECT ':'", set()),
        ("SELECT a : b", "SELECT a : b", set()),
    ],
)
def test_literals_quoted_names_comments_and_casts_are_text(sql, text, names):
    found = pyformat(sql)
    assert (found.text, found.names) == (text, names)


@pytest.mark.parametrize("sql", ["SELECT * FROM t WHERE a = ?", "SELECT 'open", "SELECT /* open"])
def test_a_positional_parameter_or_an_open_quote_is_refused(sql):
    with pytest.raises(StatementError):
        pyformat(sql)


text_in_literal = st.text(alphabet=st.sampled_from("ab:?%'\"-/*\n x_1"), max_size=30)


@given(st.lists(text_in_literal, min_size=1, max_size=4))
def test_a_statement_binds_the_same_on_sqlite_as_written_and_round_trips(literals):
    """Whatever the literals hold, SQLite reads the parameters as written, and the pyformat text
    gives the statement back (``%%`` -> ``%``, ``%(n)s`` -> ``:n``): nothing else was touched."""
    quoted = ["'" + text.replace("'", "''") + "'" for text in literals]
    sql = "SELECT " + ", ".join(f"{q}, :p{i}" for i, q in enumerate(quoted))
    params = {f"p{i}": i for i in range(len(literals))}
    row = sqlite3.connect(":memory:").execute(sql, params).fetchone()
    expected: list[object] = []
    for i, text in enumerate(literals):
        expected += [text, i]
    assert list(row) == expected
    found = pyformat(sql)
    assert found.names == set(params)
    back = re.sub(r"%\((\w+)\)s", r":\1", found.text).replace("%%", "%")
    assert back == sql


def test_in_list_matches_its_values_and_an_empty_one_nothing():
    assert in_list("k", []) == ("(NULL)", {})
    assert in_list("k", ["a", "b"]) == ("(:k_0, :k_1)", {"k_0": "a", "k_1": "b"})
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a, b)")
    conn.executemany("INSERT INTO t (a, b) VALUES (:a, :b)", [{"a": 1, "b": 2}, {"a": 3, "b": 4}])
    marks, keys = in_list("a", [1, 3, 5])
    assert conn.execute(f"SELECT count(*) FROM t WHERE a IN {marks}", keys).fetchone()[0] == 2
    none, _ = in_list("a", [])
    assert conn.execute(f"SELECT count(*) FROM t WHERE a IN {none}").fetchone()[0] == 0


@pytest.mark.parametrize("count", [0, 1, 450])  # 450 rows of 10 columns: 3 statements on PostgreSQL
def test_rows_inserted_at_once_are_all_there_in_order_or_none_in_a_write_undone(stores, count):
    store = stores()
    rows = [
        {column: f"{column} {i}" for column in COLUMNS} | {"at": i, "status": 200, "account_id": None}
        for i in range(count)
    ]
    store.insert_rows("journal", COLUMNS, rows)
    with store.read() as conn:
        found = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM journal ORDER BY id").fetchall()
    assert [dict(zip(COLUMNS, row, strict=True)) for row in found] == rows
    with pytest.raises(RuntimeError), store.write() as conn:
        store.insert_rows("journal", COLUMNS, rows + rows)
        raise RuntimeError("undone")
    with store.read() as conn:
        assert conn.execute("SELECT count(*) FROM journal").fetchone()[0] == count


def test_a_statement_of_many_rows_names_each_rows_parameters():
    assert insert_statement("t", ("a", "b")) == "INSERT INTO t (a, b) VALUES (:a, :b)"
    assert insert_statement("t", ("a", "b"), 2) == "INSERT INTO t (a, b) VALUES (:a_0, :b_0), (:a_1, :b_1)"
    rows = [{"a": 1, "b": 2}, {"a": 3, "b": 4}]
    assert numbered(("a", "b"), rows) == {"a_0": 1, "b_0": 2, "a_1": 3, "b_1": 4}
