"""Metadata tables: one builder, cells that cannot break a table."""

from dirbolt_dagster.markdown import cell, markdown_table


def test_a_table_has_a_header_a_rule_and_one_line_per_row():
    table = markdown_table(["directory", "status"], [("a", "submitted"), ("b", None)])
    assert table.splitlines() == ["| directory | status |", "|---|---|", "| a | submitted |", "| b |  |"]


def test_pipes_and_line_breaks_in_a_cell_stay_in_their_cell():
    table = markdown_table(["reason"], [("timeout | retry\nlater",)])
    assert table.splitlines()[2] == "| timeout / retry later |"
    assert cell("x" * 300, 160) == "x" * 160
