"""Dashboard page times in headless Chromium on a simulated roster (default 100 runners x 2 years).

Measures, side by side in one run:

* the risk engine alone (``loadwatch.analysis.analyse``, in this process, same store): all
  athletes (what the Roster page needs) and one athlete (what the Load page needs);
* time from navigation to a fully rendered page (its title and footer drawn, no spinner, no
  running script) in headless Chromium against ``streamlit run dashboard/app.py``: cold (first
  full load after the server started: the analysis is computed), warm navigation (clicking the
  page in the sidebar, as a user does: cached analysis) and warm full reloads;
* the share of each page time spent in the risk engine (engine time / page time, cold; warm
  pages reuse the cached analysis, so their engine share is the cache lookup only).

Budget: warm Roster under 2 s, warm Load page under 1 s.

Usage::

    python bench/bench_dashboard.py [--athletes 100] [--years 2] [--store bench/out/x.db]

The simulated store is built once (summaries only, no streams: stream metrics are a one-off
per activity, cached in the store, and not what this benchmark is about) and reused.
Needs Debian's /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from etl.demo.build import build_demo_store
from etl.demo.simulate import SquadConfig
from etl.store import Store
from loadwatch.analysis import analyse

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BUDGET_S = {"roster": 2.0, "load": 1.0}


def ensure_store(path: Path, athletes: int, years: float) -> tuple[str, float]:
    """The simulated store at ``path`` (built when missing); its URL and build seconds."""
    url = f"sqlite:///{path}"
    store = Store.open(url)
    if len(store.athletes()) == athletes:
        return url, 0.0
    if store.activity_count():
        sys.exit(f"{path} holds another squad; delete it or give --store")
    started = time.perf_counter()
    config = SquadConfig(end_date=dt.date.today() - dt.timedelta(days=1), athletes=athletes,
                         years=years, with_streams=False)
    build_demo_store(store, config)
    return url, time.perf_counter() - started


def engine_times(url: str, athlete: str) -> dict[str, float]:
    """Seconds of the risk engine alone, in this process."""
    store = Store.open(url)
    today = dt.date.today()
    out = {}
    started = time.perf_counter()
    analyse(store, until=today)
    out["all athletes (roster)"] = time.perf_counter() - started
    started = time.perf_counter()
    analyse(store, [athlete], until=today)
    out["one athlete (load)"] = time.perf_counter() - started
    return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(url: str, port: int, home: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LOADWATCH_DB": url, "LOADWATCH_HOME": home}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    sys.exit("the dashboard server did not start")


def _rendered(page: object, title: str, started: float, timeout_s: float) -> float:
    """Seconds from ``started`` until the page titled ``title`` is fully rendered."""
    while time.perf_counter() - started < timeout_s:
        busy = (page.locator('[data-testid="stStatusWidget"]').count()  # type: ignore[attr-defined]
                + page.locator('[data-testid="stSpinner"]').count()  # type: ignore[attr-defined]
                + page.locator('[data-testid="stSkeleton"]').count())  # type: ignore[attr-defined]
        heading = page.locator("h1")  # type: ignore[attr-defined]
        if (not busy and heading.count() and heading.first.inner_text().startswith(title)
                and page.get_by_text("Not a medical device").count()):  # type: ignore[attr-defined]
            elapsed = time.perf_counter() - started
            if page.locator('[data-testid="stException"]').count():  # type: ignore[attr-defined]
                sys.exit(f"{title} shows an exception")
            return elapsed
        page.wait_for_timeout(25)  # type: ignore[attr-defined]
    sys.exit(f"{title} did not finish in {timeout_s} s")


def load_time(page: object, url: str, title: str, timeout_s: float = 1800) -> float:
    """Seconds from a full browser load of ``url`` to the rendered page."""
    started = time.perf_counter()
    page.goto(url)  # type: ignore[attr-defined]
    return _rendered(page, title, started, timeout_s)


def navigation_time(page: object, slug: str, title: str, timeout_s: float = 600) -> float:
    """Seconds from clicking the sidebar link to page ``slug`` to the rendered page."""
    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{slug}"]')  # type: ignore[attr-defined]
    started = time.perf_counter()
    link.click()
    return _rendered(page, title, started, timeout_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=100)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--store", type=Path, help="SQLite file to build or reuse "
                        "(default bench/out/dashboard_<athletes>x<years>y.db)")
    parser.add_argument("--repeat", type=int, default=5, help="warm visits per page")
    args = parser.parse_args()
    path = args.store or ROOT / "bench" / "out" / f"dashboard_{args.athletes}x{args.years:g}y.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    url, built = ensure_store(path, args.athletes, args.years)
    store = Store.open(url)
    athlete = str(store.athletes()["athlete"].iloc[0])
    print(f"store: {args.athletes} athletes x {args.years:g} years, "
          f"{store.activity_count()} activities" + (f" (built in {built:.0f} s)" if built else ""))
    engine = engine_times(url, athlete)

    from playwright.sync_api import sync_playwright

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="loadwatch-bench-") as home:
        server = start_server(url, port, home)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                base = f"http://127.0.0.1:{port}"
                link = urllib.parse.quote(athlete)
                titles = {"roster": "Roster", "load": f"Load: {athlete}"}
                cold = {"roster": load_time(page, f"{base}/roster", titles["roster"]),
                        "load": load_time(page, f"{base}/load?athlete={link}", titles["load"])}
                warm: dict[str, list[float]] = {"roster": [], "load": []}
                reload: dict[str, list[float]] = {"roster": [], "load": []}
                for _ in range(args.repeat):
                    warm["roster"].append(navigation_time(page, "roster", titles["roster"]))
                    warm["load"].append(navigation_time(page, "load", titles["load"]))
                for _ in range(max(1, args.repeat // 2)):
                    reload["roster"].append(load_time(page, f"{base}/roster", titles["roster"]))
                    reload["load"].append(
                        load_time(page, f"{base}/load?athlete={link}", titles["load"]))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)

    engine_for = {"roster": engine["all athletes (roster)"], "load": engine["one athlete (load)"]}
    print(f"\nrisk engine alone (in-process): all athletes {engine_for['roster']:.2f} s, "
          f"one athlete {engine_for['load']:.2f} s")
    print(f"\n{'page':<8}{'cold [s]':>10}{'engine share':>14}{'warm nav median [s]':>21}"
          f"{'warm nav max [s]':>18}{'warm reload [s]':>17}{'budget [s]':>12}  verdict")
    for name in ("roster", "load"):
        median = statistics.median(warm[name])
        share = min(1.0, engine_for[name] / cold[name])
        verdict = "ok" if median < BUDGET_S[name] else "OVER BUDGET"
        print(f"{name:<8}{cold[name]:>10.2f}{share:>13.0%}{median:>21.2f}{max(warm[name]):>18.2f}"
              f"{statistics.median(reload[name]):>17.2f}{BUDGET_S[name]:>12.1f}  {verdict}")
    print("\ncold: first full load after the server started (the analysis is computed); warm "
          "nav: clicking the page in the sidebar (cached analysis); warm reload: a full browser "
          "load with warm caches. engine share = risk-engine seconds / cold page seconds; the "
          "rest is rendering, data reads and the browser.")
    try:
        load = os.getloadavg()[0]
        print(f"machine load average during the run: {load:.1f} on {os.cpu_count()} cores")
    except OSError:
        pass


if __name__ == "__main__":
    main()
