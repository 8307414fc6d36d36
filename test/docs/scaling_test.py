#!/usr/bin/env python3
"""bench/scaling.py: the arithmetic on a fixture of round numbers, and docs/scaling.md up to date.

  scaling_test.py REPO_ROOT

The fixture (fixtures/scaling-results.json) is chosen so that every figure can be worked out by
hand; the expected values below are those hand computations, not the script's output. Each test
checks it as it is (both caches measured: GetRestaurant 90 % warm, ListReviews 75 %), and where
the review first-page cache changes the figures, also as a run that predates that cache's
measurement (no `review_first_page_cache*`: no ListReviews hits).
"""

import os
import subprocess
import sys
import unittest

REPO = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else None
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "scaling-results.json")
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(REPO or ".", "bench"))

import json  # noqa: E402
import scaling  # noqa: E402
import scaling_model as m  # noqa: E402


GET = "misc.restaurant.v1.RestaurantService/GetRestaurant"
REVIEWS = "misc.review.v1.ReviewService/ListReviews"


def fixture(review_cache=True):
    with open(FIXTURE) as f:
        document = json.load(f)
    if not review_cache:
        del document["review_first_page_cache"], document["review_first_page_cache_server"]
    return document


class ArithmeticOnTheFixture(unittest.TestCase):
    def setUp(self):
        self.inputs, _ = scaling.read_inputs(fixture())
        self.before, _ = scaling.read_inputs(fixture(review_cache=False))
        # Round planning choices: 1 core at 50 %, pool 10, 20 % surge, 3 zones, hosts at 50 %.
        self.sizing = m.Sizing(pod_cpu_request=1.0, hpa_cpu_target=0.5, pool_size=10,
                               hpa_max_replicas=10, max_surge=0.2, zones=3, db_target=0.5,
                               connection_budget=200, memory_headroom=1.5)

    def test_inputs_take_the_worst_operating_concurrency_and_skip_c1(self):
        # c=16 costs 0.1 s / 1000 calls, c=64 0.05, c=1 (0.9) is not an operating point.
        self.assertAlmostEqual(self.inputs.cpu_s_per_call, 0.0001)
        self.assertEqual(self.inputs.calls_per_page, 5)
        self.assertEqual(sorted(self.inputs.db_calls_per_page.values()), [1.0, 1.0])
        # 8 connections busy at c=256 / 8,000 calls/s = 1 ms per call.
        self.assertAlmostEqual(self.inputs.connection_seconds_per_call, 0.001)
        self.assertEqual(self.inputs.pg_ceiling_calls_per_s, 10000)
        self.assertEqual(m.warm_hit_ratios(self.inputs), {GET: 0.9, REVIEWS: 0.75})
        self.assertEqual(self.inputs.review_cache_hit_ratio_cold, 0.5)
        self.assertEqual(self.inputs.review_cache_calls_per_s_warm, 9000)
        self.assertEqual(m.cached_methods(self.inputs), (GET, REVIEWS))
        self.assertEqual(m.warm_hit_ratios(self.before), {GET: 0.9})
        self.assertEqual(m.cached_methods(self.before), (GET,))

    def test_pods(self):
        # A page costs 5 x 100 µs = 0.5 ms; a pod at 0.5 core serves 1,000 pages/s.
        self.assertAlmostEqual(m.pages_per_pod(self.inputs, self.sizing), 1000)
        self.assertEqual(m.pods_needed(5000, self.inputs, self.sizing), 5)
        self.assertEqual(m.pods_needed(5001, self.inputs, self.sizing), 6)
        # A zone of 3 down: 5 x 3/2 = 7.5 -> 8; a rollout adds ceil(20 % of 8) = 2.
        self.assertEqual(m.pods_zone_loss(5, self.sizing), 8)
        self.assertEqual(m.surge(8, self.sizing), 10)
        self.assertEqual(m.pods_zone_loss(1, self.sizing), 3)  # one per zone at least

    def test_database_load_and_hosts(self):
        # ListReviews runs at half GetRestaurant's rate: it weighs 2 SELECTs.
        self.assertAlmostEqual(m.db_weight(REVIEWS, self.inputs), 2.0)
        # 1,000 pages/s: 1,000 GetRestaurant x (1 - 0.9) + 1,000 x 2 = 2,100 SELECTs/s.
        self.assertAlmostEqual(m.db_load(1000, {GET: 0.9}, self.inputs), 2100)
        self.assertAlmostEqual(m.db_load(1000, {}, self.inputs), 3000)
        # With ListReviews' first page 75 % from memory: 100 + 1,000 x 2 x 0.25 = 600.
        self.assertAlmostEqual(m.db_load(1000, {GET: 0.9, REVIEWS: 0.75}, self.inputs), 600)
        # A host is planned at 50 % of 10,000: 5,000. 5,000 pages/s cold: 15,000 -> 3 hosts.
        self.assertEqual(m.db_hosts(5000, {}, self.inputs, self.sizing), 3)
        self.assertEqual(m.db_hosts(5000, {GET: 0.9}, self.inputs, self.sizing), 3)  # 10,500
        self.assertEqual(m.db_hosts(1000, {GET: 0.9}, self.inputs, self.sizing), 1)
        # Both caches warm: 5,000 x 0.6 = 3,000 -> 1 host; before the review cache's
        # measurement the warm plan is GetRestaurant's alone: 10,500 -> 3.
        self.assertEqual(m.plan(5000, self.inputs, self.sizing).hosts_warm, 1)
        self.assertAlmostEqual(m.plan(5000, self.inputs, self.sizing).db_load_warm, 3000)
        self.assertEqual(m.plan(5000, self.before, self.sizing).hosts_warm, 3)
        self.assertAlmostEqual(m.plan(5000, self.before, self.sizing).db_load_warm, 10500)

    def test_hit_ratio_needed_before_the_review_cache_was_measured(self):
        # 2,000 pages/s: uncached ListReviews 4,000, GetRestaurant 2,000 at no hits. One host
        # (5,000) leaves 1,000 for GetRestaurant: 1 - 1,000 / 2,000 = 50 %.
        self.assertAlmostEqual(m.hit_ratio_needed(2000, 1, self.before, self.sizing), 0.5)
        self.assertEqual(m.hit_ratio_needed(2000, 2, self.before, self.sizing), 0.0)
        # 3,000 pages/s: ListReviews alone is 6,000 > 5,000: no hit ratio is enough.
        self.assertIsNone(m.hit_ratio_needed(3000, 1, self.before, self.sizing))

    def test_hit_ratio_needed_of_both_caches(self):
        # One ratio for both: 2,000 pages/s is 2,000 + 4,000 = 6,000 at no hits, nothing
        # uncached; one host (5,000): 1 - 5,000 / 6,000 = 1/6.
        self.assertAlmostEqual(m.hit_ratio_needed(2000, 1, self.inputs, self.sizing), 1 / 6)
        self.assertEqual(m.hit_ratio_needed(2000, 2, self.inputs, self.sizing), 0.0)
        # 3,000 pages/s: 9,000 at no hits; one host: 1 - 5,000 / 9,000 = 4/9.
        self.assertAlmostEqual(m.hit_ratio_needed(3000, 1, self.inputs, self.sizing), 4 / 9)

    def test_connections_and_pgbouncer(self):
        p = m.plan(5000, self.before, self.sizing)
        # 10 pods in a rollout x pool 10 = 100, + 10 LISTEN = 110 <= 200.
        self.assertEqual(p.direct_connections_per_host, 100)
        self.assertTrue(p.fits_budget_direct)
        # A hit holds no connection: of the 10,000 database calls/s (5,000 GetRestaurant at
        # 90 % hits, 5,000 ListReviews uncached) 5,500 miss; over 3 warm hosts x 1 ms = 1.83
        # busy; / 0.5 -> pool of 4.
        self.assertAlmostEqual(p.busy_connections_per_host, 5500 / 3 * 0.001)
        self.assertEqual(p.pgbouncer_pool_size, 4)
        # Both caches warm (ListReviews 75 %): 500 + 1,250 = 1,750 misses/s on 1 warm host:
        # 1.75 busy; / 0.5 -> 3.5 -> 4.
        p = m.plan(5000, self.inputs, self.sizing)
        self.assertAlmostEqual(p.busy_connections_per_host, 1.75)
        self.assertEqual(p.pgbouncer_pool_size, 4)
        big = m.plan(20000, self.inputs, self.sizing)  # 20 pods, 30 with a zone, 36 rolling
        self.assertEqual(big.pods_in_rollout, 36)
        self.assertFalse(big.fits_budget_direct)

    def test_pool_and_memory(self):
        # 2 database calls per 0.5 ms of CPU = 4,000 per core-second; 10 connections at 1 ms
        # carry 10,000 calls/s: 2.5 cores.
        self.assertAlmostEqual(m.pool_cores(self.inputs, self.sizing), 2.5)
        # 100 MB with the restaurant cache filled x 1.5 = 150 -> 192 MiB (64 MiB steps);
        # 200 MB with both filled x 1.5 = 300 -> 320 MiB.
        self.assertEqual(m.memory_request_mib(self.before, self.sizing), 192)
        self.assertEqual(m.memory_request_mib(self.inputs, self.sizing), 320)

    def test_limits_in_order(self):
        p = m.plan(1000, self.before, self.sizing)  # 1 host warm
        found = m.limits(p, self.before, self.sizing)
        self.assertEqual([round(peak) for peak, _, _ in found],
                         # cold 5,000 / 3; warm 5,000 / 2.1; HPA 10 x 1,000; connections:
                         # 13 pods -> 20 zone -> 24 rolling x 11 = 264 > 200; 10 -> 15 -> 18
                         # x 11 = 198 fits, 11 -> 17 -> 21 x 11 = 231 does not.
                         [1667, 2381, 10000, 10000])
        self.assertEqual([kind for _, kind, _ in found],
                         ["hosts-cold", "hosts", "connections", "hpa"])
        # Both caches warm: a page costs 0.1 + 2 x 0.25 = 0.6 SELECTs, 5,000 / 0.6 = 8,333.
        found = m.limits(m.plan(1000, self.inputs, self.sizing), self.inputs, self.sizing)
        self.assertEqual([round(peak) for peak, _, _ in found], [1667, 8333, 10000, 10000])
        self.assertEqual(found[1][2], "the one read host with the caches warm")

    def test_model_matches_harmonic_mean(self):
        # 90 % hits: 1 / (0.1 / 10,000 + 0.9 / 20,000) = 18,181.8 calls/s.
        self.assertAlmostEqual(m.pod_cached_rate(GET, 0.9, self.inputs), 1 / 5.5e-5)
        # ListReviews, 75 %: 1 / (0.25 / 5,000 + 0.75 / 20,000) = 11,428.6 calls/s.
        self.assertAlmostEqual(m.pod_cached_rate(REVIEWS, 0.75, self.inputs), 1 / 8.75e-5)


class PageOnTheFixture(unittest.TestCase):
    """What the page says about the review first-page cache, measured or not."""

    def page(self, document):
        inputs, sources = scaling.read_inputs(document)
        return scaling.render(FIXTURE, document, inputs, sources, m.Sizing())

    def test_a_run_before_the_measurement_says_not_measured_and_counts_no_hits(self):
        page = self.page(fixture(review_cache=False))
        self.assertIn("| review first-page cache hit ratio | not measured |", page)
        self.assertIn("which this run did not measure: counted as no hits", page)
        self.assertIn("Review first-page cache: not measured in this run", page)
        # 5,000 pages/s of ListReviews is 10,000 SELECTs/s, over a host at 70 % of 10,000.
        self.assertIn("**The reads the plan counts no cache for.** ListReviews alone is 10,000 "
                      "SELECTs/s", page)

    def test_a_measured_run_applies_the_review_cache(self):
        page = self.page(fixture())
        self.assertIn("| review first-page cache hit ratio, warm / from empty | 75.0% / 50.0% |",
                      page)
        self.assertIn("so its ratio is that cache's: 75.0% warm.", page)
        self.assertIn("`review_first_page_cache_server.peak_rss_mb` (both caches filled)", page)
        # ListReviews at 75 %: 11,429 calls/s on paper, 9,000 measured (-21 %).
        self.assertIn("ListReviews 11,429 calls/s at 75.0%; measured 9,000 (-21%)", page)
        self.assertNotIn("counts no cache for", page)
        self.assertNotIn("not measured", page)


@unittest.skipIf(REPO is None, "give the repository root")
class CommittedPage(unittest.TestCase):
    def test_docs_scaling_md_is_what_the_script_writes(self):
        out = subprocess.run([sys.executable, os.path.join(REPO, "bench", "scaling.py"),
                              "--check", "--out", os.path.join(REPO, "docs", "scaling.md")],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_check_fails_on_a_stale_page(self):
        stale = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"scaling-stale-{os.getpid()}.md")
        with open(os.path.join(REPO, "docs", "scaling.md")) as page:
            text = page.read().replace("5,000", "6,000")
        with open(stale, "w") as f:
            f.write(text)
        try:
            out = subprocess.run([sys.executable, os.path.join(REPO, "bench", "scaling.py"),
                                  "--check", "--out", stale], capture_output=True, text=True)
        finally:
            os.remove(stale)
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
