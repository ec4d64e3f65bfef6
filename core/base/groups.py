"""Special groups of residents (网格化 practice) and who may see which.

Sensitive groups (PIPL arts. 28, 31: health, finances, minors; and 重点人员) are seen only by the
resident's grid worker and the supervisor (`resident.sensitive`, grid-scoped); the admin and
everyone else see the resident without them: on screens, in exports, in the resident's history
and in the audit trail.
"""

from __future__ import annotations

from core.base.permissions import Actor, can

# Code → whether it is sensitive.
TAGS: dict[str, bool] = {
    "elderly_alone": False,  # 独居老人
    "empty_nest": False,  # 空巢老人
    "disabled": True,  # 残疾人
    "dibao": True,  # 低保
    "destitute": True,  # 特困人员
    "left_behind_child": True,  # 留守儿童
    "child_in_difficulty": True,  # 困境儿童
    "special_care": False,  # 优抚对象
    "veteran": False,  # 退役军人
    "unemployed": False,  # 失业人员
    "community_correction": True,  # 社区矫正对象
    "post_release": True,  # 安置帮教对象
    "severe_mental_disorder": True,  # 严重精神障碍患者
    "drug_user": True,  # 吸毒人员
}
# 重点人员: sensitive, and opening the detail of a resident in one of them is audited.
RESTRICTED = frozenset({"community_correction", "post_release", "severe_mental_disorder", "drug_user"})
# 高龄老人: 80 or older, from the birth date; never stored, never set by hand.
OLDEST_OLD, OLDEST_OLD_AGE = "oldest_old", 80
# Groups that only fit an age: 独居/空巢老人 from 60 (老年人权益保障法 art. 2), 留守/困境儿童 under 18
# (未成年人保护法 art. 2).
ELDERLY_FROM = {"elderly_alone": 60, "empty_nest": 60}
CHILD_UNDER = {"left_behind_child": 18, "child_in_difficulty": 18}

def visible_tags(actor: Actor, grid_id: int | None = None) -> list[str]:
    """The stored groups this user may see (and set), of a resident of `grid_id` when given:
    sensitive ones only for the grid's worker and the supervisor."""
    sensitive = can(actor, "resident.sensitive", grid_id)
    return [tag for tag, is_sensitive in TAGS.items() if sensitive or not is_sensitive]


def hidden_tags(actor: Actor) -> frozenset[str]:
    """The groups this user sees nowhere (the audit trail drops them from what it shows)."""
    return frozenset(TAGS) - set(visible_tags(actor))
