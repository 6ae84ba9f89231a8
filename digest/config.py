"""site.yaml -> SiteConfig: every key checked, unknown keys refused with their line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields as dataclass_fields
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import Problem, SiteError, problem
from .yamlio import Marks, key_position, load_yaml, position

DEFAULT_KINDS = {
    "context": ("Context", "#2f6fb0"),
    "fact-check": ("Fact check", "#b7791f"),
    "correction": ("Correction", "#c53030"),
    "analysis": ("Analysis", "#6b46c1"),
}

# Typographic quotes by language: double open/close, single open/close.
QUOTES = {
    "en": "“”‘’", "de": "„“‚‘", "cs": "„“‚‘", "fr": "«»‹›",
    "es": "«»“”", "it": "«»“”", "pl": "„”‚’", "nl": "“”‘’", "ru": "«»„“", "uk": "«»„“",
}


@dataclass(frozen=True)
class NavItem:
    title: str
    url: str


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    colour: str


@dataclass(frozen=True)
class Story:
    key: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class SiteConfig:
    path: Path = field(repr=False, compare=False)  # where it was read, for messages: no part of the site
    title: str
    base_url: str = "/"
    description: str = ""
    language: str = "en"
    timezone: str = "UTC"
    per_page: int = 10
    author: str = ""
    nav: tuple[NavItem, ...] = ()
    annotation_kinds: tuple[Kind, ...] = ()
    stories: tuple[Story, ...] = ()
    typographer: bool = True
    quotes: str = "“”‘’"
    domain: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __getstate__(self) -> dict:
        """Its fields only: what the cached properties below hold, and whether they were asked for
        yet, is no part of a config (its pickle is part of cache keys)."""
        return {f.name: getattr(self, f.name) for f in dataclass_fields(self)}

    @cached_property  # asked for by every URL of every page
    def base_path(self) -> str:
        """The path part of base_url, always starting and ending with '/' ('/repo/' for a project site)."""
        path = urlsplit(self.base_url).path.strip("/")
        return f"/{path}/" if path else "/"

    @cached_property
    def origin(self) -> str:
        """scheme://host of base_url, '' when base_url is only a path."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def kind(self, key: str) -> Kind | None:
        return next((k for k in self.annotation_kinds if k.key == key), None)

    def story(self, key: str) -> Story | None:
        return next((s for s in self.stories if s.key == key), None)


_SCALARS: dict[str, type] = {
    "title": str, "base_url": str, "description": str, "language": str, "timezone": str,
    "per_page": int, "author": str, "typographer": bool, "quotes": str, "domain": str,
}
_KNOWN = set(_SCALARS) | {"nav", "annotation_kinds", "stories"}
_TYPE_NAMES = {str: "text", int: "a whole number", bool: "true or false", list: "a list", dict: "a mapping"}


def load_config(path: Path, base_url: str | None = None) -> SiteConfig:
    """Read and validate site.yaml; raise SiteError with every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SiteError([problem(path, 1, 1, "site.yaml not found",
                                 "Run the command from the site folder, or create site.yaml (see README)")])
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteError([problem(path, 1, 1, f"cannot read site.yaml: {exc}", "Save it as UTF-8")])
    data, marks, problems = load_yaml(text, path)
    if problems:
        raise SiteError(problems)
    if base_url is not None and isinstance(data, dict):
        data = {**data, "base_url": base_url}  # --base-url overrides site.yaml
    config, problems = validate(data, marks, path)
    if problems:
        raise SiteError(problems)
    return config


def validate(data: Any, marks: Marks, path: Path) -> tuple[SiteConfig | None, list[Problem]]:
    """Check every key of a parsed site.yaml; return the config and the problems."""
    problems: list[Problem] = []

    def err(key: tuple, message: str, hint: str = "", at_key: bool = False) -> None:
        line, col = key_position(marks, *key) if at_key else position(marks, *key)
        problems.append(problem(path, line, col, message, hint))

    if data is None:
        data = {}
    if not isinstance(data, dict):
        err((), "site.yaml must be a mapping of keys to values", "Write it as 'key: value' lines, e.g. 'title: My digest'")
        return None, problems
    for key in sorted(set(data) - _KNOWN, key=str):
        err((key,), f"unknown key '{key}' in site.yaml",
            f"Known keys: {', '.join(sorted(_KNOWN))}; check the spelling or remove it", at_key=True)
    values: dict[str, Any] = {}
    for key, want in _SCALARS.items():
        if key not in data or data[key] is None:
            continue
        value = data[key]
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            err((key,), f"'{key}' must be {_TYPE_NAMES[want]}, not {_describe(value)}",
                "Quote text values" if want is str else "")
            continue
        values[key] = value
    if "title" not in values and "title" not in data:
        err((), "site.yaml has no 'title'", "Add a line such as 'title: The Weekly Digest'")
    checks = {
        "per_page": (lambda v: v > 0, "'per_page' must be at least 1", ""),
        "timezone": (_is_zone, f"unknown time zone {values.get('timezone')!r}",
                     "Use an IANA name such as 'UTC', 'Europe/Berlin' or 'America/New_York'"),
        "base_url": (_is_base_url, f"'base_url' must be an http(s) URL or a path starting with '/', not {values.get('base_url')!r}",
                     "For example 'https://user.github.io/repo/' or '/'"),
        "quotes": (lambda v: len(v) == 4, "'quotes' must be four characters: double open, double close, single open, single close",
                   "For example '“”‘’'"),
    }
    for key, (ok, message, hint) in checks.items():
        if key in values and not ok(values[key]):
            err((key,), message, hint)
            del values[key]
    if "base_url" in values and not values["base_url"].endswith("/"):
        values["base_url"] += "/"
    language = values.get("language", "en")
    values.setdefault("quotes", QUOTES.get(language.split("-")[0].lower(), "“”‘’"))
    values["nav"] = tuple(_nav(data.get("nav"), marks, err))
    values["annotation_kinds"] = tuple(_kinds(data.get("annotation_kinds"), marks, err))
    values["stories"] = tuple(_stories(data.get("stories"), marks, err))
    if problems:
        return None, problems
    return SiteConfig(path=path, **values), problems


def _describe(value: Any) -> str:
    for t, name in _TYPE_NAMES.items():
        if isinstance(value, t):
            return name
    return type(value).__name__ if value is not None else "empty"


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


_LINK_SCHEMES = {"http", "https", "mailto"}


def is_safe_link(url: str) -> bool:
    """True for what may go into an href: an http(s) or mailto URL, or a path, relative URL or #fragment.

    Browsers ignore control characters and spaces around and (tab, newline) inside a scheme, so
    'java\tscript:' and ' javascript:' are javascript: URLs too; they are judged without them."""
    bare = re.sub(r"[\x00-\x20\x7f]", "", url)
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", bare)
    return scheme is None or scheme.group(1).lower() in _LINK_SCHEMES


def _is_base_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme:
        return parts.scheme in ("http", "https") and bool(parts.netloc)
    return url.startswith("/") and not parts.netloc


def _mapping_items(value: Any, key: str, marks: Marks, err) -> list[tuple[str, dict]]:
    """The entries of a 'name: {field: value}' mapping, with type errors reported."""
    if value is None:
        return []
    if not isinstance(value, dict):
        err((key,), f"'{key}' must be a mapping of names to settings, not {_describe(value)}")
        return []
    items = []
    for name, fields in value.items():
        if not isinstance(fields, dict):
            err((key, name), f"'{key}.{name}' must be a mapping, not {_describe(fields)}",
                "Indent its settings under it, e.g. 'title: ...'")
            continue
        items.append((str(name), fields))
    return items


def _check_fields(fields: dict, allowed: dict[str, bool], where: tuple, marks: Marks, err) -> bool:
    """allowed: field -> required. Reports unknown, missing and non-text fields."""
    ok = True
    for name in fields:
        if name not in allowed:
            err(where + (name,), f"unknown key '{name}' in '{'.'.join(map(str, where))}'",
                f"Known keys: {', '.join(allowed)}", at_key=True)
            ok = False
        elif not isinstance(fields[name], str):
            err(where + (name,), f"'{'.'.join(map(str, where + (name,)))}' must be text, not {_describe(fields[name])}",
                "Quote it")
            ok = False
    for name, required in allowed.items():
        if required and name not in fields:
            err(where, f"'{'.'.join(map(str, where))}' has no '{name}'", f"Add '{name}: ...' under it")
            ok = False
    return ok


def _nav(value: Any, marks: Marks, err) -> list[NavItem]:
    if value is None:
        return []
    if not isinstance(value, list):
        err(("nav",), f"'nav' must be a list of {{title, url}} items, not {_describe(value)}",
            "Write items as '- {title: Archive, url: /archive/}'")
        return []
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            err(("nav", i), f"nav item {i + 1} must be a mapping with 'title' and 'url'",
                "Write it as '- {title: Archive, url: /archive/}'")
        elif _check_fields(item, {"title": True, "url": True}, ("nav", i), marks, err):
            if is_safe_link(item["url"]):
                items.append(NavItem(item["title"], item["url"]))
            else:
                err(("nav", i, "url"), f"nav item {i + 1}: {item['url']!r} is not a link a page may carry",
                    "Use an http(s) or mailto URL, or a site path such as /archive/")
    return items


def _kinds(value: Any, marks: Marks, err) -> list[Kind]:
    kinds = {key: Kind(key, label, colour) for key, (label, colour) in DEFAULT_KINDS.items()}
    for name, fields in _mapping_items(value, "annotation_kinds", marks, err):
        where = ("annotation_kinds", name)
        if _check_fields(fields, {"label": True, "colour": False}, where, marks, err):
            colour = fields.get("colour", kinds[name].colour if name in kinds else "#4a5568")
            if not _is_colour(colour):
                err(where + ("colour",), f"'{colour}' is not a colour", "Use a hex colour such as '#2f6fb0'")
                continue
            kinds[name] = Kind(name, fields["label"], colour)
    return list(kinds.values())


def _is_colour(value: str) -> bool:
    return len(value) in (4, 7) and value.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in value[1:])


def _stories(value: Any, marks: Marks, err) -> list[Story]:
    stories = []
    for name, fields in _mapping_items(value, "stories", marks, err):
        if _check_fields(fields, {"title": True, "description": False}, ("stories", name), marks, err):
            stories.append(Story(name, fields["title"], fields.get("description", "")))
    return stories
