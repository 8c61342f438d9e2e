"""The HTML report opens in a real headless browser and every figure in it loads.

Chromium is required in CI (``CI`` set); elsewhere, without a browser, this one test says so and skips.
"""

import os
import shutil
import subprocess

import pytest

from glassnet.lab.report import write_report
from glassnet.lab.runner import combine, run_experiment

BROWSERS = ("chromium", "chromium-browser", "google-chrome")

# Appended to a copy of the page: after load, count the images that decoded to a real size.
PROBE = """<script>window.addEventListener('load', () => {
  const images = [...document.images];
  const ok = images.filter(i => i.complete && i.naturalWidth > 0).length;
  const result = document.createElement('p');
  result.id = ['probe', 'result'].join('-');  // not spelled out, so the script's own text never matches
  result.textContent = ok + '/' + images.length;
  document.body.appendChild(result);
});</script>"""


def _browser():
    found = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Chromium for the report test (see .ci/run)")
        pytest.skip("no Chromium on this machine: the report's browser check did not run")
    return found


def test_every_figure_loads_in_headless_chromium(tmp_path):
    browser = _browser()
    paths = write_report([combine([run_experiment("q10", quick=True)])], tmp_path / "report")
    page = paths["html"].read_text().replace("</body>", PROBE + "</body>")
    probe_page = tmp_path / "probe.html"
    probe_page.write_text(page)
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000",
        "--dump-dom",
    ]
    dom = subprocess.run([browser, *flags, probe_page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert '<p id="probe-result">' in dom, "the page did not finish loading in Chromium"
    loaded, total = dom.split('<p id="probe-result">')[1].split("</p>")[0].split("/")
    assert int(total) >= 1 and loaded == total, f"only {loaded} of {total} figures loaded"
