"""`make bench`: figures with a baseline measured in the same run, one JSON line each.

Timings on this shared machine are noisy: read the ratios, not the seconds.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.base import settings as settings_module  # noqa: E402
from tests.e2e.conftest import free_port  # noqa: E402

REPEATS = 5


def emit(figure: str, value: float, baseline: float, unit: str, goal: str, **extra) -> None:
    print(json.dumps({"figure": figure, "value": round(value, 4), "baseline": round(baseline, 4),
                      "ratio": round(value / baseline, 2), "unit": unit, "goal": goal, **extra},
                     ensure_ascii=False), flush=True)


def bench_keys() -> dict[str, str]:
    return {name: settings_module.new_secret()
            for name in ("LINLI_COOKIE_KEY", "LINLI_ID_ENCRYPTION_KEY", "LINLI_ID_HASH_KEY")}


def time_until_answer(command: list[str], url: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[:3]} exited with {process.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.02)
    finally:
        process.terminate()
        process.wait(timeout=10)


def cold_start() -> None:
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", **bench_keys()}
    baseline, linli = [], []
    for _ in range(REPEATS):
        port = free_port()
        baseline.append(time_until_answer([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                                          f"http://127.0.0.1:{port}/", env))
        port = free_port()
        linli.append(time_until_answer([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                        "--server.headless", "true"], f"http://127.0.0.1:{port}/_stcore/health", env))
    emit("cold_start_to_health", statistics.median(linli), statistics.median(baseline), "s", "ratio <= 10",
         baseline_is="python -m http.server answering /", repeats=REPEATS)


def apptest_rerun() -> None:
    from streamlit.testing.v1 import AppTest

    from core.base import passwords
    from core.office import users
    from db import migrate
    from db.engine import make_engine, write_session

    folder = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    os.environ.update(bench_keys())
    engine = make_engine(os.environ["DATABASE_URL"])
    migrate.upgrade(engine)
    passwords.ROUNDS = 4
    with write_session(engine) as session:
        users.create_user(session, None, username="bench", display_name="Bench", role="worker",
                          password="Rerun12345", must_change_password=False)

    empty_script = folder / "empty.py"
    empty_script.write_text("import streamlit as st\nst.write('hello')\n")

    def median_rerun(at: AppTest, runs: int = 30) -> float:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            at.run()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    baseline_app = AppTest.from_file(str(empty_script)).run()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    app.text_input(key="login_username").input("bench")
    app.text_input(key="login_password").input("Rerun12345")
    app.button[0].click().run()
    assert any("Bench" in t.value for t in app.title), "bench login failed"
    baseline, home = median_rerun(baseline_app), median_rerun(app)
    emit("apptest_rerun_home_after_login", home, baseline, "s", "informational",
         baseline_is="AppTest rerun of a one-line script", runs=30)


if __name__ == "__main__":
    from tests.bench import activities as activities_bench
    from tests.bench import assessment as assessment_bench
    from tests.bench import load as load_bench
    from tests.bench import mediation as mediation_bench
    from tests.bench import pages as pages_bench
    from tests.bench import residents as residents_bench
    from tests.bench import satisfaction as satisfaction_bench
    from tests.bench import street as street_bench
    from tests.bench import training as training_bench
    from tests.bench import visits as visits_bench

    cold_start()
    apptest_rerun()
    residents_bench.run_all(emit)
    mediation_bench.run_all(emit)
    satisfaction_bench.run_all(emit)
    training_bench.run_all(emit)
    pages_bench.run_all(emit)
    street_bench.run_all(emit)
    visits_bench.run_all(emit)
    activities_bench.run_all(emit)
    assessment_bench.run_all(emit)
    load_bench.run_all(emit)  # last: ~15 minutes of 10, 25 and 50 sessions on one process and two replicas
