import re, time, pytest
from tests.factories import tiny_network
pytestmark = pytest.mark.django_db(transaction=True)
WEB_VITALS = re.compile(r"/static/vendor/web-vitals\.attribution\.[0-9a-f]{12}\.js$")

@pytest.mark.parametrize("n", range(4))
def test_debug(site, new_page, n):
    tiny_network()
    page = new_page(viewport={"width": 1280, "height": 900})
    logs = []
    page.on("console", lambda m: logs.append(m.text))
    with page.expect_response(WEB_VITALS) as r:
        page.goto(site.url + "/")
    url = r.value.url
    page.wait_for_load_state("networkidle")
    page.evaluate("""(url) => import(url).then((wv) => { wv.onINP((m) => console.log('INP', m.value, m.attribution.interactionTarget), {reportAllChanges: true}); console.log('ready'); })""", url)
    page.wait_for_timeout(200)
    page.click("#from")
    page.keyboard.type("Alp")
    page.click("h1")
    page.wait_for_timeout(1500)
    ev = page.evaluate("() => [performance.getEntriesByType('first-input').map(e => [e.name, e.duration]), performance.eventCounts.get('click')]")
    print(n, logs, ev)
