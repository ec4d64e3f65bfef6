"""The cycle collector pause used by bulk imports: counted, and it always comes back."""

import gc
import threading

import pytest

from core.base.gc_pause import collector_paused


@pytest.fixture(autouse=True)
def _collector_on():
    gc.enable()
    yield
    gc.enable()


def test_the_collector_resumes_only_when_the_last_overlapping_pause_ends():
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # another import is still running
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_the_collector_resumes_after_an_error():
    with pytest.raises(ValueError):
        with collector_paused():
            raise ValueError("bad roster")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_pauses_from_several_threads_leave_it_on():
    def work():
        for _ in range(200):
            with collector_paused():
                pass

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


def test_an_import_leaves_the_collector_on(tmp_path):
    from core.residents import imports
    from db import migrate
    from db.engine import make_engine, write_session
    from tests.factories import make_world, vault_for_tests

    engine = make_engine(f"sqlite:///{tmp_path / 'gc.db'}")
    migrate.upgrade(engine)
    world = make_world(engine)
    with write_session(engine) as session:
        report = imports.import_residents(session, world.actors["admin"], vault_for_tests(),
                                          "姓名,出生日期,性别\n张三,1980-01-01,男\n".encode(), "r.csv",
                                          default_grid_id=world.grid_ids[0])
    assert report.imported == 1
    assert gc.isenabled()
