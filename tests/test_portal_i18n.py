"""The portal's languages: every string through one mechanism (Flask-Babel), a Chinese
translation for each, the language from the browser or the header's switch."""

import html
import json
import re
import string
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from switchctl import portal
from switchctl.portal import catalogs, i18n
from switchctl.portal.auth.views import REFUSALS
from switchctl.services import logins
from tests.clients.portal import csrf_token, log_in, page_error

pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes: not what is tested
PORTAL = Path(portal.__file__).parent
CATALOGS = PORTAL / "translations"
CHINESE = CATALOGS / "zh_Hans" / "LC_MESSAGES"
# Text a template may show as it is: the product's name.
ALLOWED_TEXT = {"switchctl"}
# Attributes a person reads (or hears, from a screen reader).
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "label"}
JINJA = re.compile(r"{%-?\s*trans\b.*?endtrans\s*-?%}|{{.*?}}|{%.*?%}|{#.*?#}", re.S)


def chinese_catalog(folder=CATALOGS):
    with open(folder / "zh_Hans" / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


def test_the_service_templates_are_whole_literals():
    source = 'ValidationError("a %(b)s " "c", b=1)\nValidationError(f"x {y}" "no spaces")\n'
    assert catalogs.service_templates(source + 'ValueError("d")') == {"a %(b)s c"}


def test_the_catalogs_are_the_shared_one_and_each_familys():
    assert i18n.catalog_folders()[0] == CATALOGS
    for folder in i18n.catalog_folders():
        assert (folder / "zh_Hans" / "LC_MESSAGES" / "messages.po").is_file(), folder


def test_every_translatable_string_has_a_chinese_translation():
    found = catalogs.sources()
    assert len(found[CATALOGS]) > 20  # the extraction found the portal's strings at all
    for folder, (missing, stale) in catalogs.needed(found).items():
        assert not missing, f"no Chinese in {folder} for {missing}: python -m " \
            "switchctl.portal.catalogs adds them"
        assert not stale, f"entries of {folder} no source uses any more: {stale}"


def test_the_tool_adds_what_is_missing_and_drops_what_is_stale(tmp_path, monkeypatch):
    folder = tmp_path / "translations"
    catalogs.update(folder, ["New text"], [])
    catalogs.update(folder, ["Other text"], ["New text"])
    assert [m.id for m in chinese_catalog(folder) if m.id] == ["Other text"]
    assert catalogs.main(["--check"]) == 0  # and the real catalogs are complete


def test_a_string_in_several_catalogs_reads_the_same_in_each():
    """Flask-Babel merges the catalogs into one (a later one wins): a msgid two families
    translate differently would change the other family's pages. Give the meaning its own
    English ("Code to dial", not "Code") instead."""
    readings = {}
    for folder in i18n.catalog_folders():
        for message in chinese_catalog(folder):
            if message.id:
                readings.setdefault(message.id, {})[folder.parent.name] = message.string
    clashes = {msgid: found for msgid, found in readings.items() if len(set(found.values())) > 1}
    assert not clashes


@pytest.mark.parametrize("folder", i18n.catalog_folders(), ids=lambda f: f.parent.name)
def test_the_chinese_keeps_each_messages_placeholders(folder):
    for message in chinese_catalog(folder):
        if message.id:
            assert re.findall(r"%\(\w+\)s", message.id) == \
                re.findall(r"%\(\w+\)s", message.string), message.id


@pytest.mark.parametrize("folder", i18n.catalog_folders(), ids=lambda f: f.parent.name)
def test_the_committed_mo_is_compiled_from_the_po(folder):
    with open(folder / "zh_Hans" / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        compiled = {m.id: m.string for m in read_mo(mo) if m.id}
    assert compiled == {m.id: m.string for m in chinese_catalog(folder) if m.id}, \
        f"run: pybabel compile -d {folder}"


class TextFinder(HTMLParser):
    """The text a person reads in a template, once its Jinja code is taken out."""

    def __init__(self):
        super().__init__()
        self.found, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        self.found += [value for name, value in attrs if name in READ_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.found.append(data)


def hard_coded_text(source):
    finder = TextFinder()
    finder.feed(JINJA.sub(" ", source))
    texts = []
    for text in finder.found:
        rest = html.unescape(text)
        for allowed in ALLOWED_TEXT:
            rest = rest.replace(allowed, "")
        if any(not (c.isspace() or c in string.digits or unicodedata.category(c)[0] in "PS")
               for c in rest):
            texts.append(text.strip())
    return texts


def test_the_hard_coded_text_check_finds_text_outside_the_mechanism():
    assert hard_coded_text('<p title="Help">{{ _("Hi") }} Extensions</p>') == \
        ["Help", "Extensions"]
    assert hard_coded_text("<h1>{% trans %}Log in{% endtrans %}</h1>") == []
    assert hard_coded_text("<p>{{ n }} · 2 (&amp;)</p><title>Log in · switchctl</title>") == \
        ["Log in · switchctl"]
    assert hard_coded_text("<p>{{ n }} · 2 (&amp;)</p><title>{{ t }} · switchctl</title>") == []
    assert hard_coded_text('<script type="application/json">{"a": "text"}</script>') == []


@pytest.mark.parametrize("template", sorted(str(p.relative_to(PORTAL))
                                            for p in PORTAL.rglob("templates/**/*.html")))
def test_no_template_shows_text_outside_the_translation_mechanism(template):
    assert hard_coded_text((PORTAL / template).read_text()) == []


def test_every_refusal_of_the_login_service_has_its_translation():
    messages = {logins.REFUSED, "this portal has no such domain",
                "the portal is not open to this extension; ask your administrator"}
    source = Path(logins.__file__).read_text()
    assert set(re.findall(r'LoginRefused\("([^"]+)"\)', source)) | {logins.REFUSED} == messages
    assert set(REFUSALS) == messages


@pytest.fixture
def browser(app):
    return app.test_client()


def speaks(browser, accept_language):
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept_language
    return browser


def title(page):
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()


@pytest.mark.parametrize("accept, lang, heading", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans", "登录"), ("zh", "zh-Hans", "登录"),
    ("zh-SG", "zh-Hans", "登录"), ("en-US,en;q=0.9", "en", "Log in"),
    ("fr-FR, de;q=0.5", "en", "Log in"), ("", "en", "Log in")])
def test_the_login_page_speaks_the_browsers_language(browser, accept, lang, heading):
    page = speaks(browser, accept).get("/login").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page and title(page) == f"{heading} · switchctl"
    assert f"<h1>{heading}</h1>" in page


def test_the_login_form_and_its_errors_are_in_chinese(browser):
    page = speaks(browser, "zh-CN").get("/login").get_data(as_text=True)
    assert "分机号码" in page and "密码" in page and "SIP" in page
    response = log_in(browser, "101", "wrong-password")
    assert response.status_code == 401
    assert page_error(response.get_data(as_text=True)) == "登录被拒绝：分机号码或密码错误。"


def test_the_extension_list_and_its_script_texts_are_in_chinese(browser):
    assert log_in(speaks(browser, "zh-CN"), "101", "Passw0rd101").status_code == 302
    page = browser.get("/extensions").get_data(as_text=True)
    assert title(page) == "分机 · switchctl" and "<th>状态</th>" in page
    assert ">未知</td>" in page and 'state-unknown' in page  # no switch: every state unknown
    assert "退出" in page and "电话系统已离线" in page
    strings = json.loads(html.unescape(re.search(
        r'<script type="application/json" id="strings">(.*?)</script>', page, re.S).group(1)))
    assert strings["states"] == {"idle": "空闲", "in use": "正在使用", "unavailable": "不可用",
                                 "unknown": "未知"}
    assert strings["incomingFromNamed"] == "来电：{number}（{name}）"
    assert strings["noData"] == "暂无数据"


def test_the_header_switch_changes_the_language_and_returns_to_the_page(browser):
    log_in(speaks(browser, "en"), "101", "Passw0rd101")
    page = browser.get("/extensions?sort=name").get_data(as_text=True)
    assert title(page) == "Extensions · switchctl"
    assert 'value="zh_Hans" lang="zh-Hans"' in page and "简体中文" in page
    response = browser.post("/language", data={
        "lang": "zh_Hans", "next": "/extensions?sort=name", "csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.location == "/extensions?sort=name"
    page = browser.get("/extensions").get_data(as_text=True)
    assert title(page) == "分机 · switchctl"  # though the browser still asks for English
    browser.post("/language", data={"lang": "en", "next": "/extensions",
                                    "csrf_token": csrf_token(page)})
    assert title(browser.get("/extensions").get_data(as_text=True)) == "Extensions · switchctl"


def test_the_choice_outlives_the_login_and_works_on_the_login_page(browser):
    page = speaks(browser, "en").get("/login").get_data(as_text=True)
    browser.post("/language", data={"lang": "zh_Hans", "next": "/login",
                                    "csrf_token": csrf_token(page)})
    assert title(browser.get("/login").get_data(as_text=True)) == "登录 · switchctl"
    log_in(browser, "101", "Passw0rd101")
    page = browser.get("/extensions").get_data(as_text=True)
    browser.post("/logout", data={"csrf_token": csrf_token(page)})
    assert title(browser.get("/login").get_data(as_text=True)) == "登录 · switchctl"


@pytest.mark.parametrize("form", [
    {"lang": "xx", "next": "/login"}, {"lang": "zh_Hans", "next": "//evil.example/"},
    {"lang": "zh_Hans", "next": "https://evil.example/"}, {"lang": "zh_Hans"}])
def test_the_switch_takes_only_our_languages_and_our_own_pages(browser, form):
    token = csrf_token(speaks(browser, "en").get("/login").get_data(as_text=True))
    response = browser.post("/language", data={**form, "csrf_token": token})
    assert response.status_code == 302
    assert response.location == ("/login" if form.get("next") == "/login" else "/")
    expected = "Log in · switchctl" if form["lang"] == "xx" else "登录 · switchctl"
    assert title(browser.get("/login").get_data(as_text=True)) == expected


def test_the_switch_needs_its_csrf_token(browser):
    response = speaks(browser, "zh-CN").post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert page_error(text) == "表单已过期或并非来自本门户。请刷新页面后重试。"
    assert '<html lang="zh-Hans">' in text
    assert title(browser.get("/login").get_data(as_text=True)) == "登录 · switchctl"


def test_a_refused_page_says_why_in_chinese(app):
    @app.get("/only-extensions")  # a page for extension users only
    @portal.access.roles_required("extension")
    def only_extensions():
        return "never"

    browser = app.test_client()
    log_in(speaks(browser, "zh-CN"), "boss", "AdminPassw0rd")
    response = browser.get("/only-extensions")
    assert response.status_code == 403
    assert page_error(response.get_data(as_text=True)) == "您的账号无权打开此页面。"


def test_the_languages_offered_are_the_catalogs_there_are():
    catalogs = {path.name for path in CATALOGS.iterdir() if path.is_dir()}
    assert set(i18n.LANGUAGES) == catalogs | {i18n.DEFAULT}
