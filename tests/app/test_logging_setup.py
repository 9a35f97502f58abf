"""Exceptions are logged with their tracebacks: the log file, the worker's catch-all
handlers and the GUI's hook for exceptions nobody caught."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nnviz.app.logging_setup import LOG_FILE, UnhandledExceptionHook, logger, setup_logging
from nnviz.app.worker import TrainingWorker
from nnviz.data import prepare
from nnviz.live import presets
from nnviz.live.session import TrainingSession
from nnviz.live.workspace import Edit


@pytest.fixture
def log_file(log_dir: Path) -> Iterator[Path]:
    path = setup_logging()
    yield path
    for handler in list(logger.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            logger.removeHandler(handler)
            handler.close()


def test_the_log_is_a_rotating_file_in_the_folder_the_variable_names(log_dir, log_file):
    assert log_file == log_dir / LOG_FILE
    assert setup_logging() == log_file  # once only
    assert sum(isinstance(h, logging.handlers.RotatingFileHandler) for h in logger.handlers) == 1
    logging.getLogger("nnviz.app.somewhere").warning("hello from a module")
    assert "hello from a module" in log_file.read_text()


def test_a_failing_worker_command_logs_its_traceback_and_sends_a_short_message(qtbot, log_file):
    config = presets.data_config()
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    worker = TrainingWorker(TrainingSession(spec, data))
    messages: list[tuple[int, str]] = []
    worker.editFailed.connect(lambda key, text: messages.append((key, text)))
    worker.apply_edit(7, Edit(parameters=((99, "W", (0, 0), 1.0),)))
    worker._drain_commands()  # what the loop does between two steps
    assert messages == [(7, "there is no dense layer 99")]
    text = log_file.read_text()
    assert "Traceback (most recent call last)" in text and "there is no dense layer 99" in text
    assert "session.py" in text  # where it was raised


def test_an_unhandled_exception_is_logged_and_shown(qtbot, log_file):
    hook = UnhandledExceptionHook()
    for _ in range(2):
        try:
            raise KeyError("lost")
        except KeyError:
            hook(*sys.exc_info())
    text = log_file.read_text()
    assert text.count("Unhandled exception") == 2 and "KeyError: 'lost'" in text
    assert hook.box is not None and hook.box.isVisible()
    assert "KeyError" in hook.box.text() and "2 errors" in hook.box.text()
    assert str(log_file) in hook.box.informativeText()
    hook.box.done(0)
    assert hook.box is None
