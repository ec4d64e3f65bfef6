"""The parties of a dispute (当事人): who they are, checked, and what a 协议书 prints of them.

A party is a resident of the registry (their details are read from it when printed), an outside
person (as much as is known: each unknown detail prints as a blank line to fill in by hand), or
an organisation (name, 统一社会信用代码 if known, its 法定代表人 or 负责人). A person may act through
an agent or a guardian (代理人/监护人, e.g. for a minor). A dispute has at least two opposing
sides: an applicant and a respondent (人民调解法 art. 17: a dispute between parties; 若干规定
art. 22: the parties are named on intake).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from core.base import validation
from core.base.crypto import Vault
from core.base.errors import Forbidden, Invalid, InvalidMany, NotFound, collect
from core.base.permissions import Actor
from core.base.records import load_visible
from core.base.text import clean
from core.residents import identity
from db.models import Resident

SIDES = ("applicant", "respondent", "other")
KINDS = ("person", "organisation")
REPRESENTATIVE_ROLES = ("legal", "principal")  # 法定代表人, 负责人
AGENT_KINDS = ("agent", "guardian")  # 代理人, 监护人
ETHNICITY_MAX, ADDRESS_MAX = 20, 200

# GB 32100-2015: the 18-character 统一社会信用代码 and its check character.
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass
class PartyInput:
    side: str = "applicant"
    resident_id: int | None = None
    kind: str = "person"
    name: str = ""
    phone: str = ""
    sex: str = ""
    birth_date: date | str | None = None
    ethnicity: str = ""
    address: str = ""
    id_number: str = ""
    org_code: str = ""
    representative: str = ""
    representative_role: str = "legal"
    agent_kind: str = ""
    agent_name: str = ""
    agent_phone: str = ""


def org_code_check(first17: str) -> str:
    """The check character of a 统一社会信用代码's first 17 characters (GB 32100-2015)."""
    total = sum(_CODE_CHARS.index(char) * weight for char, weight in zip(first17, _CODE_WEIGHTS, strict=True))
    return _CODE_CHARS[(31 - total % 31) % 31]


def org_code(value: str | None, field: str) -> str:
    """A 统一社会信用代码 (GB 32100-2015), or "" when none was given."""
    text = clean(value).upper().replace(" ", "")
    if not text:
        return ""
    if len(text) != 18 or any(char not in _CODE_CHARS for char in text):
        raise Invalid(field, "error.party.org_code")
    if org_code_check(text[:17]) != text[17]:
        raise Invalid(field, "error.party.org_code")
    return text


def _limited(value: str | None, field: str, maximum: int) -> str:
    text = clean(value)
    if len(text) > maximum:
        raise Invalid(field, "error.too_long", max=maximum)
    return text


def _agent(party: PartyInput, field: str) -> dict[str, str]:
    kind = clean(party.agent_kind)
    if not kind and not clean(party.agent_name):
        return {"agent_kind": "", "agent_name": "", "agent_phone": ""}
    if kind not in AGENT_KINDS:
        raise Invalid(f"{field}.agent_kind", "error.party.agent_kind")
    if not clean(party.agent_name):
        raise Invalid(f"{field}.agent_name", "error.required")
    return {"agent_kind": kind, "agent_name": identity.name(party.agent_name, field=f"{field}.agent_name"),
            "agent_phone": validation.mobile(party.agent_phone, field=f"{field}.agent_phone")}


def clean_party(session: Session, actor: Actor, vault: Vault | None, party: PartyInput, index: int
                ) -> dict[str, Any]:
    """The party as its row is written, or Invalid naming `party_<index>`."""
    field = f"party_{index}"
    if party.side not in SIDES:
        raise Invalid(field, "error.party.side")
    blank = {"sex": "", "birth_date": None, "ethnicity": "", "address": "", "id_enc": None, "id_masked": "",
             "org_code": "", "representative": "", "representative_role": "", "phone": ""}
    if party.resident_id is not None:
        try:  # a resident this user may not see is no party of theirs: the same answer as none at all
            resident = load_visible(session, actor, "resident.view", Resident, party.resident_id)
        except (NotFound, Forbidden):
            raise Invalid(field, "error.party.no_such_resident") from None
        return {**blank, "resident_id": resident.id, "kind": "person", "name": resident.name, "side": party.side,
                **_agent(party, field)}
    if party.kind == "organisation":
        name = _limited(party.name, f"{field}.organisation", 50)
        if not name:
            raise Invalid(f"{field}.organisation", "error.required")
        if party.representative_role not in REPRESENTATIVE_ROLES:
            raise Invalid(f"{field}.representative", "error.party.representative_role")
        return {**blank, "resident_id": None, "kind": "organisation", "name": name, "side": party.side,
                "phone": validation.mobile(party.phone, field=f"{field}.phone"),
                "org_code": org_code(party.org_code, f"{field}.org_code"),
                "representative": identity.name(party.representative, field=f"{field}.representative"),
                "representative_role": party.representative_role, "agent_kind": "", "agent_name": "",
                "agent_phone": ""}
    if party.kind != "person":
        raise Invalid(field, "error.party.kind")
    if not clean(party.name):
        raise Invalid(field, "error.party.needs_name")
    person = {**blank, "resident_id": None, "kind": "person",
              "name": identity.name(party.name, field=f"{field}.person_name"), "side": party.side,
              "phone": validation.mobile(party.phone, field=f"{field}.phone"),
              "ethnicity": _limited(party.ethnicity, f"{field}.ethnicity", ETHNICITY_MAX),
              "address": _limited(party.address, f"{field}.address", ADDRESS_MAX), **_agent(party, field)}
    if clean(party.id_number):  # the ID gives birth date and sex, and must agree with any typed
        try:
            number, born, sex = identity.identity(party.id_number, party.birth_date or None, party.sex or None)
        except InvalidMany as exc:
            raise InvalidMany([Invalid(f"{field}.{e.field}", e.key, **e.params) for e in exc.errors]) from None
        except Invalid as exc:
            raise Invalid(f"{field}.{exc.field}", exc.key, **exc.params) from None
        if vault is None:
            raise ValueError("an outside party's ID number needs the vault to be encrypted")
        assert number is not None
        person.update(sex=sex, birth_date=born, id_enc=vault.encrypt(number.value),
                      id_masked=validation.mask_id(number.value))
    else:
        person.update(sex=identity.sex(party.sex, field=f"{field}.sex") if clean(party.sex) else "",
                      birth_date=validation.parse_date(party.birth_date, f"{field}.birth_date"))
    return person


def clean_parties(session: Session, actor: Actor, vault: Vault | None, parties: list[PartyInput]
                  ) -> list[dict[str, Any]]:
    """Every party checked (all refusals together), then the sides: at least one applicant and
    one respondent, the two opposing sides a dispute has."""
    if not parties:
        raise Invalid("parties", "error.party.none")
    cleaned = collect([lambda p=p, i=i: clean_party(session, actor, vault, p, i) for i, p in enumerate(parties)])
    sides = {party["side"] for party in cleaned}
    if not {"applicant", "respondent"} <= sides:
        raise Invalid("parties", "error.party.two_sides")
    return cleaned
