"""Synthetic demo data: one community, four grids, staff of every role.

Passwords are fresh on every seed and printed, so a visitor can log in as any role.
Re-running is safe: existing demo rows are kept and the passwords are renewed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from core.base import audit, clock, passwords
from core.base.crypto import Vault
from core.base.permissions import INSTALLATION_ROLES, Actor
from core.office import communities, users
from core.residents import imports
from core.residents.identity import check_digit
from core.training import categories
from db.engine import write_session
from db.models import Community, Grid, MediationCase, User

COMMUNITY = "和平里社区"
GRIDS = ("第一网格", "第二网格", "第三网格", "第四网格")
# (username, display name, role, grids by index)
STAFF = (
    ("sysadmin", "系统管理员 System administrator", "sysadmin", ()),
    ("admin", "管理员 Administrator", "admin", ()),
    ("wang.zhuren", "王主任", "supervisor", (0, 1, 2, 3)),
    ("li.wgy", "李秀英", "worker", (0,)),
    ("zhang.wgy", "张建国", "worker", (1,)),
    ("liu.wgy", "刘芳", "worker", (2,)),
    ("zhou.wgy", "周敏", "worker", (3,)),
    ("chen.px", "陈老师", "trainer", ()),
    ("jd.zhao", "赵科长（和平里街道）", "street", ()),
)
# Two small communities of the same 街道: (name, grids, residents, account prefix, staff names).
SMALL_COMMUNITIES = (("安定门社区", ("安定门第一网格", "安定门第二网格"), 80, "adm", ("孙主任", "周晓燕")),
                     ("青年湖社区", ("青年湖网格",), 40, "qnh", ("马主任", "何丽")))
_SYSTEM = Actor(id=0, username="demo-seed", role="sysadmin")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    password: str


def _community(session) -> tuple[Community, bool]:  # noqa: ANN001
    """The demo community, and whether this seed created it."""
    existing = session.scalar(select(Community).where(Community.name == COMMUNITY))
    if existing:
        return existing, False
    return communities.create_community(session, _SYSTEM, name=COMMUNITY, address="北京市东城区和平里街道"), True


def _grids(session, community: Community) -> list[Grid]:  # noqa: ANN001
    existing = {g.name: g for g in session.scalars(select(Grid).where(Grid.community_id == community.id))}
    return [
        existing.get(name) or communities.create_grid(session, _SYSTEM, community_id=community.id, name=name,
                                                      description=f"{name}：{3 + i} 栋楼")
        for i, name in enumerate(GRIDS)
    ]


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华志强海燕淑珍凤英小红晓东"
REGIONS = ("110101", "110105", "110108", "120101", "310104", "440106", "510104", "320102")
COMPOUNDS = ("和平里小区", "幸福家园", "安华里", "青年湖小区", "地坛花园")
# The groups a roster gives by age (a group the age rules out is refused: core.base.groups).
TAG_WORDS_BY_AGE = (
    (18, ("", "", "", "", "", "", "留守儿童", "困境儿童", "残疾人")),
    (60, ("", "", "", "", "", "", "", "残疾人", "低保", "失业人员", "退役军人", "特困人员")),
    (200, ("", "", "", "", "", "", "独居老人", "残疾人", "低保", "空巢老人、低保", "退役军人", "社区矫正")),
)
HEADER = ["姓名", "性别", "身份证号", "出生日期", "联系电话", "住址", "网格", "人员类别", "备注", "与户主关系", "户籍类型"]
HUKOU_WORDS = ("户籍人口",) * 7 + ("常住非户籍",) * 2 + ("流动人口",)


def people(count: int, grids: list[str], seed: int = 11) -> list[list[str]]:
    rng = random.Random(seed)
    rows, used = [], set()
    start, today = date(1930, 1, 1), clock.now().date()
    extra = random.Random(seed + 1)  # relation and 户籍: drawn apart, so the rows above stay as they were
    while len(rows) < count:
        born = start + timedelta(days=rng.randint(0, 33000))
        seq = f"{rng.randint(0, 999):03d}"
        first17 = rng.choice(REGIONS) + born.strftime("%Y%m%d") + seq
        id_number = first17 + check_digit(first17)
        if id_number in used:
            continue
        used.add(id_number)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}" if rng.random() < 0.8 else ""
        address = f"{rng.choice(COMPOUNDS)}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}"
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        words = next(words for below, words in TAG_WORDS_BY_AGE if age < below)
        rows.append([name, "", id_number, "", phone, address, rng.choice(grids), rng.choice(words), "",
                     "户主" if extra.random() < 0.7 else "", extra.choice(HUKOU_WORDS)])
    return rows



RESIDENTS = 360


def _on(day: date, hour: int) -> datetime:
    """That day at that hour, but never later than now: today's events have already happened."""
    return min(datetime.combine(day, datetime.min.time()).replace(hour=hour), clock.now())


def seed(engine: Engine, vault: Vault | None = None, *, rng: random.Random | None = None,
         files_dir: Path | None = None) -> list[DemoAccount]:
    rng = rng or random.Random(7)
    accounts = []
    with write_session(engine) as session:
        community, first_seed = _community(session)
        grids = _grids(session, community)
        for username, name, role, grid_indexes in STAFF:
            secret = f"Demo{rng.randint(1000, 9999)}{passwords.one_time_password()[:4]}"
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                users.create_user(session, None, username=username, display_name=name, role=role,
                                  community_id=None if role in INSTALLATION_ROLES else community.id, grid_ids=[grids[i].id for i in grid_indexes],
                                  password=secret, must_change_password=False)
            else:
                user.password_hash = passwords.hash_password(secret)
                user.must_change_password = False
                user.active = True
            accounts.append(DemoAccount(username, name, role, secret))
        if first_seed:
            _history(session, rng)
            if vault is not None:
                _residents(session, vault, community, grids)
                _backdate_residents(session, rng)
                _cases(session, rng)
                _showcase_cases(session, vault)
                _visits(session, rng)
                _activities(session, rng)
                _training(session, rng)
                if files_dir is not None:
                    _outside_hours(session, files_dir)
                    _activity_photos(session, files_dir)
            _ratings(session, rng)
        accounts += _small_communities(session, vault, rng, first_seed)
        if first_seed:
            _staff_since(session, clock.now() - timedelta(days=STAFF_DAYS))
            _annual_assessment(session, rng)
    return accounts


SUMMARIES_OF_THE_YEAR = ("全年走访独居老人和残疾人 180 余人次，调解邻里纠纷 14 件，组织健康讲座 6 场。",
                         "负责网格内低保户动态核查，协助办理医保缴费 200 余人次，调解纠纷 9 件。",
                         "组织老年人关怀活动 10 场，完成重点人员走访，配合防汛值守 30 天。",
                         "新入职，完成全部培训学时，熟悉网格 500 户居民情况。")


def _annual_assessment(session, rng: random.Random) -> None:  # noqa: ANN001
    """Last year's 年度考核 of 和平里, done: summaries, peer scores, 60 residents' forms each, the
    街道's score, all signed off, one objection waiting for an answer; this year's summaries begun."""
    from core.assessment import cycle

    staff = {u.username: users.actor_of(u) for u in session.scalars(select(User))}
    supervisor = staff["wang.zhuren"]
    workers = [staff[name] for name in ("li.wgy", "zhang.wgy", "liu.wgy", "zhou.wgy")]
    year = clock.now().year - 1
    when = datetime(year, 12, 20, 10)
    for worker, summary in zip(workers, SUMMARIES_OF_THE_YEAR, strict=True):
        cycle.write_summary(session, worker, year, summary, now=when)
        for colleague in workers:
            if colleague.id != worker.id:
                cycle.score_colleague(session, colleague, worker.id, year,
                                      {name: rng.randint(78, 96) for name in cycle.Scheme().criteria}, now=when)
        satisfied = rng.randint(36, 46)  # of 60 forms: the rest basic, 8 from 代表 and 党员
        for verdict, ordinary, count in (("satisfied", True, satisfied), ("basic", True, 60 - satisfied - 8),
                                         ("basic", False, 6), ("unsatisfied", False, 2)):
            cycle.add_forms(session, supervisor, worker.id, year, verdict, ordinary, count, now=when)
        cycle.score_street(session, supervisor, worker.id, year, rng.randint(80, 94), now=when)
        cycle.sign_off(session, supervisor, worker.id, year, now=when + timedelta(days=5))
    cycle.file_objection(session, workers[2], year, "群众测评表中有两份属于其他网格，请核对。", now=when + timedelta(days=7))
    for worker in workers[:2]:
        cycle.write_summary(session, worker, year + 1, "上半年：" + SUMMARIES_OF_THE_YEAR[0][:20], now=clock.now())


STAFF_DAYS = 400  # the demo's staff have held their grids for over a year: the history is theirs


def _staff_since(session, since: datetime) -> None:  # noqa: ANN001
    """Accounts made, and grids held, since before the demo's year of history begins."""
    from sqlalchemy import update

    from db.models import GridAssignment

    session.execute(update(User).values(created_at=since))
    session.execute(update(GridAssignment).values(starts_on=since.date()))


def _small_communities(session, vault: Vault | None, rng: random.Random, first_seed: bool  # noqa: ANN001
                       ) -> list[DemoAccount]:
    """安定门 and 青年湖: a supervisor and a worker each, their residents, a few cases and half a
    year of ratings, so the 街道's overview compares a large community with two small ones."""
    from sqlalchemy import insert

    from core.mediation import dispute_types
    from core.mediation import service as mediations
    from core.satisfaction import service as satisfaction
    from db.models import Rating

    accounts = []
    today = clock.now().date()
    for name, grid_names, resident_count, prefix, (boss, worker_name) in SMALL_COMMUNITIES:
        community = session.scalar(select(Community).where(Community.name == name)) or communities.create_community(
            session, _SYSTEM, name=name, address="北京市东城区和平里街道")
        existing = {g.name: g for g in session.scalars(select(Grid).where(Grid.community_id == community.id))}
        grids = [existing.get(grid) or communities.create_grid(session, _SYSTEM, community_id=community.id, name=grid)
                 for grid in grid_names]
        staff = {}
        for username, display, role in ((f"{prefix}.zhuren", boss, "supervisor"), (f"{prefix}.wgy", worker_name, "worker")):
            secret = f"Demo{rng.randint(1000, 9999)}{passwords.one_time_password()[:4]}"
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                user = users.create_user(session, None, username=username, display_name=display, role=role,
                                         community_id=community.id, grid_ids=[g.id for g in grids] if role == "worker" else [],
                                         password=secret, must_change_password=False).user
            else:
                user.password_hash, user.must_change_password, user.active = passwords.hash_password(secret), False, True
            staff[role] = user
            accounts.append(DemoAccount(username, display, role, secret))
        if not first_seed:
            continue
        worker = users.actor_of(staff["worker"])
        if vault is not None:
            _residents(session, vault, community, grids, rows=people(resident_count, list(grid_names),
                                                                     seed=len(name) + resident_count))
        if name == "安定门社区":
            _own_dispute_types(session, community.id)
        kinds = list(dispute_types.offered(session, worker))
        for number in range(3):
            mediations.register(session, worker, mediations.CaseInput(
                intake_date=today - timedelta(days=10 * number + 2), source="application", type_id=rng.choice(kinds),
                grid_id=grids[number % len(grids)].id, facts=rng.choice(FACTS),
                parties=[mediations.PartyInput(name=rng.choice(SURNAMES) + rng.choice(GIVEN)),
                         mediations.PartyInput(side="respondent", name=rng.choice(SURNAMES) + rng.choice(GIVEN))]))
        rows = []
        for _ in range(resident_count):  # about as many ratings in half a year as the community has residents
            rated_on = today - timedelta(days=rng.randint(0, 180))
            at = _on(rated_on, rng.randint(8, 19))
            rows.append({"score": _score(rng, 0.1 if prefix == "adm" else -0.3), "comment": "",
                         "grid_id": rng.choice(grids).id, "rated_on": rated_on, "category": "visit",
                         "channel": "phone_survey", "worker_id": staff["worker"].id, "source_id": None,
                         "recorded_by": staff["supervisor"].id, "created_at": at, "updated_at": at, "version": 1})
        session.execute(insert(Rating), rows)
    if first_seed:
        satisfaction.rebuild_summary(session)
    return accounts


def _residents(session, vault: Vault, community: Community, grids: list[Grid],  # noqa: ANN001
               rows: list[list[str]] | None = None) -> None:
    """A few hundred residents across the four grids (or `rows`), through the same import as the
    office's roster (made by the community's supervisor, who may set sensitive groups)."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *(rows if rows is not None else people(RESIDENTS, list(GRIDS), seed=2026))])
    supervisor = replace(_SYSTEM, role="supervisor", community_id=community.id,
                         grid_ids=frozenset(grid.id for grid in grids))
    imports.import_residents(session, supervisor, vault, out.getvalue().encode(), "demo.csv")


def _backdate_residents(session, rng: random.Random) -> None:  # noqa: ANN001
    """Registrations spread over three years, a few this month, so "since last month" means something."""
    from sqlalchemy import update

    from db.models import Resident

    now = clock.now()
    for resident_id in session.scalars(select(Resident.id)):
        days = rng.randint(0, 20) if rng.random() < 0.05 else rng.randint(35, 1100)
        at = now - timedelta(days=days, hours=rng.randint(0, 8))
        session.execute(update(Resident).where(Resident.id == resident_id).values(created_at=at, updated_at=at)
                        .execution_options(synchronize_session=False))


VISIT_NOTES = ("老人精神尚可，按时服药", "家中整洁，子女每周来看望", "反映腿脚不便，希望有人帮忙买菜", "独自在家，电话联系无人接听后上门",
               "燃气灶使用不当，已现场讲解", "楼道堆放杂物，已提醒清理", "需要陪同就医", "")


def _visits(session, rng: random.Random) -> None:  # noqa: ANN001
    """About two and a half months of care visits in 和平里 by the grids' workers: most on time, some
    late, some missed; the supervisor has confirmed most tiers (one changed, with its reason), and
    a hospital stay recorded last night is due on today's round."""
    from core.visits import plans, rules
    from core.visits import service as visits

    today = clock.now().date()
    staff = {u.username: users.actor_of(u) for u in session.scalars(select(User))}
    supervisor = staff["wang.zhuren"]
    worker_of = {grid_id: actor for actor in staff.values() if actor.role == "worker"
                 and actor.community_id == supervisor.community_id for grid_id in actor.grid_ids}
    periods = plans.frequencies(session, supervisor.community_id)
    people = plans.planned(session, supervisor, today)
    for person in people:
        worker = worker_of.get(person.grid_id)
        if worker is None:
            continue
        kind = periods[person.tier]  # type: ignore[index]
        day = today - timedelta(days=75)
        while day <= today:
            start, end = rules.period_of(day, kind)
            day = end + timedelta(days=1)
            if end < person.joined:
                continue
            length = (min(end, today) - start).days
            chance = rng.random()
            if chance < 0.72:  # early in the period: on time as a rule
                visited = start + timedelta(days=rng.randint(0, length // 3))
            elif chance < 0.86:  # late in it
                visited = start + timedelta(days=rng.randint(2 * length // 3, length))
            else:
                continue  # missed
            visits.record(session, worker, visits.VisitInput(
                resident_id=person.resident_id, visited_on=visited,
                method=rng.choices(visits.METHODS, weights=(60, 25, 2, 9, 4))[0],
                health=rng.choice(("good", "good", "fair", "poor", "")), living=rng.choice(("good", "fair", "")),
                hazards=tuple(rng.sample(visits.HAZARDS, k=1)) if rng.random() < 0.1 else (),
                needs=tuple(rng.sample(visits.NEEDS, k=1)) if rng.random() < 0.2 else (),
                notes=rng.choice(VISIT_NOTES), follow_up=rng.random() < 0.1), now=_on(visited, 16))
    for index, person in enumerate(people):
        if index % 5 == 0:
            continue  # left for the supervisor to confirm
        changed = index == 1
        plans.decide(session, supervisor, person.resident_id, "high" if changed else person.tier or plans.NOT_PLANNED,
                     "独居，近期两次摔倒" if changed and person.tier != "high" else "", today=today,
                     now=_on(today - timedelta(days=20), 10))
    if people:
        first = people[0]
        visits.record_major_change(session, worker_of.get(first.grid_id, supervisor), first.resident_id, "hospital",
                                   today - timedelta(days=1), "突发脑梗住院，家属已赶到",
                                   now=_on(today - timedelta(days=1), 21))


def _history(session, rng: random.Random) -> None:  # noqa: ANN001
    """A month of logins and a few lockouts, so the audit screen has content."""
    start = clock.now() - timedelta(days=30)
    for day in range(30):
        for username, _name, _role, _grids in STAFF[1:]:
            if rng.random() < 0.6:
                at = start + timedelta(days=day, hours=8 + rng.randint(0, 9), minutes=rng.randint(0, 59))
                action = "login" if rng.random() < 0.93 else "login_failed"
                audit.record(session, None, action, object_type="user", object_id=username,
                             actor_username=username, now=at)


def accounts_banner(accounts: list[DemoAccount]) -> str:
    rows = "\n".join(f"   {a.role:<11} {a.username:<12} {a.password:<20} {a.display_name}" for a in accounts)
    line = "=" * 72
    return f"\n{line}\n Linli demo accounts (synthetic data; passwords renewed on each start)\n{line}\n{rows}\n{line}\n"


ACTIVITY_PLANS = (  # (title, category, aimed at, capacity, open event, topic)
    ("重阳节敬老慰问", "老年人关怀", ("elderly_alone", "empty_nest"), 30, False, ""),
    ("独居老人生日会", "老年人关怀", ("elderly_alone",), 20, False, ""),
    ("高血压健康讲座", "健康讲座", ("oldest_old", "empty_nest"), 40, False, ""),
    ("书法兴趣小组", "文化活动", (), 15, False, ""),
    ("暑期四点半课堂", "儿童托管", ("left_behind_child", "child_in_difficulty"), 20, False, ""),
    ("心理健康小课堂", "心理健康支持", (), 25, False, ""),
    ("楼道清理志愿服务", "志愿服务", (), None, False, ""),
    ("反诈宣传进广场", "政策宣传", (), None, True, "反诈"),
    ("医保缴费政策宣传", "政策宣传", (), None, True, "医保缴费"),
    ("垃圾分类宣传", "政策宣传", (), None, True, "垃圾分类"),
)
SUMMARIES = ("活动顺利开展，居民反响良好", "志愿者协助老人到场", "现场发放宣传材料", "")


def _activities(session, rng: random.Random) -> None:  # noqa: ANN001
    """A year of community activities in 和平里: about eight a month, each for a grid's residents;
    past ones with their sign-ups, attendance and walk-ins (open events with a head count and a
    reach), two cancelled with a reason, and the next few weeks planned with sign-ups open."""
    from core.activities import ratings
    from core.activities import service as activities
    from db.models import ActivityCategory

    today = clock.now().date()
    staff = {u.username: users.actor_of(u) for u in session.scalars(select(User))}
    supervisor = staff["wang.zhuren"]
    workers = [actor for actor in staff.values() if actor.role == "worker" and actor.community_id ==
               supervisor.community_id and actor.grid_ids]
    kinds = dict(session.execute(select(ActivityCategory.name, ActivityCategory.id)
                                 .where(ActivityCategory.community_id.is_(None))).tuples().all())
    day = today - timedelta(days=365)
    cancelled = 0
    while day <= today + timedelta(days=21):
        day += timedelta(days=rng.randint(2, 6))
        worker = rng.choice(workers)
        grid_id = rng.choice(sorted(worker.grid_ids))
        title, kind, aimed, capacity, open_event, topic = rng.choice(ACTIVITY_PLANS)
        starts = datetime.combine(day, datetime.min.time()).replace(hour=rng.choice((9, 10, 14, 15)))
        planned_at = min(starts - timedelta(days=10), clock.now())
        activity = activities.create(session, worker, activities.ActivityInput(
            title=title, category_id=kinds[kind], starts_at=starts, ends_at=starts + timedelta(hours=2),
            place=rng.choice(("居委会活动室", "社区广场", "党群服务中心", "和平里小区会所")), capacity=capacity,
            grid_ids=[grid_id], target_groups=list(aimed), open_event=open_event, topic=topic,
            partners=rng.choice(("", "阳光社工服务中心", "和平里志愿者服务队"))), now=planned_at)
        if open_event:
            if starts <= clock.now():
                activities.record_count(session, worker, activity.id, head_count=rng.randint(30, 150),
                                        reach=rng.randint(100, 400), now=min(starts + timedelta(hours=1), clock.now()))
            continue
        invited = activities.candidates(session, worker, activity.id)
        rng.shuffle(invited)
        for person in invited[:rng.randint(3, 12)]:
            activities.sign_up(session, worker, activity.id, person["id"], now=min(starts - timedelta(days=3),
                                                                                      clock.now()))
        if starts > clock.now():
            continue
        if cancelled < 2 and rng.random() < 0.05:
            session.flush()
            activities.cancel(session, worker, activity.id, activity.version, rng.choice(("讲师临时有事", "暴雨预警")),
                              now=starts - timedelta(days=1))
            cancelled += 1
            continue
        listed = [p["id"] for p in activities.participants(session, worker, activity.id) if p["state"] == "signed_up"]
        on_the_day = min(starts + timedelta(minutes=30), clock.now())  # nothing later than now
        activities.mark_attendance(session, worker, activity.id, {pid for pid in listed if rng.random() < 0.85},
                                   now=on_the_day)
        if rng.random() < 0.3:
            activities.walk_in(session, worker, activity.id, name=rng.choice(("路过居民", "家属陪同")), phone="",
                               now=on_the_day)
        session.flush()
        activities.summarise(session, worker, activity.id, activity.version, rng.choice(SUMMARIES),
                             rng.choice((0, 2, 4, 6)), now=min(starts + timedelta(hours=3), clock.now()))
        for _ in range(rng.choice((0, 0, 3, 5, 7))):  # residents' ratings, from the follow-up calls
            ratings.record_phone_rating(session, worker, activity.id, rng.choice((5, 5, 4, 4, 4, 3, 2)),
                                        now=min(starts + timedelta(days=2), clock.now()))


def _activity_photos(session, files_dir: Path) -> None:  # noqa: ANN001
    """A photo (drawn here: no real person) for each of the last three activities held with names."""
    import io

    from PIL import Image, ImageDraw

    from core.activities import photos
    from db.models import Activity

    held = session.scalars(select(Activity).where(Activity.status == "planned", Activity.open_event.is_(False),
                                                  Activity.starts_at <= clock.now())
                           .order_by(Activity.starts_at.desc()).limit(3)).all()
    staff = {u.id: users.actor_of(u) for u in session.scalars(select(User))}
    for index, activity in enumerate(held):
        picture = Image.new("RGB", (960, 640), (235, 228, 214))
        draw = ImageDraw.Draw(picture)
        for seat in range(8):  # a room with people sitting round a table, as coloured shapes
            x = 140 + seat * 90
            draw.ellipse((x, 250, x + 60, 310), fill=(90 + seat * 15, 120, 160 - seat * 10))
            draw.rectangle((x - 5, 310, x + 65, 420), fill=(60 + seat * 20, 90, 130))
        draw.rectangle((100, 420, 860, 470), fill=(150, 105, 70))
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=85)
        photos.add(session, staff[activity.created_by], activity.id, photos.PhotoInput(
            buffer.getvalue(), f"活动照片{index + 1}.jpg"), files_dir,
            now=min(activity.starts_at + timedelta(hours=1), clock.now()))


def _own_dispute_types(session, community_id: int) -> None:  # noqa: ANN001
    """An inner-city community's list: a type of its own (噪音扰民), and no 山林土地."""
    from dataclasses import replace

    from core.mediation import dispute_types
    from db.models import DisputeType

    admin = replace(_SYSTEM, role="admin", community_id=community_id)
    dispute_types.save(session, admin, name="噪音扰民")
    rural = session.scalar(select(DisputeType.id).where(DisputeType.community_id.is_(None), DisputeType.name == "山林土地"))
    if rural is not None:
        dispute_types.set_offered(session, admin, rural, offered=False)


FACTS = ("楼上漏水，双方就维修费用争执", "装修噪音扰民，多次协商未果", "公共楼道堆放杂物引发争吵", "宠物犬伤人，就医药费赔偿发生纠纷",
         "停车位占用纠纷", "赡养老人费用分担争议", "邻里间空调外机噪音纠纷", "物业费缴纳争议")


# What ending a case asks for (core.mediation.service.transition), as a worker would fill it in.
DEMO_REASONS = {"fail": {"note": "双方分歧过大，无法达成一致", "routes_explained": True},
                "withdraw": {"note": "申请人自行和解，撤回申请"},
                "refer": {"note": "涉及治安管理，移交处理", "referred_to": "和平里派出所"}}


def _cases(session, rng: random.Random) -> None:  # noqa: ANN001
    """About a year of mediation cases in every state, so the lists, to-do and statistics have content."""
    from core.mediation import agreements, dispute_types
    from core.mediation import service as mediations
    from db.models import Resident

    today = clock.now().date()
    grids = {g.name: g.id for g in session.scalars(select(Grid))}
    staff = {u.username: u for u in session.scalars(select(User))}
    kinds = list(dispute_types.offered(session, users.actor_of(staff["li.wgy"])))
    residents_by_grid: dict[int, list[int]] = {}
    for resident_id, grid_id in session.execute(select(Resident.id, Resident.grid_id)):
        residents_by_grid.setdefault(grid_id, []).append(resident_id)
    workers = [("li.wgy", ["第一网格"]), ("zhang.wgy", ["第二网格"]), ("liu.wgy", ["第三网格"]), ("zhou.wgy", ["第四网格"])]
    for index in range(70):
        username, grid_names = workers[index % len(workers)]
        user = staff[username]
        actor = users.actor_of(user)
        grid_id = grids[rng.choice(grid_names)]
        intake = today - timedelta(days=rng.randint(0, 360))
        people = rng.sample(residents_by_grid.get(grid_id, []), k=2) if len(residents_by_grid.get(grid_id, [])) >= 2 else []
        parties = ([mediations.PartyInput(side="applicant", resident_id=people[0]),
                    mediations.PartyInput(side="respondent", resident_id=people[1])] if people
                   else [mediations.PartyInput(side="applicant", name="王大爷"),
                         mediations.PartyInput(side="respondent", name="楼下商户")])
        at = _on(intake, 9)
        case = mediations.register(session, actor, mediations.CaseInput(
            intake_date=intake, source=rng.choice(mediations.SOURCES), type_id=rng.choice(kinds), grid_id=grid_id,
            facts=rng.choice(FACTS), amount_claimed=rng.choice((0, 0, 500, 1200, 3000)), parties=parties), now=at)
        age = (today - intake).days
        steps = rng.choice((["start"], ["start", "agree"], ["start", "agree", "follow_up", "close"],
                            ["start", "fail"], ["start", "agree", "follow_up"], ["withdraw"], []))
        day = intake
        for step in steps:
            day = min(today, day + timedelta(days=rng.randint(1, max(2, min(age, 20)))))
            when = _on(day, 15)
            if step == "agree":
                written = rng.random() < 0.7
                amount = rng.choice((0, 300, 800, 1500))
                agreements.record_agreement(session, actor, case.id, case.version, agreements.AgreementInput(
                    agreed_on=day, written=written, declined_written=not written and amount > 0,
                    responsibilities="双方均有不当之处，被申请人负主要责任", terms="双方同意按协商方案解决，相互谅解",
                    amount=amount, performance_deadline=day + timedelta(days=10) if written else None,
                    performance_manner="现金" if written else "", performance_place="社区居委会" if written else ""),
                    now=when)
            elif step == "follow_up":
                agreements.record_follow_up(session, actor, case.id, case.version, agreements.FollowUpInput(
                    visited_on=day, performed=rng.choice(("yes", "yes", "partly")),
                    satisfaction=rng.choice((3, 4, 5, 5))), now=when)
            else:
                mediations.transition(session, actor, case.id, case.version, step, now=when, **DEMO_REASONS.get(step, {}))
            session.flush()


def _showcase_cases(session, vault: Vault) -> None:  # noqa: ANN001
    """Three cases that show what the law asks, told as they happened: a property company as a party
    with a written agreement confirmed by a court (司法确认); a case whose agreement was not
    performed, reopened by the supervisor and settled again (再次调解); a child with a guardian."""
    from core.mediation import agreements, dispute_types, parties
    from core.mediation import service as mediations
    from core.mediation.parties import PartyInput

    today = clock.now().date()
    staff = {u.username: users.actor_of(u) for u in session.scalars(select(User))}
    worker, supervisor = staff["li.wgy"], staff["wang.zhuren"]
    grid = session.scalar(select(Grid.id).where(Grid.name == "第一网格"))
    kinds = {name: kind for kind, name in dispute_types.offered(session, worker).items()}

    def case(days_ago: int, kind: str, facts: str, parties: list[PartyInput]) -> int:
        registered = mediations.register(session, worker, mediations.CaseInput(
            intake_date=today - timedelta(days=days_ago), source="application", type_id=kinds[kind], grid_id=grid,
            facts=facts, parties=parties), vault=vault, now=_on(today - timedelta(days=days_ago), 9))
        session.flush()
        step(registered.id, days_ago, "start")
        return registered.id

    def version(case_id: int) -> int:
        session.flush()
        return session.scalar(select(MediationCase.version).where(MediationCase.id == case_id))

    def step(case_id: int, days_ago: int, action: str, actor: Any = worker, **given: Any) -> None:
        mediations.transition(session, actor, case_id, version(case_id), action, now=_on(today - timedelta(
            days=days_ago), 10), **{**DEMO_REASONS.get(action, {}), **given})

    def agree(case_id: int, days_ago: int, **fields: Any) -> None:
        day = today - timedelta(days=days_ago)
        agreements.record_agreement(session, worker, case_id, version(case_id), agreements.AgreementInput(**{
            "agreed_on": day, "performance_deadline": day + timedelta(days=10), "performance_manner": "银行转账",
            "performance_place": "和平里社区居委会", **fields}), now=_on(day, 16))

    def visit(case_id: int, days_ago: int, performed: str, **fields: Any) -> None:
        day = today - timedelta(days=days_ago)
        agreements.record_follow_up(session, worker, case_id, version(case_id), agreements.FollowUpInput(
            visited_on=day, performed=performed, satisfaction=4 if performed == "yes" else 2, **fields),
            now=_on(day, 15))

    company = case(70, "物业", "小区电梯停运两周，业主要求物业公司减免物业费", [
        PartyInput(side="applicant", name="陈淑华", phone="13911112222", address="和平里小区7号楼1单元502"),
        PartyInput(side="respondent", kind="organisation", name="顺达物业管理有限公司", org_code="91110105MA01ABCD1" + parties.org_code_check("91110105MA01ABCD1"),
                   representative="赵立新", representative_role="legal", phone="13800003333")])
    agree(company, 60, responsibilities="物业公司未及时维修电梯，负主要责任", terms="物业公司减免当季物业费 600 元",
          amount="600")
    agreements.record_judicial_confirmation(session, worker, company, agreements.JudicialInput(
        applied_on=today - timedelta(days=55), court="北京市东城区人民法院", result="confirmed",
        decided_on=today - timedelta(days=40)), now=_on(today - timedelta(days=40), 11))
    visit(company, 45, "yes")

    again = case(50, "邻里", "楼上漏水损坏楼下吊顶，就维修费用争执", [
        PartyInput(side="applicant", name="周建华", phone="13700004444"),
        PartyInput(side="respondent", name="吴桂兰", phone="13600005555")])
    for days_ago, place, said in ((48, "和平里社区调解室", "双方陈述漏水经过，周建华要求赔偿吊顶维修费 1500 元"),
                                  (45, "周建华家中", "现场查看吊顶受损情况，吴桂兰认可漏水责任")):
        mediations.log_session(session, worker, again, held_on=today - timedelta(days=days_ago), place=place,
                               present="周建华、吴桂兰、网格员李秀英", summary=said,
                               now=_on(today - timedelta(days=days_ago), 11))
    agree(again, 44, responsibilities="吴桂兰家水管老化漏水，负全部责任", terms="吴桂兰承担维修费 1500 元", amount="1500")
    visit(again, 30, "no", advised_court=True, note="吴桂兰称经济困难，未付款")
    step(again, 28, "reopen", supervisor, note="回访发现未履行，双方同意再次调解")
    agree(again, 20, responsibilities="吴桂兰家水管老化漏水，负全部责任", terms="吴桂兰分三期承担维修费 1500 元",
          amount="1500")

    from core.mediation import judicial_office

    judicial_office.record_prevention(session, worker, company, judicial_office.PreventionInput(
        "petition", 15, "业主酝酿集体到街道上访，调解达成后平息"), now=_on(today - timedelta(days=60), 17))
    judicial_office.record_prevention(session, worker, again, judicial_office.PreventionInput(
        "crime", 2, "双方发生推搡并扬言报复，经及时调解未进一步冲突"), now=_on(today - timedelta(days=45), 17))
    for days_ago in range(360, 0, -12):  # a year of 排查 by each worker in their grid
        for username, grid_name in (("li.wgy", "第一网格"), ("zhang.wgy", "第二网格"), ("liu.wgy", "第三网格")):
            judicial_office.log_screening(session, staff[username], judicial_office.ScreeningInput(
                session.scalar(select(Grid.id).where(Grid.name == grid_name)), today - timedelta(days=days_ago),
                (days_ago // 12 + len(username)) % 4, "入户走访排查"), now=_on(today - timedelta(days=days_ago), 18))

    from core.mediation import early_warning

    for days_ago, facts in ((80, "5号楼2单元楼道堆物引发争吵"), (8, "5号楼2单元再次因堆物发生冲突，一方扬言报复")):
        repeat = case(days_ago, "邻里", facts, [
            PartyInput(side="applicant", name="冯德明", phone="13300008888", address="和平里小区5号楼2单元"),
            PartyInput(side="respondent", name="钱玉芬", phone="13200009999", address="和平里小区5号楼2单元")])
    early_warning.set_risk(session, worker, repeat, version(repeat), level="high", reason="一方扬言报复，双方多次冲突",
                           reported_to="和平里派出所", reported_on=today - timedelta(days=7),
                           now=_on(today - timedelta(days=7), 12))

    child = case(12, "损害赔偿", "儿童在小区玩耍时撞伤老人，就医药费发生纠纷", [
        PartyInput(side="applicant", name="孙老太", phone="13500006666"),
        PartyInput(side="respondent", name="郑小宇", birth_date=date(today.year - 10, today.month, min(today.day, 28)), sex="M",
                   agent_kind="guardian", agent_name="郑国强", agent_phone="13400007777")])
    agree(child, 5, written=False, declined_written=True, responsibilities="", terms="郑国强当面支付医药费 300 元，双方和好",
          amount="300", performance_manner="", performance_place="", performance_deadline=None)


def _training(session, rng: random.Random) -> None:  # noqa: ANN001
    """A year of courses with rosters, qualifications and certificates, for the training screens."""
    from core.training import service as training
    from db.models import Certificate, StaffQualification

    staff = {u.username: u for u in session.scalars(select(User))}
    trainer = users.actor_of(staff["chen.px"])
    session.add_all([
        StaffQualification(user_id=staff["li.wgy"].id, level="assistant", registered_on=date(2024, 3, 1)),
        StaffQualification(user_id=staff["zhang.wgy"].id, level="social_worker", registered_on=date(2025, 7, 1)),
        StaffQualification(user_id=staff["wang.zhuren"].id, level="senior", registered_on=date(2023, 12, 1)),
    ])
    today = clock.now().date()
    for name, days in (("li.wgy", 40), ("zhang.wgy", 400), ("liu.wgy", 20)):
        session.add(Certificate(user_id=staff[name].id, name="人民调解员证", number=f"TJ{rng.randint(10000, 99999)}",
                                issued_on=today - timedelta(days=700), expires_on=today + timedelta(days=days)))
    learners = [staff[n].id for n in ("li.wgy", "zhang.wgy", "liu.wgy", "wang.zhuren")]
    seeded = categories.SEEDED_IDS
    # Only the social-work courses count toward a 社工's quota; the 应急演练 toward none.
    topics = (("人民调解法实务", "调解", seeded["social_work"]), ("社区矛盾排查", "调解", seeded["annual"]),
              ("老年人关爱服务", "社会工作", seeded["social_work"]), ("个人信息保护法解读", "法律", seeded["annual"]),
              ("突发事件应急演练", "应急", seeded["other"]), ("社区心理疏导", "社会工作", seeded["social_work"]))
    for index in range(10):
        title, topic, category = topics[index % len(topics)]
        starts = datetime.combine(today - timedelta(days=30 * index + 3), datetime.min.time()).replace(hour=9)
        hours = rng.choice((3, 3, 6))  # a half day or a whole day
        course = training.create_course(session, trainer, training.CourseInput(
            category_id=category, title=title, topic=topic, provider="街道社工站", place="社区活动室", starts_at=starts,
            ends_at=starts + timedelta(hours=hours + (2 if hours > 4 else 0)), credit_hours=hours,
            mandatory=index % 3 == 0,
            participant_ids=learners), now=starts - timedelta(days=7))
        # 刘 (liu.wgy) misses most: the worker behind pace on 培训达标, with a mandatory course missed
        entries = [training.RosterEntry(uid, "absent" if uid == staff["liu.wgy"].id and index % 4 else
                                        rng.choice(("present", "present", "present", "late", "excused")),
                                        course.credit_hours) for uid in learners]
        training.save_roster(session, trainer, course.id, 0, entries, now=starts + timedelta(hours=3))


def _certificate_scan() -> bytes:
    """A certificate-shaped PNG (a frame, a seal, lines of text as bars): what a phone scan uploads."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 560), (252, 250, 242))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 540), outline=(160, 30, 30), width=8)
    for row, width in enumerate((420, 620, 600, 560, 300)):
        draw.rectangle((90, 110 + row * 70, 90 + width, 130 + row * 70), fill=(70, 70, 70))
    draw.ellipse((560, 380, 700, 520), outline=(200, 20, 20), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _outside_hours(session, files_dir: Path) -> None:  # noqa: ANN001
    """Hours earned elsewhere: 张建国's online course approved by 王主任; 李秀英's waiting for review."""
    from core.training import external

    staff = {u.username: users.actor_of(u) for u in session.scalars(select(User))}
    today = clock.now().date()
    scan = _certificate_scan()
    for who, title, organiser, hours, days in (("zhang.wgy", "社区社会工作实务（网络课程）", "省社会工作联合会", 12, 60),
                                               ("li.wgy", "老年社会工作专题研修", "市社会工作者协会", 8, 10)):
        claim = external.submit_claim(session, staff[who], external.ClaimInput(
            title=title, organiser=organiser, category_id=categories.SOCIAL_WORK,
            completed_on=today - timedelta(days=days), hours=hours, file_name="结业证书.png", content=scan),
            files_dir, now=clock.now() - timedelta(days=days - 2))
        if who == "zhang.wgy":
            external.decide(session, staff["wang.zhuren"], claim.id, approve=True,
                            now=clock.now() - timedelta(days=days - 5))


RATINGS = 2000
PRAISE = ("服务很周到，谢谢网格员", "办事效率高", "态度很好，解释得很清楚", "楼道干净多了", "上门很及时")
COMPLAINTS = ("反映的楼道照明问题一个月了还没修", "电话打了好几次都没人接", "垃圾清运不及时，夏天味道很大",
              "调解后对方还是晚上装修，没有改善", "办事要跑好几趟，材料要求说不清楚", "小区门口停车乱，没人管")
# Staff-channel ratings concern the grid's own worker; grids differ a little, and things improve slowly.
_GRID_WORKER = ("li.wgy", "zhang.wgy", "liu.wgy", "zhou.wgy")
_GRID_MOOD = (0.3, 0.0, -0.3, 0.1)


def _score(rng: random.Random, mood: float) -> int:
    return max(1, min(5, round(rng.gauss(3.9 + mood, 1.0))))


def _ratings(session, rng: random.Random) -> None:  # noqa: ANN001
    """A year of ratings from every channel, bulk-inserted with the summary rebuilt from them, and a
    few QR codes. Mediation follow-ups already rated through the cases above."""
    from sqlalchemy import insert

    from core.satisfaction import service as satisfaction
    from db.models import Rating

    staff = {u.username: u for u in session.scalars(select(User))}
    grids = [session.scalar(select(Grid.id).where(Grid.name == name)) for name in GRIDS]
    posters = []
    for index, grid_id in enumerate(grids):
        issuer = users.actor_of(staff[_GRID_WORKER[index]])
        posters.append(satisfaction.issue_token(session, issuer, "demo", satisfaction.TokenRequest(
            kind="poster", grid_id=grid_id, category="service", valid_days=180)).token_id)
    satisfaction.issue_token(session, users.actor_of(staff["li.wgy"]), "demo", satisfaction.TokenRequest(
        kind="single_use", grid_id=grids[0], category="visit", worker_id=staff["li.wgy"].id))
    today = clock.now().date()
    rows = []
    for _ in range(RATINGS):
        grid_index = rng.choices(range(len(grids)), weights=(4, 3, 2, 2))[0]
        channel = rng.choices(("visit", "phone_survey", "resident_qr"), weights=(35, 30, 35))[0]
        age = rng.randint(0, 364)
        worker = staff[_GRID_WORKER[grid_index]]
        qr = channel == "resident_qr"
        # Before the rule, workers typed in ratings about themselves, and rosier ones (工作人员记录);
        # the last four months' visit and phone ratings are the supervisor's calls (第三方/主管回访).
        self_entered = not qr and age > 120
        score = _score(rng, _GRID_MOOD[grid_index] - age / 1500 + (0.4 if self_entered else 0))
        recorded_by = None if qr else worker.id if self_entered else staff["wang.zhuren"].id
        comment = ""
        if score <= 2 and rng.random() < 0.5:
            comment = rng.choice(COMPLAINTS)
        elif score == 5 and rng.random() < 0.05:
            comment = rng.choice(PRAISE)
        rated_on = today - timedelta(days=age)
        at = _on(rated_on, rng.randint(8, 19))
        rows.append({"score": score, "comment": comment, "grid_id": grids[grid_index], "rated_on": rated_on,
                     "category": "service" if qr else rng.choice(("visit", "visit", "service", "environment",
                                                                  "safety", "other")),
                     "channel": channel, "worker_id": None if qr else worker.id,
                     "source_id": posters[grid_index] if qr else None, "recorded_by": recorded_by,
                     "created_at": at, "updated_at": at, "version": 1})
    session.execute(insert(Rating), rows)
    satisfaction.rebuild_summary(session)
