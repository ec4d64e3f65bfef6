"""Satisfaction screens through the real app: recording, QR codes, the public page, the charts
and the home dashboard."""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from streamlit.proto.LabelVisibility_pb2 import LabelVisibility
from streamlit.proto.Metric_pb2 import Metric

from core.base.i18n import translate
from core.satisfaction import service as satisfaction
from db.engine import read_session, write_session
from db.models import Rating
from tests.app.conftest import login, new_app, open_url, texts


def ratings_count(engine) -> int:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(Rating))


def seed(app_world, scores, *, grid=0, comment="", category="visit"):
    world = app_world.world
    with write_session(app_world.engine) as session:
        for score in scores:
            satisfaction.record_rating(session, world.actors["supervisor"], satisfaction.RatingInput(
                score=score, comment=comment, category=category, grid_id=world.grid_ids[grid],
                worker_id=world.actors["worker"].id, rated_on=date.today(), channel="visit"))


def test_supervisor_sees_figures_too_few_for_small_groups_and_low_ratings(app_world):
    seed(app_world, [5, 4, 4, 3, 5, 1], grid=0)
    seed(app_world, [2], grid=1, comment="楼道灯坏了一个月没人修")
    at = open_url(login(new_app(), "supervisor1"), "satisfaction")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"评价数": "7", "平均分": "3.43", "满意率（4–5 分）": "57%"}
    assert len(at.get("vega_lite_chart")) == 3
    low = at.dataframe[-1].value
    assert list(low["评分"]) == [2, 1] and "楼道灯坏了一个月没人修" in list(low["意见"])

    seed(app_world, [4], grid=0)  # kept figures are dropped when a rating is written
    at.run()
    assert {m.label: m.value for m in at.metric}["评价数"] == "8"

    at.selectbox(key="sat_grid").select(app_world.world.grid_ids[1]).run()  # one rating: too few to show
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"评价数": "1", "平均分": "样本过少", "满意率（4–5 分）": "样本过少"}


def seed_resident_ratings(app_world, scores, *, category="service"):
    """Residents' own ratings through a poster code (nobody recorded them: 居民自评)."""
    world = app_world.world
    with write_session(app_world.engine) as session:
        issued = satisfaction.issue_token(session, world.actors["supervisor"], "secret", satisfaction.TokenRequest(
            kind="poster", grid_id=world.grid_ids[0], category=category, hourly_limit=100))
        for score in scores:
            satisfaction.submit_public_rating(session, "secret", issued.token, score=score, comment="等了很久")


def table_with(at, column):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def test_who_gave_the_score_a_cell_that_would_give_away_a_small_one_stays_hidden_and_is_labelled(app_world):
    seed(app_world, [5, 4, 4, 3, 5, 4], grid=0)  # the supervisor about the worker: 第三方/主管回访
    seed_resident_ratings(app_world, [1, 5])  # two residents' own: too few to show
    at = open_url(login(new_app(), "supervisor1"), "satisfaction")
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["评价数"] == "8"
    assert any("95% 区间" in caption.value for caption in at.caption)  # how sure the overall figure is
    sources = table_with(at, "评价来源").set_index("评价来源")
    assert sources.loc["居民自评", "平均分"] == "样本过少"
    # all 8 − third party 6 would give the residents' 2 away: hidden too, and labelled as such
    assert sources.loc["第三方/主管回访", "评价数"] == 6 and sources.loc["第三方/主管回访", "平均分"] == "已隐藏（防推算）"

    low = table_with(at, "意见")
    assert list(low["评分"]) == [1]
    # the service category has 2 ratings: the low score is not named beside it
    assert list(low["类别"]) == ["（样本过少，不显示）"] and list(low["评价来源"]) == ["居民自评"]

    at.selectbox(key="sat_independence").select("third_party").run()
    assert {m.label: m.value for m in at.metric} == {"评价数": "6", "平均分": "4.17", "满意率（4–5 分）": "83%"}
    at.selectbox(key="sat_independence").select("resident").run()
    assert {m.label: m.value for m in at.metric}["平均分"] == "样本过少"


def test_the_workers_table_counts_only_ratings_others_entered(app_world):
    world = app_world.world
    seed(app_world, [5, 5, 4, 4, 5], grid=0)  # the supervisor about the worker
    with write_session(app_world.engine) as session:  # entered by the worker about themselves, before this rule
        now = datetime.now()
        worker = world.actors["worker"].id
        session.add_all([Rating(score=1, comment="", category="visit", grid_id=world.grid_ids[0], worker_id=worker,
                                rated_on=date.today(), channel="visit", recorded_by=worker, created_at=now,
                                updated_at=now) for _ in range(3)])
        session.flush()
        satisfaction.rebuild_summary(session)
    at = open_url(login(new_app(), "supervisor1"), "satisfaction")
    assert {m.label: m.value for m in at.metric}["评价数"] == "8"  # the page as a whole still counts them
    workers = table_with(at, "相关工作人员").set_index("相关工作人员")
    assert workers.loc["worker one", "评价数"] == 5 and workers.loc["worker one", "平均分"] == "4.60"
    assert any("本人录入的评价不计入" in caption.value for caption in at.caption)


def test_a_range_that_ends_before_it_starts_is_refused_at_the_field(app_world):
    seed(app_world, [5] * 5)
    at = open_url(login(new_app(), "supervisor1"), "satisfaction")
    at.selectbox(key="sat_last").set_value(at.selectbox(key="sat_first").value - timedelta(days=40)).run()
    reason = translate("zh-CN", "error.date_range.reversed")
    assert [e.value for e in at.error] == [translate("zh-CN", "error.field_reason", field="截止月份", reason=reason)]
    assert not at.metric  # no figures drawn for a reversed range


def test_worker_records_a_rating_and_a_missing_score_is_refused_with_nothing_written(app_world):
    at = open_url(login(new_app(), "worker1"), "ratings")
    assert not at.exception
    at.button(key="FormSubmitter:rating_new-保存评价").click().run()
    assert "评分：必填" in texts(at) and ratings_count(app_world.engine) == 0

    at.feedback(key="rating_score").set_value(3)  # the fourth star
    at.text_area[0].input("上门帮忙办理了高龄津贴")
    at.button(key="FormSubmitter:rating_new-保存评价").click().run()
    assert "评价已保存" in texts(at)
    with read_session(app_world.engine) as session:
        rating = session.scalars(select(Rating)).one()
    world = app_world.world
    # Nobody is named unless chosen, and the worker typing cannot name themselves.
    assert (rating.score, rating.channel, rating.grid_id, rating.worker_id, rating.comment) == (
        4, "visit", world.grid_ids[0], None, "上门帮忙办理了高龄津贴")
    options = at.selectbox(key="rating_worker").options
    assert world.actors["worker"].display_name not in options
    assert world.actors["supervisor"].display_name in options


def test_a_qr_code_opens_a_public_page_without_login_that_rates_once(app_world):
    at = open_url(login(new_app(), "worker1"), "ratings")
    at.button(key="FormSubmitter:token_new-生成二维码").click().run()
    token = at.session_state["ratings_code"][0]
    assert f"/rate?t={token}" in [c.value for c in at.code]

    public = new_app()
    public.query_params["t"] = token
    public = open_url(public.run(), "rate")
    assert not public.exception
    shown = texts(public)
    assert "请为我们的服务评价" in shown and "第一网格" in shown
    assert "worker one" not in shown and not public.get("page_link") and not public.text_input  # no login, no links
    public.feedback(key="rate_score").set_value(1)  # two stars
    public.text_area[0].input("态度很好")
    public.button[0].click().run()
    assert "感谢您的评价" in texts(public)
    with read_session(app_world.engine) as session:
        rating = session.scalars(select(Rating)).one()
    assert (rating.score, rating.channel, rating.comment, rating.worker_id) == (
        2, "resident_qr", "态度很好", app_world.world.actors["worker"].id)  # the worker who made the code

    again = new_app()
    again.query_params["t"] = token
    again = open_url(again.run(), "rate")
    assert "该二维码已提交过评价" in texts(again) and not again.button
    assert ratings_count(app_world.engine) == 1


def test_a_forged_code_is_refused_and_other_pages_stay_behind_the_login(app_world):
    public = new_app()
    public.query_params["t"] = "1.1.9999999999.forged"
    public = open_url(public.run(), "rate")
    assert "二维码无效" in texts(public) and not public.button
    at = open_url(public, "residents")
    assert [t.label for t in at.text_input] == ["用户名", "密码"]


def test_home_is_a_dashboard_for_each_role(app_world):
    seed(app_world, [5, 5, 4, 4, 3])
    at = login(new_app(), "supervisor1")
    labels = [m.label for m in at.metric]
    assert "在册居民" in labels and "在办调解案件" in labels and "本月满意度评价数" in labels
    assert dict(zip(labels, [m.value for m in at.metric], strict=True))["本月平均分"] == "4.20"
    deltas = {m.label: (m.delta, m.proto.direction) for m in at.metric}
    direction = Metric.MetricDirection
    assert deltas["本月满意度评价数"] == ("+5", direction.UP)
    # Nothing changed: said in words, with no arrow ("↑ +0" in green read as a rise).
    assert deltas["在册居民"] == ("持平", direction.NONE)
    # Each change says what it compares with: the month to date against the same days of last month.
    day = date.today().day
    assert "较上月末" in texts(at) and "标签没有历史记录，不作比较" in texts(at)
    # The special groups share one card, a line of each group's count, not a card each.
    assert "特殊群体在册人数" in texts(at) and not any(label.startswith("在册居民 ·") for label in labels)
    assert any(m.value.startswith("独居老人 **") and "低保 **" in m.value for m in at.markdown)
    assert any(c.value.startswith(f"本月 1–{day} 日，较上月 1–") for c in at.caption)
    # Each card's label is written above its figure, where it can wrap ("Active residents ·
    # Minimum living allowance (低保)"): Streamlit cuts a metric's own label to one line.
    assert set(labels) <= {m.value for m in at.markdown}
    assert {m.proto.label_visibility.value for m in at.metric} == {LabelVisibility.COLLAPSED}
    assert at.get("download_button")

    at = login(new_app(), "worker1")
    assert "我的待办" in texts(at) and not at.metric
    at = login(new_app(), "trainer1")
    assert "未来 30 天的课程" in texts(at) and not at.metric


def test_the_dashboard_is_shared_yet_shows_the_users_own_write_at_once(app_world):
    """The figures are read once per community and kept, but never past a write: the supervisor
    who registers a resident sees the count rise on the next look at home."""
    def residents_shown(at) -> str:
        return dict(zip([m.label for m in at.metric], [m.value for m in at.metric], strict=True))["在册居民"]

    seed(app_world, [5])
    at = login(new_app(), "supervisor1")
    before = int(residents_shown(at).replace(",", ""))
    assert residents_shown(login(new_app(), "supervisor1")) == str(before)  # a second tab: the same figures
    at = open_url(at, "resident-new")
    at.text_input(key="new_resident_name").input("李秀兰")
    at.text_input(key="new_resident_birth").input("1956-02-14")
    at.selectbox(key="new_resident_sex").select("女")
    at.text_input(key="new_resident_address").input("和平里小区7号楼1单元502")
    at.button(key="resident_new_submit").click().run()
    assert "已登记 李秀兰" in texts(at)
    assert residents_shown(open_url(at, "home")) == str(before + 1)


def test_a_public_only_instance_serves_the_rating_page_and_no_login(app_world, monkeypatch):
    at = open_url(login(new_app(), "worker1"), "ratings")
    at.button(key="FormSubmitter:token_new-生成二维码").click().run()
    token = at.session_state["ratings_code"][0]

    monkeypatch.setenv("LINLI_PUBLIC_ONLY", "true")
    for path in ("rate", "residents", "home"):
        public = new_app()
        public.query_params["t"] = token
        public = open_url(public.run(), path)
        assert not public.exception
        assert [t.value for t in public.title] == ["请为我们的服务评价"] and not public.text_input  # no login form


def test_qr_codes_carry_the_configured_public_address_and_posters_last_90_days(app_world, monkeypatch):
    monkeypatch.setenv("LINLI_PUBLIC_BASE_URL", "https://rate.example.org/")
    at = open_url(login(new_app(), "worker1"), "ratings")
    at.radio[-1].set_value("poster")  # the code form's kind
    at.button(key="FormSubmitter:token_new-生成二维码").click().run()
    token, kind, expires_at = at.session_state["ratings_code"]
    assert kind == "poster" and f"https://rate.example.org/rate?t={token}" in [c.value for c in at.code]
    assert 89 <= (expires_at.date() - date.today()).days <= 90


def test_a_revoked_code_stops_working_at_once(app_world):
    at = open_url(login(new_app(), "worker1"), "ratings")
    at.button(key="FormSubmitter:token_new-生成二维码").click().run()
    token = at.session_state["ratings_code"][0]
    at.button(key="FormSubmitter:token_revoke-停用").click().run()
    assert "二维码已停用。" in texts(at)

    public = new_app()
    public.query_params["t"] = token
    public = open_url(public.run(), "rate")
    assert "二维码已停用" in texts(public) and not public.button
    assert ratings_count(app_world.engine) == 0
