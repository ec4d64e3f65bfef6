"""Mediation benchmarks: the case list and the statistics page at 20,000 cases vs 200."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from core.base import audit
from core.mediation import service as mediations
from db.engine import write_session
from db.models import Agreement, CaseStateChange, DisputeType, MediationCase
from tests.bench.apps import logged_in_app
from tests.bench.residents import _fresh_database


def _fill_cases(engine, world, count: int) -> None:  # noqa: ANN001
    """Synthetic cases written in bulk (the bench measures reading them, not registering them)."""
    rng = random.Random(count)
    today = date.today()
    with write_session(engine) as session:
        kinds = list(session.scalars(select(DisputeType.id)))
        worker = world.actors["worker"]
        rows, agreements, failures = [], [], []
        for index in range(count):
            intake = today - timedelta(days=rng.randint(0, 700))
            state = rng.choice(mediations.STATES)
            rows.append({"id": index + 1, "number": f"{intake.year}-{index + 1:05d}", "year": intake.year,
                         "intake_date": intake, "source": rng.choice(mediations.SOURCES), "type_id": rng.choice(kinds),
                         "grid_id": rng.choice(world.grid_ids), "mediator_id": worker.id, "facts": "邻里纠纷",
                         "state": state, "amount_claimed_fen": 0, "due_date": mediations.add_months(intake, 1),
                         "extended": False, "concluded_on": intake + timedelta(days=10) if state not in (
                             "received", "in_mediation", "withdrawn", "referred") else None,
                         "created_by": worker.id, "created_at": datetime.now(), "updated_at": datetime.now(),
                         "version": 1})
            if state == "failed":  # statistics count failures from these rows
                failures.append({"case_id": index + 1, "at": datetime.combine(intake + timedelta(days=10),
                                                                              datetime.min.time()),
                                 "actor_id": worker.id, "actor_username": worker.username, "from_state": "in_mediation",
                                 "to_state": "failed", "note": "分歧过大", "details": '{"routes_explained": true}'})
            if state in ("agreed", "followed_up", "closed"):
                agreements.append({"case_id": index + 1, "agreed_on": intake + timedelta(days=10), "written": True,
                                   "terms": "协议", "amount_fen": rng.choice((0, 50000)), "created_at": datetime.now()})
        session.execute(insert(MediationCase), rows)
        session.execute(insert(Agreement), agreements)
        session.execute(insert(CaseStateChange), failures)


def _median_rerun(url: str, path: str, runs: int = 15, before_each=None) -> tuple[float, list[int]]:  # noqa: ANN001
    at = logged_in_app(url, path)
    samples = []
    for _ in range(runs):
        if before_each is not None:
            before_each()
        start = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - start)
    chart_sizes = [len(chart.proto.SerializeToString()) for chart in at.get("vega_lite_chart")]
    return statistics.median(samples), chart_sizes


def run_all(emit) -> None:  # noqa: ANN001
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-cases-"))
    small_url, small_engine, small_world = _fresh_database(folder, "small.db")
    _fill_cases(small_engine, small_world, 200)
    big_url, big_engine, big_world = _fresh_database(folder, "big.db")
    _fill_cases(big_engine, big_world, 20_000)

    small, _ = _median_rerun(small_url, "cases")
    big, _ = _median_rerun(big_url, "cases")
    emit("case_list_rerun_20k_vs_200", big, small, "s", "ratio <= 1.5", baseline_is="the same AppTest rerun at 200 cases")

    small, _ = _median_rerun(small_url, "mediation-stats")
    big, sizes = _median_rerun(big_url, "mediation-stats")
    emit("statistics_rerun_20k_vs_200", big, small, "s", "ratio <= 2", baseline_is="the same AppTest rerun at 200 cases")

    def a_write(engine):  # noqa: ANN001, ANN202 - an audited write moves the high-water mark: figures recomputed
        def write() -> None:
            with write_session(engine) as session:
                audit.record(session, None, "login", actor_username="bench")
        return write

    small, _ = _median_rerun(small_url, "mediation-stats", before_each=a_write(small_engine))
    big, _ = _median_rerun(big_url, "mediation-stats", before_each=a_write(big_engine))
    emit("statistics_rerun_after_a_write_20k_vs_200", big, small, "s", "informational (the goal above is for reruns)",
         baseline_is="the same AppTest rerun at 200 cases, each rerun after a write (statistics recomputed)")
    emit("statistics_largest_chart_bytes", float(max(sizes)), 10_000.0, "bytes", "value <= 10000 (ratio <= 1)",
         baseline_is="the 10 KB limit per chart", charts=len(sizes))
