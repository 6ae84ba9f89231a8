from pathlib import Path

import pytest

from digest.config import load_config
from digest.errors import SiteError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(SiteError) as caught:
        load_config(path)
    return [str(p) for p in caught.value.problems]


def test_valid_config_with_defaults(tmp_path):
    config = load_config(write(tmp_path, "title: T\nbase_url: https://user.github.io/repo\n"))
    assert config.title == "T"
    assert config.base_url == "https://user.github.io/repo/"
    assert config.base_path == "/repo/"
    assert config.origin == "https://user.github.io"
    assert config.per_page == 10 and config.timezone == "UTC" and config.quotes == "“”‘’"
    assert [k.key for k in config.annotation_kinds] == ["context", "fact-check", "correction", "analysis"]


def test_repo_site_yaml_is_valid():
    config = load_config(Path(__file__).parent.parent / "site.yaml")
    assert config.story("ukraine-war").title == "The war in Ukraine"


def test_unknown_key_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, "title: T\n\ntitel: typo\n")
    assert problems(path) == [
        f"{path}:3:1: error: unknown key 'titel' in site.yaml. Known keys: annotation_kinds, author, base_url, "
        "description, domain, language, nav, per_page, quotes, stories, timezone, title, typographer; "
        "check the spelling or remove it"]


def test_wrong_types_name_key_and_line(tmp_path):
    path = write(tmp_path, "title: T\nper_page: ten\ntypographer: 3\n")
    assert problems(path) == [
        f"{path}:2:11: error: 'per_page' must be a whole number, not text",
        f"{path}:3:14: error: 'typographer' must be true or false, not a whole number",
    ]


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, "per_page: 0\ntimezone: Mars/Olympus\nbase_url: ftp://x\nnav: {a: b}\n")
    found = problems(path)
    assert f"{path}:1:1: error: site.yaml has no 'title'. Add a line such as 'title: The Weekly Digest'" in found
    assert f"{path}:1:11: error: 'per_page' must be at least 1" in found
    assert any(p.startswith(f"{path}:2:11: error: unknown time zone 'Mars/Olympus'") for p in found)
    assert any(p.startswith(f"{path}:3:11: error: 'base_url' must be an http(s) URL") for p in found)
    assert any(p.startswith(f"{path}:4:6: error: 'nav' must be a list") for p in found)
    assert len(found) == 5


def test_broken_yaml_points_at_the_line(tmp_path):
    path = write(tmp_path, "title: T\nnav:\n  - {title: A, url: /a/\n")
    (found,) = problems(path)
    assert found.startswith(f"{path}:4:1: error: invalid YAML:")


def test_annotation_kinds_and_stories_are_checked(tmp_path):
    path = write(tmp_path, "title: T\nannotation_kinds:\n  rumour: {label: Rumour, colour: '#123456'}\n"
                           "  bad: {label: Bad, colour: red}\nstories:\n  s1: {description: no title}\n")
    found = problems(path)
    assert f"{path}:4:29: error: 'red' is not a colour. Use a hex colour such as '#2f6fb0'" in found
    assert f"{path}:6:7: error: 'stories.s1' has no 'title'. Add 'title: ...' under it" in found


def test_custom_kind_is_added(tmp_path):
    config = load_config(write(tmp_path, "title: T\nannotation_kinds:\n  rumour: {label: Rumour}\n"))
    assert config.kind("rumour").label == "Rumour"
    assert config.kind("context").label == "Context"


def test_base_url_override_and_language_quotes(tmp_path):
    config = load_config(write(tmp_path, "title: T\nlanguage: de\n"), base_url="/sub/dir")
    assert config.base_path == "/sub/dir/"
    assert config.quotes == "„“‚‘"


def test_missing_site_yaml(tmp_path):
    (found,) = problems(tmp_path / "site.yaml")
    assert "site.yaml not found" in found


def test_a_config_keys_the_cache_the_same_whatever_was_asked_of_it(tmp_path):
    import pickle

    from digest import cache

    path = write(tmp_path, "title: T\nbase_url: https://example.org/repo/\n")
    fresh, used = load_config(path), load_config(path)
    assert (used.base_path, used.origin) == ("/repo/", "https://example.org")  # cached once asked for
    assert cache.fingerprint(fresh) == cache.fingerprint(used)
    copy = pickle.loads(pickle.dumps(used))  # as the worker processes get it
    assert copy == used and copy.base_path == "/repo/"
