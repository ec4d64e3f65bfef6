"""Training screens through the real app: course and roster, check-in, my training, compliance,
hours earned elsewhere."""

import os
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from core.base import clock
from core.training import categories
from core.training import service as training
from db.engine import read_session, write_session
from db.models import Attendance
from tests.app.conftest import login, new_app, open_url, texts
from tests.conftest import TEST_COOKIE_KEY


def make_course(app_world, starts=None):
    world = app_world.world
    starts = starts or clock.now() - timedelta(hours=1)
    with write_session(app_world.engine) as session:
        return training.create_course(session, world.actors["trainer"], training.CourseInput(
            category_id=categories.SOCIAL_WORK, title="调解实务", topic="调解", starts_at=starts, ends_at=starts + timedelta(hours=3), credit_hours=3,
            participant_ids=[world.actors["worker"].id, world.actors["supervisor"].id]))


def test_trainer_marks_the_roster_in_one_grid_and_the_worker_sees_the_hours(app_world):
    course = make_course(app_world)
    at = open_url(login(new_app(), "trainer1"), "courses")
    assert "应到 2 人" in texts(at)
    editor_key = next(k for k in at.session_state if str(k).startswith(f"roster_editor_{course.id}_v"))
    # Row order is by name: supervisor one, worker one. Both start unmarked; the supervisor came
    # for half the course, the worker was there (hours left empty: the course's).
    at.session_state[editor_key] = {"edited_rows": {0: {"出勤": "迟到", "学时": 1.5}}, "added_rows": [],
                                    "deleted_rows": []}
    at.button(key=f"save_roster_{course.id}").click().run()
    assert "考勤已保存" in texts(at)
    with read_session(app_world.engine) as session:
        marks = {a.user_id: (a.status, a.hours) for a in session.scalars(select(Attendance))}
    world = app_world.world
    assert marks == {world.actors["supervisor"].id: ("late", 1.5)}  # saving one line marked nobody else
    editor_key = next(k for k in at.session_state if str(k).startswith(f"roster_editor_{course.id}_v")
                      and k != editor_key)
    at.session_state[editor_key] = {"edited_rows": {1: {"出勤": "出席"}}, "added_rows": [], "deleted_rows": []}
    at.button(key=f"save_roster_{course.id}").click().run()
    with read_session(app_world.engine) as session:
        marks = {a.user_id: (a.status, a.hours) for a in session.scalars(select(Attendance))}
    assert marks == {world.actors["supervisor"].id: ("late", 1.5), world.actors["worker"].id: ("present", 3.0)}

    at = open_url(login(new_app(), "worker1"), "my-training")
    assert [m.value for m in at.metric][:2] == ["3", "3"]
    quota = at.metric[2]  # the annual target without a qualification: what is left, in words
    assert quota.delta == f"还差 {float(quota.value) - 3:g} 学时"
    assert at.dataframe[0].value["日期"][0].count(":") == 1  # 2026-11-29 09:00, no seconds


def test_check_in_from_the_qr_link_once(app_world):
    course = make_course(app_world)
    token = training.checkin_token(TEST_COOKIE_KEY, course)
    at = login(new_app(), "worker1")
    at.query_params["code"] = token
    at = open_url(at, "checkin")
    at.button(key="checkin_confirm").click().run()
    assert "已签到：调解实务" in texts(at)
    at.button(key="checkin_confirm").click().run()
    assert any("您已签到" in e.value for e in at.error)


def test_supervisor_sees_pace_for_staff_with_a_quota_behind_first(app_world):
    make_course(app_world, starts=datetime(clock.now().year, 1, 5, 9, 0))
    at = open_url(login(new_app(), "supervisor1"), "compliance")
    table = at.dataframe[0].value
    # community staff only (the trainer and admin have no quota), one line per quota, behind first
    assert set(table["姓名"]) == {"worker one", "supervisor one"} and set(table["学时要求"]) == {"本单位学时"}
    pace = list(table["进度"])
    assert pace == sorted(pace, key=["进度落后", "进度正常", "已达标"].index)
    assert "项进度落后" in texts(at)


def test_trainer_records_certificates_but_only_the_admin_sets_targets(app_world):
    at = open_url(login(new_app(), "trainer1"), "training-settings")
    assert [s.value for s in at.subheader] == ["登记证书"]  # no qualification or target forms
    at.text_input[0].input("人民调解员证")
    at.main.button[0].click().run()
    assert "已保存" in texts(at)

    at = open_url(login(new_app(), "admin1"), "training-settings")
    assert [s.value for s in at.subheader] == ["登记证书", "职业资格与登记日期", "学时要求", "课程类别"]
    # two communities: the 社工 quotas are everyone's; this community sets its own annual quota
    assert at.selectbox(key="quota_level").options == ["未取得职业资格"]
    assert "由系统管理员调整" in texts(at)
    hours = next(w for w in at.text_input if w.label == "学时")
    hours.input("30")
    at.button(key="FormSubmitter:quota_none-保存").click().run()
    assert "本社区已设置自己的年度学时" in texts(at)
    with read_session(app_world.engine) as session:
        assert training.quotas(session, app_world.world.community_id)["none"].hours == 30.0
        assert training.quotas(session, app_world.world.other_community_id)["none"].hours == 24.0


def test_the_admin_adds_a_category_and_a_taken_name_is_refused_at_the_field(app_world):
    at = open_url(login(new_app(), "admin1"), "training-settings")
    at.text_input(key="category_name_0").input("岗前培训")
    at.button(key="FormSubmitter:category_0-保存").click().run()
    assert "名称：已有名为“岗前培训”的类别" in texts(at)
    with read_session(app_world.engine) as session:
        assert len(categories.list_categories(session)) == 4  # nothing written
    at.text_input(key="category_name_0").input("党建学习")
    at.checkbox(key="category_local_0").check()
    at.button(key="FormSubmitter:category_0-保存").click().run()
    with read_session(app_world.engine) as session:
        added = {c["name"]: c for c in categories.list_categories(session)}["党建学习"]
    assert (added["counts_social_work"], added["counts_local"], added["active"]) == (False, True, True)

    at = open_url(login(new_app(), "trainer1"), "courses")
    assert "党建学习：本单位学时" in texts(at)  # a new course may take it, and says what it counts toward


def test_the_qualification_form_opens_on_the_chosen_persons_record(app_world):
    worker, trainer = app_world.world.actors["worker"], app_world.world.actors["trainer"]
    with write_session(app_world.engine) as session:
        training.set_qualification(session, app_world.world.actors["admin"], worker.id, level="social_worker",
                                   registered_on=date(2024, 3, 1))
    at = open_url(login(new_app(), "admin1"), "training-settings")
    at.selectbox(key="qualification_person").set_value(worker.id).run()
    level = next(w for w in at.selectbox if w.label == "资格等级" and w.key != "quota_level")
    assert level.value == "social_worker"
    assert next(w for w in at.date_input if w.label == "登记日期").value == date(2024, 3, 1)
    at.selectbox(key="qualification_person").set_value(trainer.id).run()  # someone without one
    assert next(w for w in at.selectbox if w.label == "资格等级" and w.key != "quota_level").value == "none"
    # Saving the trainer's form unchanged leaves the worker's record as it was.
    next(b for b in at.main.button if b.label == "保存").click().run()
    with read_session(app_world.engine) as session:
        assert training.qualification_of(session, app_world.world.actors["admin"], worker.id) == (
            "social_worker", date(2024, 3, 1))
        assert training.qualification_of(session, app_world.world.actors["admin"], trainer.id) == ("none", None)


def test_the_quota_form_shows_and_saves_the_chosen_level(app_world):
    """On an installation of one community, its admin sets every quota."""
    from sqlalchemy import text

    with write_session(app_world.engine) as session:
        session.execute(text("DELETE FROM grids WHERE community_id = :c"), {"c": app_world.world.other_community_id})
        session.execute(text("DELETE FROM communities WHERE id = :c"), {"c": app_world.world.other_community_id})
    at = open_url(login(new_app(), "admin1"), "training-settings")
    with read_session(app_world.engine) as session:
        before = training.quotas(session)
    at.selectbox(key="quota_level").set_value("senior").run()
    hours = next(w for w in at.text_input if w.label == "学时")
    assert hours.value == f"{before['senior'].hours:g}"
    hours.input("99")
    at.button(key="FormSubmitter:quota_senior-保存").click().run()
    with read_session(app_world.engine) as session:
        after = training.quotas(session)
    assert after["senior"].hours == 99.0 and after["assistant"].hours == before["assistant"].hours
    at.selectbox(key="quota_level").set_value("none").run()  # the office's own: also the year it counts from
    at.number_input[-1].set_value(2025)
    at.button(key="FormSubmitter:quota_none-保存").click().run()
    with read_session(app_world.engine) as session:  # the community's own annual quota
        assert training.quotas(session, app_world.world.community_id)["none"].first_year == 2025


def test_supervisor_sees_hours_by_month_and_topic_as_a_chart(app_world):
    import json

    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    course = make_course(app_world, starts=clock.now().replace(day=1, hour=9, minute=0, second=0, microsecond=0))
    world = app_world.world
    with read_session(app_world.engine) as session:
        _, version = training.load_roster(session, world.actors["trainer"], course.id)
    with write_session(app_world.engine) as session:
        training.save_roster(session, world.actors["trainer"], course.id, version,
                             [training.RosterEntry(world.actors["worker"].id, "present", 3),
                              training.RosterEntry(world.actors["supervisor"].id, "late", 1.5)])
    at = open_url(login(new_app(), "supervisor1"), "compliance")
    assert not at.exception
    assert "各月各主题学时" in [s.value for s in at.subheader]
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert len(spec["encoding"]["x"]["scale"]["domain"]) == 12  # the last 12 months, this one included
    # Streamlit sends the chart's rows beside the spec, as Arrow.
    (dataset,) = charts[0].proto.datasets
    data = convert_arrow_bytes_to_pandas_df(dataset.data.data).to_dict("records")
    assert data == [{"month": f"{clock.now():%Y-%m}", "topic": "调解", "hours": 4.5}]
    assert len(charts[0].proto.SerializeToString()) < 10_000


def test_workers_and_trainers_cannot_open_the_compliance_page(app_world):
    make_course(app_world)
    for username in ("worker1", "trainer1"):
        at = open_url(login(new_app(), username), "compliance")
        assert not at.exception
        assert "您的角色无权打开此页面。" in texts(at)
        assert not at.dataframe and not at.get("vega_lite_chart")


def test_trainer_uploads_a_roster_file_bad_lines_are_listed_then_a_fixed_file_saves(app_world):
    course = make_course(app_world)
    at = open_url(login(new_app(), "trainer1"), "courses")
    bad = "\ufeff姓名,出勤,学时\nworker one,出席,3\n无此人,出席,3\nsupervisor one,迟到,9\n".encode()
    at.file_uploader(key=f"roster_file_{course.id}").upload("roster.csv", bad, "text/csv").run()
    at.button(key=f"roster_upload_{course.id}").click().run()
    shown = texts(at)
    assert "2 行有问题，考勤未保存" in shown
    problems = at.dataframe[-1].value
    assert list(problems.iloc[:, 0]) == [3, 4] and "在职人员中没有 无此人" in problems.iloc[0, 2]
    with read_session(app_world.engine) as session:
        assert session.scalars(select(Attendance)).all() == []

    good = "\ufeff姓名,出勤,学时\nworker one,出席,\nsupervisor one,迟到,1.5\n".encode()
    at.file_uploader(key=f"roster_file_{course.id}").upload("roster.csv", good, "text/csv").run()
    at.button(key=f"roster_upload_{course.id}").click().run()
    assert "已按文件保存 2 人的考勤" in texts(at)
    world = app_world.world
    with read_session(app_world.engine) as session:
        marks = {a.user_id: (a.status, a.hours) for a in session.scalars(select(Attendance))}
    assert marks == {world.actors["supervisor"].id: ("late", 1.5), world.actors["worker"].id: ("present", 3.0)}


def test_a_roster_beyond_5000_lines_is_refused_with_the_limit(app_world):
    course = make_course(app_world)
    at = open_url(login(new_app(), "trainer1"), "courses")
    long_roster = ("\ufeff姓名,出勤,学时\n" + "worker one,出席,3\n" * 5000).encode()
    at.file_uploader(key=f"roster_file_{course.id}").upload("roster.csv", long_roster, "text/csv").run()
    at.button(key=f"roster_upload_{course.id}").click().run()
    assert not at.exception
    assert "第一个工作表范围为 5,001 行 × 3 列，最多读取 5,000 行 × 30 列" in "".join(e.value for e in at.error)
    with read_session(app_world.engine) as session:
        assert session.scalars(select(Attendance)).all() == []


def test_a_worker_claims_outside_hours_and_a_supervisor_approves_them(app_world):
    """The claim, the certificate the supervisor opens, the decision, the hours on My training."""
    from tests import evidence_files

    at = open_url(login(new_app(), "worker1"), "my-training")
    before = float(at.metric[0].value)
    at.text_input(key="external_title").input("社区治理网络课程")
    at.text_input(key="external_organiser").input("省社工协会")
    at.selectbox(key="external_category").select(categories.SOCIAL_WORK)
    at.date_input(key="external_completed").set_value(clock.now().date() - timedelta(days=3))
    at.text_input(key="external_hours").input("12")
    at.file_uploader(key="external_file_0").upload("结业证书.png", evidence_files.image("PNG"), "image/png")
    at.button(key="FormSubmitter:external_new-提交申报").click().run()
    assert "已提交，等待主管审核" in texts(at)
    # sent: the form is empty again, so a second click cannot send the same claim twice
    assert (at.text_input(key="external_title").value, at.text_input(key="external_hours").value) == ("", "")
    assert at.file_uploader(key="external_file_1").value is None
    assert at.dataframe[-1].value["状态"][0] == "待审核"
    assert float(at.metric[0].value) == before  # not counted before approval

    at = open_url(login(new_app(), "supervisor1"), "external-hours")
    assert at.dataframe[0].value["姓名"][0] == "worker one"
    assert [b.label for b in at.get("download_button")] == ["下载证书（结业证书.png）"]
    assert len(at.get("image")) == 1  # the scanned certificate shown beside the decision
    at.button(key=next(k for k in (b.key for b in at.button) if k and k.endswith("-通过"))).click().run()
    assert "已通过：worker one 12 学时" in texts(at)

    at = open_url(login(new_app(), "worker1"), "my-training")
    assert float(at.metric[0].value) == before + 12
    assert at.dataframe[-1].value["状态"][0] == "已通过"


def test_a_bad_claim_is_refused_at_its_fields_and_nothing_is_kept(app_world):
    from db.models import ExternalHours

    at = open_url(login(new_app(), "worker1"), "my-training")
    at.text_input(key="external_title").input("网络课程")
    at.text_input(key="external_hours").input("0")
    at.file_uploader(key="external_file_0").upload("证书.pdf", b"PK\x03\x04 not a pdf", "application/pdf")
    at.button(key="FormSubmitter:external_new-提交申报").click().run()
    shown = texts(at)
    for message in ("必填", "应在 0 到 200.0 之间", "只接受 PDF、PNG、JPG 文件"):
        assert message in shown
    assert at.text_input(key="external_title").value == "网络课程"  # what was typed stays to be corrected
    with read_session(app_world.engine) as session:
        assert session.scalars(select(ExternalHours)).first() is None


def test_a_refusal_needs_a_reason_and_a_supervisor_cannot_review_their_own_claim(app_world):
    from core.training import external
    from tests import evidence_files

    world = app_world.world
    with write_session(app_world.engine) as session:
        for who in ("worker", "supervisor"):
            external.submit_claim(session, world.actors[who], external.ClaimInput(
                title=f"{who} 的网络课程", organiser="省社工协会", category_id=categories.SOCIAL_WORK,
                completed_on=clock.now().date(), hours="4", file_name="c.pdf", content=evidence_files.PDF),
                Path(os.environ["LINLI_FILES_DIR"]))
    at = open_url(login(new_app(), "supervisor1"), "external-hours")
    at.selectbox(key="external_pick").select(2).run()  # the supervisor's own claim
    assert "不能审核自己的申报" in texts(at)
    assert not [b for b in at.button if b.key and "external_decide" in b.key]
    at.selectbox(key="external_pick").select(1).run()
    refuse = next(b.key for b in at.button if b.key and b.key.endswith("-不通过"))
    at.button(key=refuse).click().run()
    assert "必填" in texts(at)
    at.text_input(key="external_reason_1").input("证书编号无法核验")
    at.button(key=refuse).click().run()
    assert "已退回：worker one 4 学时" in texts(at)
    at = open_url(login(new_app(), "worker1"), "my-training")
    assert at.dataframe[-1].value["理由"][0] == "证书编号无法核验"


def test_trainer_changes_cancels_and_adds_walk_ins_on_the_courses_page(app_world):
    from db.models import Course

    # Yesterday 9–12: the edit form keeps a course within one day, so a course around the clock
    # now (as make_course's default) would cross midnight when the test runs after 22:00.
    course = make_course(app_world, starts=datetime.combine(date.today() - timedelta(days=1), datetime.min.time())
                         .replace(hour=9))
    world = app_world.world
    at = open_url(login(new_app(), "trainer1"), "courses")
    prefix = next(k for k in at.session_state if str(k).startswith(f"course_edit_{course.id}_v")
                  and str(k).endswith("_title")).removesuffix("_title")
    assert at.text_input(key=f"{prefix}_title").value == "调解实务"  # the form opens on the course as saved
    at.text_input(key=f"{prefix}_title").input("调解实务进阶")
    at.text_input(key=f"{prefix}_hours").input("9")  # longer than the course: refused at its field
    at.button(key=f"FormSubmitter:{prefix}-保存修改").click().run()
    assert "应在 0 到 3.0 之间" in texts(at)
    at.text_input(key=f"{prefix}_hours").input("2.5")
    at.button(key=f"FormSubmitter:{prefix}-保存修改").click().run()
    assert "课程已修改：调解实务进阶" in texts(at)

    at.multiselect(key=f"walk_ins_{course.id}").select(world.actors["admin"].id)
    at.button(key=f"walk_ins_add_{course.id}").click().run()
    assert "已加入花名册：1 人" in texts(at)
    with read_session(app_world.engine) as session:
        marks = {a.user_id: (a.status, a.hours) for a in session.scalars(select(Attendance))}
    assert marks == {world.actors["admin"].id: ("present", 2.5)}

    at.button(key=f"FormSubmitter:course_cancel_{course.id}-确认取消课程").click().run()
    assert "必填" in texts(at)  # a reason first
    at.text_input(key=f"course_cancel_reason_{course.id}").input("讲师临时有事")
    at.button(key=f"FormSubmitter:course_cancel_{course.id}-确认取消课程").click().run()
    assert "已有 1 人登记出席或迟到，课程已经举行，不能取消" in texts(at)
    with read_session(app_world.engine) as session:
        assert session.get(Course, course.id).cancelled_at is None


def test_a_cancelled_course_shows_why_and_offers_no_roster(app_world):
    course = make_course(app_world, starts=clock.now() + timedelta(days=2))
    at = open_url(login(new_app(), "trainer1"), "courses")
    at.text_input(key=f"course_cancel_reason_{course.id}").input("场地停电")
    at.button(key=f"FormSubmitter:course_cancel_{course.id}-确认取消课程").click().run()
    assert "课程已取消：调解实务" in texts(at)
    assert "场地停电" in texts(at)
    assert at.selectbox(key="course_pick").options[0].startswith("【已取消】")
    assert not at.get("arrow_data_frame") and not [b for b in at.button if b.key and "save_roster" in b.key]
    at = open_url(login(new_app(), "trainer1"), "home")
    assert "未来 30 天没有安排课程。" in texts(at)  # no longer among the upcoming courses
