"""Alert e-mail rendering: subject, table values, escaping, inline PNG chart, plain-text part."""

from __future__ import annotations

import io
import re
from dataclasses import asdict
from datetime import timedelta

import matplotlib.image
import pytest

from dataops.alerts import dispatch_alerts
from dataops.alerts.inputs import chart_points
from dataops.spc import Point, chart_series
from tests.unit.alerts.spc_inputs import CFG, Outbox, contract_finding, history, judge

LINKS = {"data_docs": "http://127.0.0.1:8080/docs/index.html", "task": "http://127.0.0.1:8080/dags/x/runs/y"}


@pytest.fixture
def location(warehouse_location):
    return warehouse_location


def spike(metric: str, value: float, seed: int = 7, statuses: dict[int, str] | None = None):
    pts = history(seed=seed)
    for i, status in (statuses or {}).items():
        pts[i] = Point(pts[i].batch_date, pts[i].value + 0.6, status=status)
    today = Point(pts[-1].batch_date + timedelta(days=1), value)
    return judge(metric, pts, today)


def two_high(metric: str):
    """Two batches in a row at about 2.5 sigma: Nelson 5 (warning), not Nelson 1."""
    pts = history(seed=5)
    probe, _ = judge(metric, pts, Point(pts[-1].batch_date + timedelta(days=1), 5.0))
    high = probe["centre"] + 2.5 * probe["sigma"]
    pts.append(Point(pts[-1].batch_date + timedelta(days=1), high))
    return judge(metric, pts, Point(pts[-1].batch_date + timedelta(days=1), high))


def dispatch(location, evaluations, series, run_key="run-1", send=None):
    send = send if send is not None else Outbox()
    out = dispatch_alerts(location, dataset="transactions", batch_date=evaluations[0]["batch_date"],
                          run_key=run_key, evaluations=evaluations, series=series, links=LINKS,
                          recipients=["analysts@localhost"], send=send)
    return out, send


def html_of(msg) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


def text_of(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_subject_names_the_worst_finding(location):
    ev, series = spike("amount_log_mean", 5.6)
    assert ev["verdict"] == "critical"
    out, box = dispatch(location, [ev], {"amount_log_mean": series})
    expected = f"[CRITICAL] transactions.amount_log_mean {ev['batch_date']}: {ev['z']:+.1f} sigma (Nelson 1)"
    assert out["sent"] and out["subject"] == expected
    assert len(box.messages) == 1 and box.messages[0]["Subject"] == expected
    assert box.messages[0]["To"] == "analysts@localhost"


def test_subject_counts_the_others_and_warning_tag(location):
    crit, s1 = spike("amount_log_mean", 5.6)
    contract = contract_finding(crit["batch_date"], 3)
    out, _ = dispatch(location, [contract, crit], {"amount_log_mean": s1})
    assert out["subject"].startswith(f"[CRITICAL] transactions.amount_log_mean {crit['batch_date']}: ")
    assert out["subject"].endswith(" and 1 more")

    warn, s2 = two_high("tx_count")
    assert warn["verdict"] == "warning" and {f["severity"] for f in warn["findings"]} == {"warning"}
    out, _ = dispatch(location, [warn], {"tx_count": s2}, run_key="run-2")
    assert out["subject"].startswith("[WARNING] transactions.tx_count ")


def test_contract_finding_without_limits(location):
    contract = contract_finding("2026-03-14", 3)
    out, box = dispatch(location, [contract], {})
    assert out["subject"] == "[CRITICAL] transactions.contract.rejected_files 2026-03-14: value 3 (Contract)"
    html = html_of(box.messages[0])
    assert "Contract: 3 file(s) rejected" in html and "cid:" not in html  # no series: no chart


def test_table_shows_values_limits_baseline_and_exclusions(location):
    ev, series = spike("amount_log_mean", 5.6, statuses={30: "known_bad", 35: "out_of_control"})
    excluded = {e["batch_date"]: e["status"] for e in ev["excluded_dates"]}
    assert set(excluded.values()) == {"known_bad", "out_of_control"}
    _, box = dispatch(location, [ev], {"amount_log_mean": series})
    html, text = html_of(box.messages[0]), text_of(box.messages[0])
    base = ev["baseline_dates"]
    for body in (html, text):
        assert f"{ev['value']:.4g}" in body and f"{ev['centre']:.4g}" in body
        assert f"{ev['lcl']:.4g} .. {ev['ucl']:.4g}" in body
        assert f"{ev['z']:+.2f}" in body
        assert f"{base[0]}..{base[-1]} ({len(base)} points)" in body
        for day, status in excluded.items():
            assert f"{day} ({status})" in body
        assert "Nelson 1: one point beyond 3 sigma" in body


def test_every_data_value_is_escaped(location):
    metric = 'share_of_country[<script>alert("x")</script>]'
    ev, series = spike(metric, 5.6)
    ev["findings"][0]["description"] = "Nelson 1: <b>bold</b> & <img src=x onerror=alert(1)>"
    ev["excluded_dates"] = [{"batch_date": "2026-01-05<i>", "status": "known_bad"}]
    links = {"data_docs": "javascript:alert(1)", "task": 'http://h/t?a=1&b="2"'}
    box = Outbox()
    dispatch_alerts(location, dataset="transactions", batch_date=ev["batch_date"], run_key="r",
                    evaluations=[ev], series={metric: series}, links=links, recipients=["a@localhost"],
                    send=box)
    html = html_of(box.messages[0])
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img" in html
    assert "<img src=x" not in html and "2026-01-05&lt;i&gt;" in html
    assert 'href="javascript:' not in html  # not a link, shown as text
    assert 'href="http://h/t?a=1&amp;b=&#34;2&#34;"' in html
    # the only tags are the template's own
    assert set(re.findall(r"<(/?[a-zA-Z0-9]+)", html)) <= {
        "!DOCTYPE", "html", "/html", "head", "/head", "meta", "title", "/title", "body", "/body", "h2", "/h2",
        "h3", "/h3", "h4", "/h4", "p", "/p", "table", "/table", "tr", "/tr", "th", "/th", "td", "/td", "b",
        "/b", "br", "ul", "/ul", "li", "/li", "img", "a", "/a", "pre", "/pre", "code", "/code"}
    assert "\n" not in box.messages[0]["Subject"]


def test_inline_png_is_referenced_from_the_html(location):
    ev, series = spike("amount_log_mean", 5.6)
    _, box = dispatch(location, [ev], {"amount_log_mean": series})
    msg = box.messages[0]
    assert msg.get_content_type() == "multipart/alternative"
    plain, related = msg.get_payload()
    assert plain.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    assert html_part.get_content_type() == "text/html" and len(images) == 1
    image = images[0]
    png = image.get_content()
    assert image.get_content_type() == "image/png" and png.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[0] > 200 and pixels.shape[1] > 400
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html_part.get_content()


def test_at_most_three_charts_worst_first(location):
    evs, series = [], {}
    for i, value in enumerate((5.5, 5.9, 5.7, 5.8)):
        ev, s = spike(f"m{i}", value, seed=11)
        evs.append(ev)
        series[f"m{i}"] = s
    _, box = dispatch(location, evs, series)
    related = box.messages[0].get_payload()[1]
    names = [p.get_filename() for p in related.get_payload()[1:]]
    assert names == ["m1.png", "m3.png", "m2.png"]  # highest |z| first, m0 left out


def test_plain_text_part_has_the_label_steps(location):
    ev, series = spike("amount_log_mean", 5.6)
    _, box = dispatch(location, [ev], {"amount_log_mean": series})
    text = text_of(box.messages[0])
    day = ev["batch_date"]
    assert ("airflow dags trigger quality_labels --conf '{\"dataset\": \"transactions\", \"batch_date\": "
            f"\"{day}\", \"verdict\": \"known_bad\"") in text
    assert "\"verdict\": \"false_positive\"" in text
    assert "Dags -> quality_labels -> Trigger" in text
    assert LINKS["data_docs"] in text and LINKS["task"] in text
    assert "<" not in text.replace("<=", "")  # no markup in the plain part


def test_series_shapes_are_equivalent():
    pts = history(40)
    cs = chart_series(pts, {"metric": "m", **CFG}, last_n=30)
    shapes = [cs, cs.to_dict(), asdict(cs), [p.to_dict() for p in cs.points]]
    columns = {k: [p.to_dict()[k] for p in cs.points] for k in cs.points[0].to_dict()}
    shapes.append(columns)
    parsed = [chart_points(s) for s in shapes]
    ref = [(p["batch_date"], p["value"], p["ucl"], p["zone_2_lower"], p["status"]) for p in parsed[0]]
    assert len(ref) == 30 and ref[-1][0] == pts[-1].batch_date
    for other in parsed[1:]:
        assert [(p["batch_date"], p["value"], p["ucl"], p["zone_2_lower"], p["status"]) for p in other] == ref
    assert chart_points(None) == [] and chart_points({"nothing": 1}) == []
    assert len(chart_points(cs, last_n=10)) == 10


def test_zones_completed_from_limits_only():
    point = {"batch_date": "2026-03-01", "value": 1.0, "centre": 10.0, "ucl": 13.0, "lcl": 7.0}
    (p,) = chart_points([point])
    assert p["sigma"] == pytest.approx(1.0)
    assert (p["zone_1_lower"], p["zone_1_upper"], p["zone_2_lower"], p["zone_2_upper"]) == (9.0, 11.0, 8.0, 12.0)
