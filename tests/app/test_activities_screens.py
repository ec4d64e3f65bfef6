"""社区活动 through the real app: a worker plans an activity for 独居老人 of their grid, signs two
residents up (the second waits: capacity 1), withdraws the first, adds a walk-in and takes
attendance; refusals name their field; each role sees only what it may."""

import os
from datetime import date, datetime, timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from core.activities import service as activities
from core.residents.service import ResidentForm
from db.engine import read_session, write_session
from db.models import Activity, ActivityCategory, ActivityParticipant, ActivityPhoto, AuditEvent, Rating, SurveyToken
from tests.app.conftest import login, new_app, open_url, texts
from tests.factories import make_resident_id, register, vault_for_tests
from tests.unit.activities.test_photos import phone_photo

VAULT = vault_for_tests()


def seed(app_world) -> list[int]:  # noqa: ANN001
    world = app_world.world
    with write_session(app_world.engine) as session:
        return [register(session, world.actors["worker"], VAULT, ResidentForm(
            name=name, id_number=make_resident_id("19450101", seq), grid_id=world.grid_ids[0],
            address=f"和平里小区{index}号楼101", tags=["elderly_alone"])).id
            for index, (name, seq) in enumerate((("王奶奶", "601"), ("李爷爷", "602")), start=1)]


def open_first(at):  # noqa: ANN001, ANN201
    at.session_state["activities_table_1"] = {"selection": {"rows": [0], "columns": []}}
    return at.run()


def test_a_worker_plans_signs_up_with_a_waiting_list_and_takes_attendance(app_world):
    wang, li = seed(app_world)
    at = open_url(login(new_app(), "worker1"), "activities")
    assert not at.exception and "近30天及以后没有活动。" in texts(at)
    at.text_input(key="activity_title").input("重阳节慰问")
    at.text_input(key="activity_capacity").input("1")
    next(m for m in at.multiselect if m.key.startswith("activity_groups")).select("elderly_alone")
    at.button(key="FormSubmitter:activity_new-创建活动").click().run()
    assert "已创建活动「重阳节慰问」。" in texts(at)
    at = open_first(at)
    assert at.subheader[0].value == "重阳节慰问"
    at.multiselect(key=next(m.key for m in at.multiselect if m.key.startswith("invite_"))).select(wang).select(li).run()
    at.button(key=next(b.key for b in at.button if str(b.key).startswith("sign_up_"))).click().run()
    assert "已报名 1 人，候补 1 人。" in texts(at)
    with read_session(app_world.engine) as session:
        activity_id = session.scalar(select(Activity.id))
        first = session.scalar(select(ActivityParticipant.id).where(ActivityParticipant.resident_id == wang))
    at.button(key=f"withdraw_{first}").click().run()
    assert "已取消 王奶奶 的报名。" in texts(at)
    with read_session(app_world.engine) as session:  # the waiting one took the seat
        assert session.scalar(select(ActivityParticipant.state).where(ActivityParticipant.resident_id == li)) \
            == "signed_up"
        session.get(Activity, activity_id)
    with write_session(app_world.engine) as session:  # the day comes
        activity = session.get(Activity, activity_id)
        activity.starts_at = datetime.now() - timedelta(minutes=30)
        activity.ends_at = datetime.now() + timedelta(hours=1)
    at = open_first(open_url(at, "activities"))
    at.text_input(key=f"walk_in_phone_{activity_id}").input("12345")
    at.text_input(key=f"walk_in_name_{activity_id}").input("路人甲")
    at.button(key=f"FormSubmitter:walk_in_{activity_id}-登记现场参加").click().run()
    assert "联系电话：" in "\n".join(e.value for e in at.error)
    at.text_input(key=f"walk_in_phone_{activity_id}").input("13700001111")
    at.button(key=f"FormSubmitter:walk_in_{activity_id}-登记现场参加").click().run()
    assert "已登记 路人甲 现场参加。" in texts(at)
    li_row = next(c for c in at.checkbox if c.label == "李爷爷")
    li_row.check()
    at.button(key=f"FormSubmitter:attendance_{activity_id}-保存签到").click().run()
    assert "已保存签到：名单中 1 人到场。" in texts(at)
    with read_session(app_world.engine) as session:
        came = session.scalars(select(ActivityParticipant.name).where(ActivityParticipant.attended.is_(True))).all()
        assert sorted(came) == ["", "路人甲"]  # 李爷爷 (registered: no name kept) and the walk-in
        walk_in = session.scalar(select(ActivityParticipant.id).where(ActivityParticipant.name == "路人甲"))
    at.button(key=f"call_list_{activity_id}").click().run()  # the call list: prepared, then downloaded
    assert [b.proto.label for b in at.get("download_button")] == ["下载电话名单（2 人）"]  # 李爷爷 and the walk-in
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "activity_call_list")) == 1
    at.session_state["activities_range_open"] = True  # the range's figures, as a click on the expander
    at.run()
    frame = next(f.value for f in at.dataframe if "指标" in f.value.columns)
    shown = dict(zip(frame["指标"], frame["数值"], strict=True))
    assert (shown["服务居民（人）"], shown["未登记的现场参加者"], shown["独居老人 参与"]) == ("1", "1", "1 / 2")
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")  # held per category, as a chart
    at.button(key=f"register_{walk_in}").click().run()  # an unregistered walk-in, to the registry
    assert at.text_input(key="new_resident_name").value == "路人甲"
    assert at.text_input(key="new_resident_phone").value == "13700001111"


def test_a_bad_plan_is_refused_by_field_and_nothing_is_written(app_world):
    at = open_url(login(new_app(), "worker1"), "activities")
    at.time_input(key="activity_end").set_value(datetime(2026, 1, 1, 8, 0).time())
    at.text_input(key="activity_capacity").input("很多")
    at.button(key="FormSubmitter:activity_new-创建活动").click().run()
    shown = "\n".join(e.value for e in at.error)
    assert "活动名称：" in shown and "结束时间：结束时间须晚于开始时间" in shown and "人数上限：" in shown
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(Activity)) == 0


def test_a_worker_of_another_grid_does_not_see_the_activity(app_world):
    seed(app_world)
    world = app_world.world
    with write_session(app_world.engine) as session:
        kind = session.scalar(select(ActivityCategory.id).where(ActivityCategory.name == "文化活动"))
        starts = datetime.combine(date.today() + timedelta(days=3), datetime.min.time()).replace(hour=9)
        activities.create(session, world.actors["supervisor"], activities.ActivityInput(
            title="第二网格读书会", category_id=kind, starts_at=starts, ends_at=starts + timedelta(hours=1),
            grid_ids=[world.grid_ids[1]]))
    at = open_url(login(new_app(), "worker1"), "activities")
    assert "第二网格读书会" not in repr([frame.value for frame in at.dataframe]) and not at.dataframe
    supervisor = open_url(login(new_app(), "supervisor1"), "activities")
    assert list(supervisor.dataframe[0].value["活动名称"]) == ["第二网格读书会"]


def test_the_admin_adds_a_category_of_the_community_and_retires_it(app_world):
    at = open_url(login(new_app(), "admin1"), "activity-categories")
    assert not at.exception and len(at.dataframe[0].value) == 7  # the shared defaults
    at.text_input(key="activity_category_name").input("健康讲座")
    at.button(key="FormSubmitter:activity_category_new-新增类别").click().run()
    assert [e.value for e in at.error] == ["类别名称：已有名为“健康讲座”的活动类别"]
    at.text_input(key="activity_category_name").input("邻里节")
    at.button(key="FormSubmitter:activity_category_new-新增类别").click().run()
    assert "已新增类别“邻里节”。" in texts(at) and len(at.dataframe[0].value) == 8
    with read_session(app_world.engine) as session:
        own = session.scalar(select(ActivityCategory.id).where(ActivityCategory.name == "邻里节"))
    at.button(key=f"activity_category_toggle_{own}").click().run()
    with read_session(app_world.engine) as session:
        assert not session.get(ActivityCategory, own).active
    worker = open_url(login(new_app(), "worker1"), "activities")
    assert "邻里节" not in next(s for s in worker.selectbox if s.key == "activity_category").options


def test_an_activity_is_edited_from_its_tab_and_a_bad_value_named(app_world):
    world = app_world.world
    with write_session(app_world.engine) as session:
        kind = session.scalar(select(ActivityCategory.id).where(ActivityCategory.name == "文化活动"))
        starts = datetime.combine(date.today() + timedelta(days=3), datetime.min.time()).replace(hour=9)
        activity_id = activities.create(session, world.actors["worker"], activities.ActivityInput(
            title="书法小组", category_id=kind, starts_at=starts, ends_at=starts + timedelta(hours=1),
            grid_ids=[world.grid_ids[0]])).id
    at = open_first(open_url(login(new_app(), "worker1"), "activities"))
    prefix = f"edit_activity_{activity_id}_v1"
    at.text_input(key=f"{prefix}_capacity").input("零")
    at.button(key=f"FormSubmitter:edit_activity_{activity_id}-保存").click().run()
    assert "人数上限：人数上限须为 1 到 10000 的整数，不限请留空" in [e.value for e in at.error]
    at.text_input(key=f"{prefix}_capacity").input("12")
    at.text_input(key=f"{prefix}_title").input("书法兴趣小组")
    at.button(key=f"FormSubmitter:edit_activity_{activity_id}-保存").click().run()
    assert "已保存活动「书法兴趣小组」。" in texts(at)
    with read_session(app_world.engine) as session:
        saved = session.get(Activity, activity_id)
        assert (saved.title, saved.capacity) == ("书法兴趣小组", 12)


def on_the_day(app_world) -> int:  # noqa: ANN001
    """An activity of grid 1 that began half an hour ago, planned by its worker."""
    world = app_world.world
    with write_session(app_world.engine) as session:
        kind = session.scalar(select(ActivityCategory.id).where(ActivityCategory.name == "儿童托管"))
        starts = datetime.now() - timedelta(minutes=30)
        return activities.create(session, world.actors["worker"], activities.ActivityInput(
            title="四点半课堂", category_id=kind, starts_at=starts, ends_at=starts + timedelta(hours=2),
            grid_ids=[world.grid_ids[0]]), now=starts - timedelta(days=1)).id


def test_a_photo_of_minors_waits_for_the_guardians_consent_and_is_kept_without_its_location(app_world):
    activity_id = on_the_day(app_world)
    at = open_first(open_url(login(new_app(), "worker1"), "activities"))
    assert "还没有照片。" in texts(at)
    at.file_uploader(key=f"photo_file_{activity_id}_0").upload("合影.jpg", phone_photo(), "image/jpeg").run()
    at.checkbox(key=f"photo_minors_{activity_id}").check()
    at.button(key=f"FormSubmitter:photo_{activity_id}-上传照片").click().run()
    assert any(e.value.startswith("监护人同意：照片中有未成年人") for e in at.error)
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(ActivityPhoto)) == 0
    at.text_input(key=f"photo_consent_{activity_id}").input("王小明之母张丽现场签字同意")
    at.file_uploader(key=f"photo_file_{activity_id}_0").upload("合影.jpg", phone_photo(), "image/jpeg")
    at.button(key=f"FormSubmitter:photo_{activity_id}-上传照片").click().run()
    assert "已保存照片（已去除位置等拍摄信息）。" in texts(at)
    with read_session(app_world.engine) as session:
        photo = session.scalars(select(ActivityPhoto)).one()
    kept = Path(os.environ["LINLI_FILES_DIR"]) / photo.stored_as
    assert Image.open(kept).getexif().get_ifd(0x8825) == {}  # no GPS position
    at.session_state[f"album_open_{activity_id}"] = True  # open the album, as a click on it
    at.run()
    assert at.get("image") and "含未成年人 · 监护人同意：王小明之母张丽现场签字同意" in texts(at)
    at.button(key=f"photo_remove_{photo.id}").click().run()
    assert "已删除照片。" in texts(at) and not kept.exists()


def test_residents_rate_the_activity_by_its_code_or_on_a_call(app_world):
    activity_id = on_the_day(app_world)
    at = open_first(open_url(login(new_app(), "worker1"), "activities"))
    assert "已收到 0 条评价；满 5 条后显示平均分。" in texts(at)
    at.button(key=f"make_activity_code_{activity_id}").click().run()
    assert [b.proto.label for b in at.get("download_button")] == ["下载二维码图片"]
    with read_session(app_world.engine) as session:
        assert session.scalar(select(SurveyToken.activity_id)) == activity_id
    at.button(key=f"FormSubmitter:phone_rating_{activity_id}-保存评价").click().run()  # no stars given
    assert any(e.value.startswith("评分：") for e in at.error)
    at.feedback(key=f"phone_rating_score_{activity_id}").set_value(3)  # the fourth star
    at.button(key=f"FormSubmitter:phone_rating_{activity_id}-保存评价").click().run()
    assert "已保存评价。" in texts(at) and "已收到 1 条评价；满 5 条后显示平均分。" in texts(at)
    with read_session(app_world.engine) as session:
        assert session.execute(select(Rating.score, Rating.channel, Rating.category, Rating.activity_id)).one() == (
            4, "phone_survey", "activity", activity_id)
