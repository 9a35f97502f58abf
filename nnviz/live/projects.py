"""Whole projects: a training session to a :class:`~nnviz.io.project.Project` and back.

A project holds everything needed to continue bit-identically — the spec, the exact
training state (weights, optimizer, counters, random states), the weights "reset to start"
goes back to, the histories as drawn, the data settings and the run options — so the app
and ``nnviz train --project`` both continue a run as if it had never stopped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nnviz.data import DataConfig, DatasetError, prepare
from nnviz.engine.state import TrainingState
from nnviz.io.project import Project, ProjectError
from nnviz.live.runs import run_from_record, run_to_record
from nnviz.live.series import DecimatedSeries
from nnviz.live.session import SERIES_NAMES, TrainingSession, check_fits

SERIES_PREFIX = "series/"


def project_from_session(
    session: TrainingSession, settings: Mapping[str, Any] | None = None
) -> Project:
    """Everything ``session`` holds, as a project (copies: training may go on)."""
    state = session.trainer.get_state()
    arrays = dict(state.arrays)
    values = dict(state.values)
    values["session/smoothed_loss"] = session.smoothed_loss
    for name, series in session.series.items():
        for field, value in series.get_state().items():
            key = f"{SERIES_PREFIX}{name}/{field}"
            if isinstance(value, np.ndarray):
                arrays[key] = value
            else:
                values[key] = value
    history: dict[str, np.ndarray] = {}
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        history["epoch"], history[key] = (np.asarray(a) for a in session.series[key].view())
    history["step"], history["step_loss"] = (
        np.asarray(a) for a in session.series["step_loss"].view()
    )
    weights = tuple(session.model.get_weights())
    return Project(
        spec=session.spec,
        weights=weights,
        initial_weights=tuple(session.initial_weights),
        history=history,
        data=session.data.config.to_dict(),
        settings=dict(settings or {}),
        state_arrays=arrays,
        state_values=values,
        runs=tuple(run_to_record(run) for run in session.runs.runs),
    )


def session_from_project(project: Project, source: str = "the project") -> TrainingSession:
    """A session that continues ``project`` exactly. Raises :class:`ProjectError` naming
    ``source`` when its data cannot be made or its state does not fit; builds everything
    before returning, so a failure changes nothing anywhere."""
    try:
        config = DataConfig.from_dict(dict(project.data))
        data = prepare(config)
    except DatasetError as exc:
        raise ProjectError(f"{source}: its data cannot be loaded ({exc})") from exc
    spec = project.spec
    try:
        check_fits(spec, data)
        session = TrainingSession(spec, data)
    except ValueError as exc:
        raise ProjectError(f"{source}: its network does not fit its data ({exc})") from exc
    initial = list(project.initial_weights or project.weights or session.initial_weights)
    arrays = {k: v for k, v in project.state_arrays.items() if not k.startswith(SERIES_PREFIX)}
    values = {k: v for k, v in project.state_values.items() if not k.startswith(SERIES_PREFIX)}
    try:
        if arrays:
            values.pop("session/smoothed_loss", None)
            session.load(TrainingState(spec, arrays, values), initial)
            session.restore_series(
                _series_states(project.state_arrays, project.state_values),
                project.state_values.get("session/smoothed_loss"),
            )
        elif project.weights is not None:
            session.start_from(list(project.weights), initial)
    except ValueError as exc:
        raise ProjectError(f"{source}: its training state is damaged ({exc})") from exc
    try:
        session.runs.extend(tuple(run_from_record(record) for record in project.runs))
    except ValueError as exc:
        raise ProjectError(f"{source}: a kept run is damaged ({exc})") from exc
    return session


def _series_states(
    arrays: Mapping[str, np.ndarray], values: Mapping[str, Any]
) -> dict[str, DecimatedSeries]:
    """The saved histories, each rebuilt (and checked) by :class:`DecimatedSeries`."""
    fields: dict[str, dict[str, Any]] = {name: {} for name in SERIES_NAMES}
    for source in (arrays, values):
        for key, value in source.items():
            if not key.startswith(SERIES_PREFIX):
                continue
            name, _, field = key[len(SERIES_PREFIX) :].partition("/")
            if name not in fields or not field:
                raise ValueError(f"unknown history entry {key!r}")
            fields[name][field] = value
    return {name: DecimatedSeries.from_state(state) for name, state in fields.items() if state}
