#!/usr/bin/env python3
"""bench/scaling.py: the arithmetic on a fixture of round numbers, and docs/scaling.md up to date.

  scaling_test.py REPO_ROOT

The fixture (fixtures/scaling-results.json) is chosen so that every figure can be worked out by
hand; the expected values below are those hand computations, not the script's output.
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


class ArithmeticOnTheFixture(unittest.TestCase):
    def setUp(self):
        with open(FIXTURE) as f:
            self.inputs, _ = scaling.read_inputs(json.load(f))
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
        review = "misc.review.v1.ReviewService/ListReviews"
        self.assertAlmostEqual(m.db_weight(review, self.inputs), 2.0)
        # 1,000 pages/s: 1,000 GetRestaurant x (1 - 0.9) + 1,000 x 2 = 2,100 SELECTs/s.
        self.assertAlmostEqual(m.db_load(1000, 0.9, self.inputs), 2100)
        self.assertAlmostEqual(m.db_load(1000, 0.0, self.inputs), 3000)
        # A host is planned at 50 % of 10,000: 5,000. 5,000 pages/s cold: 15,000 -> 3 hosts.
        self.assertEqual(m.db_hosts(5000, 0.0, self.inputs, self.sizing), 3)
        self.assertEqual(m.db_hosts(5000, 0.9, self.inputs, self.sizing), 3)  # 10,500
        self.assertEqual(m.db_hosts(1000, 0.9, self.inputs, self.sizing), 1)

    def test_hit_ratio_needed(self):
        # 2,000 pages/s: uncached ListReviews 4,000, GetRestaurant 2,000 at no hits. One host
        # (5,000) leaves 1,000 for GetRestaurant: 1 - 1,000 / 2,000 = 50 %.
        self.assertAlmostEqual(m.hit_ratio_needed(2000, 1, self.inputs, self.sizing), 0.5)
        self.assertEqual(m.hit_ratio_needed(2000, 2, self.inputs, self.sizing), 0.0)
        # 3,000 pages/s: ListReviews alone is 6,000 > 5,000: no hit ratio is enough.
        self.assertIsNone(m.hit_ratio_needed(3000, 1, self.inputs, self.sizing))

    def test_connections_and_pgbouncer(self):
        p = m.plan(5000, self.inputs, self.sizing)
        # 10 pods in a rollout x pool 10 = 100, + 10 LISTEN = 110 <= 200.
        self.assertEqual(p.direct_connections_per_host, 100)
        self.assertTrue(p.fits_budget_direct)
        # 10,000 database calls/s over 3 warm hosts x 1 ms = 3.33 busy; / 0.5 -> pool of 7.
        self.assertAlmostEqual(p.busy_connections_per_host, 10000 / 3 * 0.001)
        self.assertEqual(p.pgbouncer_pool_size, 7)
        big = m.plan(20000, self.inputs, self.sizing)  # 20 pods, 30 with a zone, 36 rolling
        self.assertEqual(big.pods_in_rollout, 36)
        self.assertFalse(big.fits_budget_direct)

    def test_pool_and_memory(self):
        # 2 database calls per 0.5 ms of CPU = 4,000 per core-second; 10 connections at 1 ms
        # carry 10,000 calls/s: 2.5 cores.
        self.assertAlmostEqual(m.pool_cores(self.inputs, self.sizing), 2.5)
        # 100 MB with the cache filled x 1.5 = 150 -> 192 MiB (64 MiB steps).
        self.assertEqual(m.memory_request_mib(self.inputs, self.sizing), 192)

    def test_limits_in_order(self):
        p = m.plan(1000, self.inputs, self.sizing)  # 1 host warm
        found = m.limits(p, self.inputs, self.sizing)
        self.assertEqual([round(peak) for peak, _, _ in found],
                         # cold 5,000 / 3; warm 5,000 / 2.1; HPA 10 x 1,000; connections:
                         # 13 pods -> 20 zone -> 24 rolling x 11 = 264 > 200; 10 -> 15 -> 18
                         # x 11 = 198 fits, 11 -> 17 -> 21 x 11 = 231 does not.
                         [1667, 2381, 10000, 10000])
        self.assertEqual([kind for _, kind, _ in found],
                         ["hosts-cold", "hosts", "connections", "hpa"])

    def test_model_matches_harmonic_mean(self):
        # 90 % hits: 1 / (0.1 / 10,000 + 0.9 / 20,000) = 18,181.8 calls/s.
        self.assertAlmostEqual(m.pod_get_restaurant_rate(0.9, self.inputs), 1 / 5.5e-5)


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
