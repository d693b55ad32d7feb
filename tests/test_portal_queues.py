"""The admin's queue pages (/queues): queues of mod_callcenter's strategies and their
static agents, extensions of the admin's own domain only (another domain's queue id is not
found: the service looks it up within the admin's domain)."""

import pytest
from playhouse.test_utils import count_queries

from switchctl.models import Queue, QueueAgent
from switchctl.models.queues import AGENT_DYNAMIC
from switchctl.portal.queues.views import STRATEGY_LABELS
from switchctl.services import ValidationError, conferences, queues
from switchctl.services.domains import ensure_domain
from switchctl.services.extensions import add_extension, find_extension
from tests.clients import portal as portal_client
from tests.clients.portal import only_admins, page_error

QUEUE = {"number": "600", "name": "Sales line", "strategy": "ring-all"}


pytestmark = pytest.mark.usefixtures("quick_hashes")  # not about logging in


def post_form(browser, url, form):
    return portal_client.post_form(browser, "/queues", url, form)


def agent_numbers(queue):
    return [agent.extension.number for agent in queues.agents(queue)]


def error_of(response):
    assert response.status_code == 400
    return page_error(response.get_data(as_text=True))


def test_an_admin_adds_a_queue_its_agents_edits_and_deletes_it(admin, office):
    response = post_form(admin, "/queues", QUEUE)
    queue = Queue.get(Queue.number == "600")
    assert response.status_code == 302 and response.location == f"/queues/{queue.id}"
    assert (queue.domain_id, queue.name, queue.strategy) == (office.id, "Sales line", "ring-all")
    page = admin.get(f"/queues/{queue.id}").get_data(as_text=True)
    assert 'id="queue-agents"' in page and 'id="add-agent"' in page
    for number in ("102", "101"):
        assert post_form(admin, f"/queues/{queue.id}/agents",
                         {"extension": number}).status_code == 302
    assert agent_numbers(queue) == ["101", "102"]
    assert {agent.kind for agent in queue.agents} == {"static"}
    listing = admin.get("/queues").get_data(as_text=True)
    assert 'data-queue="600"' in listing and "Ring all agents at once" in listing
    assert "<td>2</td>" in listing  # its agents, counted
    response = post_form(admin, f"/queues/{queue.id}/agents/delete", {"extension": "102"})
    assert response.status_code == 302 and agent_numbers(queue) == ["101"]
    response = post_form(admin, f"/queues/{queue.id}",
                         {"number": "601", "name": "Support", "strategy": "top-down"})
    assert response.status_code == 302
    queue = Queue.get_by_id(queue.id)
    assert (queue.number, queue.name, queue.strategy) == ("601", "Support", "top-down")
    with count_queries() as one:
        admin.get("/queues")
    for number in ("602", "603", "604"):
        queues.add_agents(queues.add_queue(office, number, "More"), ["101", "102"])
    with count_queries() as four:
        assert admin.get("/queues").get_data(as_text=True).count("data-queue=") == 4
    assert four.count == one.count  # no query per queue
    for listed in Queue.select():
        assert post_form(admin, f"/queues/{listed.id}/delete", {}).status_code == 302
    assert not Queue.select().exists() and not QueueAgent.select().exists()


def test_bad_queues_and_agents_are_clear_messages_in_the_readers_language(admin, office):
    conferences.add_room(office, "800", "1234")
    for change, message in (
            ({"number": "102"}, "number 102 is an extension"),
            ({"number": "800"}, "number 800 is a conference room"),
            ({"number": "41"}, "number 41 is a parking slot (41-49)"),
            ({"number": "9"}, "number 9 must be 2 to 8 digits"),
            ({"name": " "}, "a name is required"),
            ({"strategy": "fifo"}, "strategy fifo is not one of mod_callcenter&#39;s")):
        assert error_of(post_form(admin, "/queues", {**QUEUE, **change})) == message, change
    assert not Queue.select().exists()
    queue = queues.add_queue(office, "600", "Sales")
    queues.add_agent(queue, "101")
    add_extension(ensure_domain("other.example"), "107", "Stranger", "Passw0rd107")
    for number, message in (("101", "extension 101 already answers queue 600"),
                            ("107", "there is no extension 107"),
                            ("", "there is no extension "), ("1x", "there is no extension 1x")):
        response = post_form(admin, f"/queues/{queue.id}/agents", {"extension": number})
        assert error_of(response) == message
    response = post_form(admin, f"/queues/{queue.id}/agents/delete", {"extension": "105"})
    assert error_of(response) == "extension 105 is not an agent of queue 600"
    refused = post_form(admin, f"/queues/{queue.id}", {**QUEUE, "strategy": "ring-some"})
    assert refused.status_code == 400 and Queue.get_by_id(queue.id).name == "Sales"
    assert agent_numbers(queue) == ["101"]
    admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = admin.get(f"/queues/{queue.id}").get_data(as_text=True)
    assert "呼叫队列 600" in page and "静态坐席" in page
    response = post_form(admin, f"/queues/{queue.id}/agents", {"extension": "109"})
    assert error_of(response) == "分机 109 不存在"


def test_others_are_refused_and_other_domains_queues_not_found(app, admin, office):
    queue = queues.add_queue(office, "600", "Sales")
    theirs = queues.add_queue(ensure_domain("other.example"), "600", "Theirs")
    assert admin.get(f"/queues/{theirs.id}").status_code == 404
    for url, form in ((f"/queues/{theirs.id}", QUEUE), (f"/queues/{theirs.id}/delete", {}),
                      (f"/queues/{theirs.id}/agents", {"extension": "101"}),
                      (f"/queues/{theirs.id}/agents/delete", {"extension": "101"})):
        assert post_form(admin, url, form).status_code == 404
    assert admin.post("/queues", data={**QUEUE, "number": "601"}).status_code == 400  # CSRF
    only_admins(app, office, ["/queues", f"/queues/{queue.id}"], [
        ("/queues", {**QUEUE, "number": "601"}), (f"/queues/{queue.id}", QUEUE),
        (f"/queues/{queue.id}/delete", {}), (f"/queues/{queue.id}/agents", {"extension": "101"})])
    assert [q.name for q in Queue.select().order_by(Queue.id)] == ["Sales", "Theirs"]
    assert not QueueAgent.select().exists()


@pytest.mark.both_databases
def test_the_list_counts_agents_in_one_query(office):
    sales = queues.add_queue(office, "600", "Sales", "round-robin")
    queues.add_queue(office, "601", "Empty")
    queues.add_agents(sales, ["101", "105"])
    QueueAgent.update(kind=AGENT_DYNAMIC).where(
        QueueAgent.extension == find_extension(office, "105")).execute()
    assert [(q.number, q.agent_count) for q in queues.list_queues(office)] == \
        [("600", 2), ("601", 0)]
    with pytest.raises(ValidationError, match="already answers"):
        queues.add_agents(sales, ["102", "105"])  # 105: a dynamic agent already
    assert agent_numbers(sales) == ["101", "105"]  # and 102 was not added either


def test_every_strategy_of_mod_callcenter_has_its_label():
    assert set(STRATEGY_LABELS) == set(queues.STRATEGIES) == {
        "longest-idle-agent", "ring-all", "round-robin", "top-down",
        "agent-with-least-talk-time", "agent-with-fewest-calls",
        "sequentially-by-agent-order", "random", "ring-progressively"}


def test_the_queue_settings_and_dynamic_agents_on_the_pages(admin, office):
    settings = {"hold_music": "local_stream://moh", "max_wait_seconds": "120",
                "timeout_destination": "105", "agent_ring_seconds": "25"}
    assert post_form(admin, "/queues", {**QUEUE, **settings}).status_code == 302
    queue = Queue.get()
    assert (queue.max_wait_seconds, queue.timeout_destination, queue.agent_ring_seconds) == \
        (120, "105", 25)
    assert post_form(admin, f"/queues/{queue.id}/agents",
                     {"extension": "102", "kind": "dynamic"}).status_code == 302
    page = admin.get(f"/queues/{queue.id}").get_data(as_text=True)
    assert 'name="timeout_destination" value="105"' in page
    assert "dynamic" in page and "logged out" in page
    bad = post_form(admin, f"/queues/{queue.id}", {**QUEUE, **settings,
                                                   "hold_music": "${system(id)}"})
    assert "hold music" in error_of(bad)
    assert Queue.get().hold_music == "local_stream://moh"
    assert [a.kind for a in QueueAgent.select()] == [AGENT_DYNAMIC]
