"""Hints on demand: one rung of a task's ladder per call in the notebook, the whole ladder on
the command line, for every graded task."""

import subprocess
import sys

import pytest

from grading import tasks
from grading.student import hint


@pytest.fixture(autouse=True)
def fresh_kernel(monkeypatch):
    # Each test starts as a new kernel would: no hint shown yet.
    monkeypatch.setattr(hint, "_shown", {})


def test_every_graded_task_has_a_ladder_of_several_hints():
    assert set(hint.LADDERS) == set(tasks.TASKS)
    assert all(len(ladder) >= 3 for ladder in hint.LADDERS.values())


def test_each_call_shows_the_next_hint_then_stays_on_the_last():
    ladder = hint.ladder("gradient_check")
    shown = [" ".join(hint.next_hint("gradient_check").split()) for _ in range(len(ladder) + 1)]
    for rung, text in enumerate(ladder):
        assert shown[rung].startswith(f"gradient_check, hint {rung + 1} of {len(ladder)}: "
                                      f"{' '.join(text.split())}")
    assert "last hint" in shown[-2] and shown[-1] == shown[-2]
    assert "last hint" not in shown[0]


def test_each_task_keeps_its_own_place_on_its_ladder():
    hint.next_hint("softmax_naive")
    hint.next_hint("softmax_naive")
    assert hint.next_hint("least_squares").startswith("least_squares, hint 1 of")
    assert hint.next_hint("softmax_naive").startswith("softmax_naive, hint 3 of")


def test_hint_prints_below_the_cell(capsys):
    hint.hint("train_grid")
    assert capsys.readouterr().out.startswith("train_grid, hint 1 of 4: ")


def test_an_unknown_task_is_refused_naming_the_tasks():
    with pytest.raises(ValueError, match=r"^task must be one of softmax_naive, .*got 'softmax'"):
        hint.hint("softmax")


def test_the_command_prints_the_whole_ladder_numbered():
    done = subprocess.run([sys.executable, "-m", "grading.hint", "linear_classifier"],
                          cwd=tasks.BUNDLE, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    ladder = hint.ladder("linear_classifier")
    numbered = [line for line in done.stdout.splitlines() if line[:1].isdigit()]
    assert [line.split(".")[0] for line in numbered] == [str(n) for n in range(1, len(ladder) + 1)]
    assert " ".join(done.stdout.split()) == " ".join(
        f"{n}. {text}" for n, text in enumerate(ladder, 1)).replace("  ", " ")


def test_the_command_refuses_an_unknown_task():
    done = subprocess.run([sys.executable, "-m", "grading.hint", "nope"], cwd=tasks.BUNDLE,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "invalid choice: 'nope'" in done.stderr
