"""Rules in words, in Japanese, English and やさしい日本語, from the JsonLogic and the questions' texts.

The resident's "why" and the rule studio use the same rendering. Works on any rule that
validate_rule accepts; anything unexpected is shown as compact JSON rather than raising.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from .rules import RELATIONS, evaluate

LANGS = ("ja", "en", "easy")


@dataclass(frozen=True)
class QuestionText:
    text: Mapping[str, str]  # {"ja":..., "en":..., "easy":...}
    choices: Mapping[str, Mapping[str, str]]  # value -> {"ja":..,"en":..,"easy":..}


BUILTIN_LABELS: dict[str, dict[str, str]] = {
    "event_date": {"ja": "出来事の日", "en": "Date of the event", "easy": "できごとの ひ"},
    "relation": {"ja": "続柄", "en": "Relationship", "easy": "かぞくの なかの たちば"},
    "key": {"ja": "世帯員", "en": "Household member", "easy": "かぞくの ばんごう"},
}
RELATION_LABELS: dict[str, dict[str, str]] = {
    "self": {"ja": "本人", "en": "Self", "easy": "ほんにん"},
    "spouse": {"ja": "配偶者", "en": "Spouse", "easy": "つま・おっと"},
    "child": {"ja": "子", "en": "Child", "easy": "こども"},
    "parent": {"ja": "親", "en": "Parent", "easy": "おや"},
    "deceased": {"ja": "亡くなった方", "en": "The deceased", "easy": "なくなった ひと"},
    "other": {"ja": "その他", "en": "Other", "easy": "その ほか"},
}
assert set(RELATION_LABELS) == set(RELATIONS)

_YES = {"ja": "はい", "en": "yes", "easy": "はい"}
_NO = {"ja": "いいえ", "en": "no", "easy": "いいえ"}
_AND = {"ja": "、かつ", "en": " and ", "easy": "、そして "}
_OR = {"ja": "、または", "en": " or ", "easy": "、または "}
_ALWAYS = {"ja": "常に該当", "en": "always", "easy": "いつも あてはまる"}
_NEVER = {"ja": "該当しない", "en": "never", "easy": "あてはまらない"}

# comparison of a value with a number: the predicate after 「X」が / "X is"
_NUM = {
    "ja": {"==": "{v}", "!=": "{v}でない", "<": "{v}未満", "<=": "{v}以下", ">": "{v}より大きい", ">=": "{v}以上"},
    "en": {"==": "{v}", "!=": "not {v}", "<": "less than {v}", "<=": "{v} or less", ">": "more than {v}",
           ">=": "{v} or more"},
    "easy": {"==": "{v}", "!=": "{v}では ない", "<": "{v}より ちいさい", "<=": "{v}いか", ">": "{v}より おおきい",
             ">=": "{v}いじょう"},
}  # fmt: skip
_DATE = {
    "ja": {"==": "{v}", "!=": "{v}でない", "<": "{v}より前", "<=": "{v}以前", ">": "{v}より後", ">=": "{v}以降"},
    "en": {"==": "{v}", "!=": "not {v}", "<": "before {v}", "<=": "on or before {v}", ">": "after {v}",
           ">=": "on or after {v}"},
    "easy": {"==": "{v}", "!=": "{v}では ない", "<": "{v}より まえ", "<=": "{v}まで", ">": "{v}より あと",
             ">=": "{v}から あと"},
}  # fmt: skip
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_EQ = {"==": "==", "===": "==", "!=": "!=", "!==": "!="}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def render_rule(rule, *, lang: str, questions: Mapping[str, QuestionText]) -> str:
    """The whole rule in words."""
    return _Renderer(lang, questions).top(rule)


def render_condition(cond, *, lang: str, questions, facts=None, member=None) -> str:
    """One condition (as true_conditions gives them) in words; with facts, a condition over the
    household also says for whom it held, e.g. 世帯に「年齢」が65以上の人がいる（親）."""
    text = _Renderer(lang, questions).top(cond)
    if facts is not None:
        text += condition_whom(cond, lang=lang, facts=facts, member=member)
    return text


def condition_whom(cond, *, lang: str, facts, member=None) -> str:
    """For whom a condition over the household held, as render_condition appends it: （親）, " (Parent)"; else ""."""
    try:
        who = _who(cond, facts, member)
    except Exception:
        who = []
    if not who:
        return ""
    labels = list(dict.fromkeys(_text(RELATION_LABELS.get(rel, {}), lang) or rel for rel in who))
    sep = "、" if lang == "ja" else ", " if lang == "en" else "、"
    return f"（{sep.join(labels)}）" if lang != "en" else f" ({sep.join(labels)})"


def _who(cond, facts, member) -> list[str]:
    """The relations of the members a some-condition held for."""
    if not (isinstance(cond, Mapping) and len(cond) == 1 and "some" in cond):
        return []
    args = cond["some"]
    if not isinstance(args, list) or len(args) != 2:
        return []
    out = []
    for m in facts.get("members") or ():
        if evaluate(args[1], facts, member, _item=m) is True and m.get("relation"):
            out.append(m["relation"])
    return out


def _text(texts: Mapping[str, str] | None, lang: str) -> str | None:
    if not texts:
        return None
    return texts.get(lang) or texts.get("ja") or next(iter(texts.values()), None)


def _ops(node):
    if isinstance(node, Mapping) and len(node) == 1:
        op, raw = next(iter(node.items()))
        return op, (list(raw) if isinstance(raw, list) else [raw])
    return None


def _var_key(node) -> str | None:
    parsed = _ops(node)
    if parsed is None or parsed[0] != "var" or not parsed[1]:
        return None
    key = parsed[1][0]
    if isinstance(key, list):
        key = key[0] if key else None
    return key if isinstance(key, str) else None


def _bare(key: str) -> str:
    return key[7:] if key.startswith("member.") else key


class _Renderer:
    def __init__(self, lang: str, questions: Mapping[str, QuestionText] | None):
        self.lang = lang if lang in LANGS else "ja"
        self.questions = questions or {}

    def top(self, rule) -> str:
        try:
            return self.cond(rule)
        except Exception:  # never fail a page for the words of a rule
            return json.dumps(rule, ensure_ascii=False, separators=(",", ":"))

    # --- words for values ---

    def quote(self, s: str) -> str:
        return f"「{s}」" if self.lang != "en" else f"“{s}”"

    def label(self, key: str) -> str:
        bare = _bare(key)
        q = self.questions.get(bare)
        text = _text(q.text, self.lang) if q is not None else None
        if text is None:
            text = _text(BUILTIN_LABELS.get(bare), self.lang) or bare
        return self.quote(text)

    def choice(self, key: str | None, value: str) -> str:
        if key is not None:
            bare = _bare(key)
            q = self.questions.get(bare)
            if q is not None and value in (q.choices or {}):
                return self.quote(_text(q.choices[value], self.lang) or value)
            if bare == "relation" and value in RELATION_LABELS:
                return self.quote(RELATION_LABELS[value][self.lang])
        return self.quote(value)

    def date(self, value: str) -> str:
        try:
            d = date.fromisoformat(value)
        except ValueError:
            return self.quote(value)
        if self.lang == "ja":
            return f"{d.year}年{d.month}月{d.day}日"
        if self.lang == "easy":
            return f"{d.year}ねん {d.month}がつ {d.day}にち"
        return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"

    def number(self, value) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)

    def const(self, value, key: str | None = None, *, is_date=False) -> str:
        if isinstance(value, bool):
            return self.quote((_YES if value else _NO)[self.lang])
        if isinstance(value, int | float):
            return self.number(value)
        if isinstance(value, str):
            if is_date or (key is not None and _bare(key) == "event_date") or (key is None and _ISO.match(value)):
                return self.date(value)
            return self.choice(key, value)
        return json.dumps(value, ensure_ascii=False)

    def value(self, node, key: str | None = None, *, is_date=False) -> str:
        """A value: a fact's label, a constant (as a choice of key when given), or arithmetic."""
        k = _var_key(node)
        if k is not None:
            return self.label(k)
        parsed = _ops(node)
        if parsed is None:
            return self.const(node, key, is_date=is_date)
        op, args = parsed
        if op in ("+", "-", "*", "/"):
            if op == "-" and len(args) == 1:
                return f"-{self.value(args[0])}"
            sym = {"*": "×", "/": "÷"}.get(op, op)
            return f" {sym} ".join(self.value(a) for a in args)
        if op in ("min", "max"):
            parts = [self.value(a) for a in args]
            if self.lang == "ja":
                return "と".join(parts) + ("のうち小さい方" if op == "min" else "のうち大きい方")
            if self.lang == "easy":
                return " と ".join(parts) + ("の ちいさい ほう" if op == "min" else "の おおきい ほう")
            return ("the smaller of " if op == "min" else "the larger of ") + " and ".join(parts)
        # a yes/no condition used as a value
        return self.group(node)

    # --- conditions ---

    def group(self, node) -> str:
        """A condition, in brackets when it is a compound one."""
        text = self.cond(node)
        parsed = _ops(node)
        if parsed is not None and parsed[0] in ("and", "or", "if") and len(parsed[1]) > 1:
            return f"（{text}）" if self.lang != "en" else f"({text})"
        return text

    def cond(self, node) -> str:
        if node is True:
            return _ALWAYS[self.lang]
        if node is False:
            return _NEVER[self.lang]
        parsed = _ops(node)
        if parsed is None:
            return self.const(node)
        op, args = parsed
        if op == "var":
            return self.yes_no(_var_key(node) or "?", True)
        if op in ("and", "or"):
            if len(args) == 1:
                return self.cond(args[0])
            return (_AND if op == "and" else _OR)[self.lang].join(self.group(a) for a in args)
        if op == "!":
            return self.negated(args[0])
        if op == "!!":
            return self.truthy(args[0], True)
        if op in _EQ or op in _FLIP:
            return self.compare(op, args)
        if op == "in":
            return self.within(args, True)
        if op in ("some", "all", "none"):
            return self.quant(op, args[1] if len(args) > 1 else True)
        if op == "if":
            return self.if_(args)
        return json.dumps(node, ensure_ascii=False, separators=(",", ":"))

    def yes_no(self, key: str, yes: bool) -> str:
        answer = self.quote((_YES if yes else _NO)[self.lang])
        if self.lang == "en":
            return f"{self.label(key)} is {answer}"
        return f"{self.label(key)}が{'' if self.lang == 'ja' else ' '}{answer}"

    def negated(self, node) -> str:
        parsed = _ops(node)
        if parsed is not None:
            op, args = parsed
            if op == "var":
                return self.yes_no(_var_key(node) or "?", False)
            if op in _EQ:
                return self.compare(_NEGATE[_EQ[op]], args)
            if op in _FLIP and len(args) == 2:
                return self.compare(_NEGATE[op], args)
            if op == "in":
                return self.within(args, False)
            if op == "!":
                return self.cond(args[0])
            if op == "!!":
                return self.truthy(args[0], False)
            if op == "some" and len(args) == 2:
                return self.quant("none", args[1])
            if op == "none" and len(args) == 2:
                return self.quant("some", args[1])
        inner = self.group(node)
        return {"ja": f"{inner}ではない", "en": f"not {inner}", "easy": f"{inner}では ない"}[self.lang]

    def truthy(self, node, yes: bool) -> str:
        key = _var_key(node)
        if key is None:
            inner = self.group(node)
            if yes:
                return inner
            return {"ja": f"{inner}ではない", "en": f"not {inner}", "easy": f"{inner}では ない"}[self.lang]
        q = self.questions.get(_bare(key))
        if q is None or not q.choices:  # a yes/no question
            return self.yes_no(key, yes)
        return {
            "ja": f"{self.label(key)}に回答が{'ある' if yes else 'ない'}",
            "en": f"{self.label(key)} is {'answered' if yes else 'not answered'}",
            "easy": f"{self.label(key)}の こたえが {'ある' if yes else 'ない'}",
        }[self.lang]

    def compare(self, op: str, args: list) -> str:
        op = _EQ.get(op, op)
        if len(args) == 3:
            return self.between(op, args)
        a, b = args[0], args[1]
        ka, kb = _var_key(a), _var_key(b)
        if ka is None and kb is not None:  # the fact first: 65 <= age reads as age >= 65
            a, b, ka, kb = b, a, kb, ka
            op = _FLIP[op]
        if ka is not None and isinstance(b, bool) and op in ("==", "!="):
            return self.yes_no(ka, b == (op == "=="))
        is_date = any(isinstance(x, str) and _ISO.match(x) for x in (a, b)) or any(
            k is not None and _bare(k) == "event_date" for k in (ka, kb)
        )
        table = (_DATE if is_date else _NUM)[self.lang]
        right = self.value(b, ka, is_date=is_date)
        return self.pred(self.value(a, kb, is_date=is_date), table[op].format(v=right))

    def pred(self, subject: str, predicate: str) -> str:
        if self.lang == "ja":
            return f"{subject}が{predicate}"
        if self.lang == "easy":
            return f"{subject}が {predicate}"
        return f"{subject} is {predicate}"

    def between(self, op: str, args: list) -> str:
        low, mid, high = args
        key = _var_key(mid)
        is_date = any(isinstance(x, str) for x in (low, high)) or (key is not None and _bare(key) == "event_date")
        table = (_DATE if is_date else _NUM)[self.lang]
        lo = table[">=" if op == "<=" else ">"].format(v=self.value(low, key, is_date=is_date))
        hi = table[op].format(v=self.value(high, key, is_date=is_date))
        subject = self.value(mid)
        if self.lang == "ja":
            return f"{subject}が{lo}{hi}"
        if self.lang == "easy":
            return f"{subject}が {lo} {hi}"
        if op == "<=" and not is_date:
            return f"{subject} is from {self.value(low)} to {self.value(high)}"
        return f"{subject} is {lo} and {hi}"

    def within(self, args: list, yes: bool) -> str:
        needle, hay = args[0], args[1]
        key = _var_key(needle)
        if isinstance(hay, list):
            if not hay:
                return _NEVER[self.lang] if yes else _ALWAYS[self.lang]
            items = [self.const(v, key) for v in hay]
            subject = self.value(needle)
            if len(items) == 1:
                return self.pred(subject, _NUM[self.lang]["==" if yes else "!="].format(v=items[0]))
            if self.lang == "ja":
                return f"{subject}が{''.join(items)}の{'いずれか' if yes else 'いずれでもない'}"
            if self.lang == "easy":
                return f"{subject}が {' か '.join(items)}{'' if yes else ' では ない'}"
            return f"{subject} is {'one of' if yes else 'none of'} {', '.join(items)}"
        text = self.value(needle) if key else self.const(needle)
        where = self.value(hay)
        if self.lang == "ja":
            return f"{where}に{text}が{'含まれる' if yes else '含まれない'}"
        if self.lang == "easy":
            return f"{where}に {text}が {'ある' if yes else 'ない'}"
        return f"{where} {'contains' if yes else 'does not contain'} {text}"

    def quant(self, op: str, inner) -> str:
        if inner is True:
            return {
                "some": {"ja": "世帯に人がいる", "en": "someone is in the household", "easy": "かぞくが いる"},
                "all": {"ja": "世帯に人がいる", "en": "someone is in the household", "easy": "かぞくが いる"},
                "none": {"ja": "世帯に誰もいない", "en": "no one is in the household", "easy": "かぞくが いない"},
            }[op][self.lang]
        text = self.cond(inner)
        if self.lang == "en":
            return {
                "some": f"someone in the household for whom {text}",
                "all": f"for everyone in the household, {text}",
                "none": f"no one in the household for whom {text}",
            }[op]
        joint = _relative(text, self.lang)
        if self.lang == "ja":
            return {
                "some": f"世帯に{joint}人がいる",
                "all": f"世帯の全員について{text}",
                "none": f"世帯に{joint}人がいない",
            }[op]
        return {
            "some": f"かぞくに {joint} ひとが いる",
            "all": f"かぞくの みんなが、{joint} ひと",
            "none": f"かぞくに {joint} ひとが いない",
        }[op]

    def if_(self, args: list) -> str:
        if len(args) < 3:
            return self.cond(args[0]) if args else _NEVER[self.lang]
        c, then, rest = args[0], args[1], args[2:]
        other = self.if_(rest) if len(rest) >= 3 else self.cond(rest[0])
        c_text, t_text = self.group(c), self.branch(then)
        o_text = other if len(rest) >= 3 else self.branch(rest[0])
        if self.lang == "ja":
            return f"{c_text}の場合は{t_text}、そうでない場合は{o_text}"
        if self.lang == "easy":
            return f"{c_text} なら {t_text}、そうで なければ {o_text}"
        return f"if {c_text}: {t_text}; otherwise {o_text}"

    def branch(self, node) -> str:
        if node is True:
            return {"ja": "該当", "en": "it applies", "easy": "あてはまる"}[self.lang]
        if node is False:
            return {"ja": "該当しない", "en": "it does not apply", "easy": "あてはまらない"}[self.lang]
        return self.group(node)


def _relative(text: str, lang: str) -> str:
    """The condition as a relative clause before 人 / ひと: 「年齢」が65以上の人, 「…」でない人."""
    if text.endswith(("ない", "る", "い", "た")):
        return text
    return text + "の"
