"""Retention on both databases (个人信息保护法 arts. 19, 47): residents who moved out or died more
than three years ago lose everything that names them, counts stay; a dry run changes nothing."""

from datetime import date, datetime

from sqlalchemy import func, select

from core import cli
from core.residents import retention
from core.residents import service as residents
from core.visits import service as visits
from db.engine import read_session, write_session
from db.models import AuditEvent, Household, Resident, Visit, resident_tags
from tests.factories import make_resident_id, make_world, register, vault_for_tests

VAULT = vault_for_tests()
NOW = datetime(2026, 12, 7, 2, 0)


def test_residents_gone_for_three_years_are_anonymised_and_counts_stay(engine):
    world = make_world(engine)
    supervisor = world.actors["supervisor"]
    ids = {}
    with write_session(engine) as session:
        for name, seq, tags in (("钱大爷", "301", ["disabled"]), ("孙阿姨", "302", []), ("李伯", "303", [])):
            ids[name] = register(session, supervisor, VAULT, residents.ResidentForm(
                name=name, id_number=make_resident_id("19440315", seq), grid_id=world.grid_ids[0],
                address=f"幸福里{seq}号", phone="13900001111", tags=tags, notes="常年卧床"),
                now=datetime(2020, 1, 1, 9)).id
        visits.record(session, supervisor, visits.VisitInput(resident_id=ids["钱大爷"], visited_on=date(2023, 3, 1),
                                                             notes="血压偏高"), now=datetime(2023, 3, 1, 15))
        for name, status, day in (("钱大爷", "deceased", date(2023, 6, 30)), ("孙阿姨", "moved_out", date(2024, 1, 5))):
            version = session.scalar(select(Resident.version).where(Resident.id == ids[name]))
            residents.change_status(session, supervisor, ids[name], version, status, day, now=datetime(2024, 1, 6, 9))
    with read_session(engine) as session:
        due = retention.due(session, 3, NOW.date())
    assert [(item.resident_id, item.status) for item in due] == [(ids["钱大爷"], "deceased")]  # 孙阿姨: under 3 years
    with write_session(engine) as session:
        retention.anonymise(session, 3, now=NOW)
    with read_session(engine) as session:
        gone = session.scalars(select(Resident).where(Resident.id == ids["钱大爷"])).one()
        kept = session.scalars(select(Resident).where(Resident.id == ids["孙阿姨"])).one()
        assert (gone.name, gone.id_enc, gone.id_hash, gone.id_masked, gone.phone, gone.notes, gone.household_id) == (
            "（已匿名）", None, None, "", "", "", None)
        assert (gone.sex, gone.birth_date, gone.status, gone.grid_id) == ("M", date(1944, 1, 1), "deceased",
                                                                          world.grid_ids[0])
        assert session.scalar(select(func.count()).select_from(resident_tags).where(
            resident_tags.c.resident_id == ids["钱大爷"])) == 1  # still counted as disabled
        assert session.scalars(select(Visit.notes).where(Visit.resident_id == ids["钱大爷"])).all() == [""]
        assert "幸福里301号" not in session.scalars(select(Household.address)).all()
        assert kept.name == "孙阿姨" and kept.phone == "13900001111"
        logged = session.scalars(select(AuditEvent.after).where(AuditEvent.action == "retention_anonymise")).one()
    assert "钱大爷" not in logged
    with read_session(engine) as session:  # the trail keeps its events, and forgets the values of his
        his = [f"{before} {after}" for before, after in session.execute(select(AuditEvent.before, AuditEvent.after)
               .where(AuditEvent.object_type == "resident", AuditEvent.object_id == str(ids["钱大爷"])))]
        hers = session.scalars(select(AuditEvent.after).where(
            AuditEvent.object_type == "resident", AuditEvent.object_id == str(ids["孙阿姨"]))).all()
    assert len(his) >= 2 and not any("钱大爷" in text or "1390000" in text for text in his)
    assert all("（已匿名）" in text for text in his)
    assert any("孙阿姨" in (text or "") for text in hers)
    with read_session(engine) as session:  # still listed and opened, as 已匿名
        listed = residents.search(session, supervisor, VAULT, residents.Filters(status="deceased")).rows
        shown = residents.detail(session, supervisor, ids["钱大爷"])
    assert [row["name"] for row in listed] == ["（已匿名）"] and shown["name"] == "（已匿名）"
    with write_session(engine) as session:  # done once
        assert retention.anonymise(session, 3, now=NOW) == []


def test_the_dry_run_lists_ids_only_and_changes_nothing(tmp_path, monkeypatch, capsys):  # noqa: ANN001
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert cli.main(["migrate"]) == 0
    assert cli.main(["anonymise", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "0 residents would be anonymised" in out and "nothing was changed" in out


def test_a_case_file_keeps_its_parties_when_the_resident_is_anonymised(engine):
    """The 卷宗 follows its own archive period, not the residents' retention (人民调解工作若干规定
    art. 37: the file is kept as an archive): a party registered from the roster keeps the name,
    ID and phone written at intake after the resident's row is anonymised."""
    from core.mediation import service as mediations
    from core.mediation.parties import PartyInput
    from db.models import CaseParty
    from tests.unit.mediation.test_service import case_input

    world = make_world(engine)
    supervisor = world.actors["supervisor"]
    id_number = make_resident_id("19440315", "301")
    with write_session(engine) as session:
        resident_id = register(session, supervisor, VAULT, residents.ResidentForm(
            name="钱大爷", id_number=id_number, grid_id=world.grid_ids[0], address="幸福里301号",
            phone="13900001111"), now=datetime(2020, 1, 1, 9)).id
    with write_session(engine) as session:
        case = mediations.register(session, world.actors["worker"], case_input(
            engine, world, intake_date="2023-03-01", parties=[
                PartyInput(side="applicant", resident_id=resident_id, phone="13900001111"),
                PartyInput(side="respondent", name="李四")]), now=datetime(2023, 3, 1, 9))
        version = session.scalar(select(Resident.version).where(Resident.id == resident_id))
        residents.change_status(session, supervisor, resident_id, version, "deceased", date(2023, 6, 30),
                                now=datetime(2023, 7, 1, 9))
    with write_session(engine) as session:
        assert [item.resident_id for item in retention.anonymise(session, 3, now=NOW)] == [resident_id]
    with read_session(engine) as session:
        party = session.scalars(select(CaseParty).where(CaseParty.case_id == case.id,
                                                        CaseParty.side == "applicant")).one()
        assert session.scalar(select(Resident.name).where(Resident.id == resident_id)) == "（已匿名）"
    assert (party.name, party.phone, VAULT.decrypt(party.id_enc)) == ("钱大爷", "13900001111", id_number)
    assert (party.sex, party.birth_date, party.address, party.resident_id) == ("M", date(1944, 3, 15), "幸福里301号",
                                                                              None)  # no longer read from the roster
    with read_session(engine) as session:
        shown = mediations.case_detail(session, supervisor, case.id)["parties"][0]
        logged = session.scalars(select(AuditEvent.after).where(AuditEvent.action == "retention_anonymise")).one()
    assert (shown["name"], shown["id_masked"]) == ("钱大爷", party.id_masked) and "3015" not in shown["id_masked"]
    assert '"case_parties_kept": 1' in logged


def test_an_activitys_sign_ups_naming_the_resident_are_forgotten_with_them(engine):
    """Events filed under an activity name its participants: the anonymised resident's are
    redacted like their own (个人信息保护法 art. 47), a neighbour's on the same list stay."""
    from core.activities import service as activities
    from core.activities.service import ActivityInput
    from tests.unit.activities.test_service import category

    world = make_world(engine)
    supervisor, worker = world.actors["supervisor"], world.actors["worker"]
    with write_session(engine) as session:
        people = {name: register(session, supervisor, VAULT, residents.ResidentForm(
            name=name, id_number=make_resident_id("19440315", seq), grid_id=world.grid_ids[0],
            address=f"幸福里{seq}号"), now=datetime(2020, 1, 1, 9)).id for name, seq in (("钱大爷", "301"),
                                                                                       ("孙阿姨", "302"))}
    starts = datetime(2023, 5, 10, 14)
    with write_session(engine) as session:
        activity_id = activities.create(session, worker, ActivityInput(
            title="重阳节慰问", category_id=category(engine), starts_at=starts, ends_at=starts.replace(hour=16),
            place="居委会活动室", grid_ids=[world.grid_ids[0]], capacity=10), now=datetime(2023, 5, 1, 9)).id
        for resident_id in people.values():
            activities.sign_up(session, worker, activity_id, resident_id, now=datetime(2023, 5, 2, 9))
        version = session.scalar(select(Resident.version).where(Resident.id == people["钱大爷"]))
        residents.change_status(session, supervisor, people["钱大爷"], version, "deceased", date(2023, 6, 30),
                                now=datetime(2023, 7, 1, 9))
    with write_session(engine) as session:
        retention.anonymise(session, 3, now=NOW)
    with read_session(engine) as session:
        sign_ups = session.scalars(select(AuditEvent.after).where(
            AuditEvent.action == "activity_sign_up", AuditEvent.object_id == str(activity_id))
            .order_by(AuditEvent.id)).all()
    assert "钱大爷" not in sign_ups[0] and "孙阿姨" in sign_ups[1]
