"""Figures that checkers measure (pages crawled, violations, untranslated strings), printed
at the end of every pytest run by `pytest_terminal_summary` in tests/conftest.py, so that
`bin/test` shows them whatever pytest captures."""

FIGURES: list[str] = []


def figure_record(line: str) -> None:
    FIGURES.append(line)
    print(line)
