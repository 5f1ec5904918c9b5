#!/usr/bin/python3
"""Tests for compare.py on small fake Google Benchmark / bench.py outputs.

    /usr/bin/python3 tools/pytorch_reference/compare_test.py
"""

import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # pylint: disable=wrong-import-position

FAKE_GBENCH = {
    "context": {"num_cpus": 2},
    "benchmarks": [
        # Plain iteration runs, in ns and us.
        {"name": "BM_Conv2DForward/lenet_conv1/threads:1",
         "run_name": "BM_Conv2DForward/lenet_conv1/threads:1",
         "run_type": "iteration", "real_time": 400000.0, "cpu_time": 1.0,
         "time_unit": "ns"},
        {"name": "BM_Conv2DForward/lenet_conv1/threads:2",
         "run_name": "BM_Conv2DForward/lenet_conv1/threads:2",
         "run_type": "iteration", "real_time": 250.0, "cpu_time": 1.0,
         "time_unit": "us"},
        # Repetitions: the median aggregate must win over the iterations.
        {"name": "BM_DenseForward/400x120/threads:1",
         "run_name": "BM_DenseForward/400x120/threads:1",
         "run_type": "iteration", "real_time": 90.0, "time_unit": "us"},
        {"name": "BM_DenseForward/400x120/threads:1",
         "run_name": "BM_DenseForward/400x120/threads:1",
         "run_type": "iteration", "real_time": 10.0, "time_unit": "us"},
        {"name": "BM_DenseForward/400x120/threads:1_mean",
         "run_name": "BM_DenseForward/400x120/threads:1",
         "run_type": "aggregate", "aggregate_name": "mean",
         "real_time": 50.0, "time_unit": "us"},
        {"name": "BM_DenseForward/400x120/threads:1_median",
         "run_name": "BM_DenseForward/400x120/threads:1",
         "run_type": "aggregate", "aggregate_name": "median",
         "real_time": 40.0, "time_unit": "us"},
        # An errored run is ignored.
        {"name": "BM_MaxPool2DForward/lenet/threads:1",
         "run_name": "BM_MaxPool2DForward/lenet/threads:1",
         "run_type": "iteration", "error_occurred": True,
         "error_message": "boom", "real_time": 0.0, "time_unit": "ns"},
        # Wall-clock (UseRealTime) runs carry a "/real_time" suffix.
        {"name": "BM_TrainStep/lenet5/threads:1/real_time_median",
         "run_name": "BM_TrainStep/lenet5/threads:1/real_time",
         "run_type": "aggregate", "aggregate_name": "median",
         "real_time": 2800.0, "time_unit": "us"},
        # Not in the table.
        {"name": "BM_Relu/1024", "run_name": "BM_Relu/1024",
         "run_type": "iteration", "real_time": 1.5, "time_unit": "ms"},
    ],
}

FAKE_PYTORCH = "\n".join(json.dumps(r) for r in [
    {"workload": "conv1_fwd", "threads": 1, "us": 800.0},
    {"workload": "conv1_fwd", "threads": 2, "us": 500.0},
    {"workload": "dense_fwd", "threads": 1, "us": 80.0},
    {"workload": "maxpool_fwd", "threads": 1, "us": 300.0},
]) + "\nnot json, e.g. a stray log line\n"


def row(table, workload, threads):
    for line in table.splitlines():
        fields = line.split()
        if fields[:2] == [workload, str(threads)]:
            return fields
    raise AssertionError(f"no row {workload} {threads} in\n{table}")


class CompareTest(unittest.TestCase):

    def test_load_google_benchmark_units_median_and_errors(self):
        times = compare.load_google_benchmark(FAKE_GBENCH)
        self.assertAlmostEqual(
            times["BM_Conv2DForward/lenet_conv1/threads:1"], 400.0)
        self.assertAlmostEqual(
            times["BM_Conv2DForward/lenet_conv1/threads:2"], 250.0)
        self.assertAlmostEqual(times["BM_DenseForward/400x120/threads:1"],
                               40.0)
        self.assertAlmostEqual(times["BM_Relu/1024"], 1500.0)
        self.assertAlmostEqual(times["BM_TrainStep/lenet5/threads:1"], 2800.0)
        self.assertNotIn("BM_MaxPool2DForward/lenet/threads:1", times)

    def test_load_pytorch_skips_non_json(self):
        pytorch = compare.load_pytorch(io.StringIO(FAKE_PYTORCH))
        self.assertEqual(pytorch[("conv1_fwd", 2)], 500.0)
        self.assertEqual(len(pytorch), 4)

    def test_table_ratio_and_missing_as_na(self):
        dagrad = compare.map_dagrad(compare.load_google_benchmark(FAKE_GBENCH))
        pytorch = compare.load_pytorch(io.StringIO(FAKE_PYTORCH))
        table = compare.format_table(dagrad, pytorch)
        self.assertEqual(row(table, "conv1_fwd", 1),
                         ["conv1_fwd", "1", "400.0", "800.0", "2.00"])
        self.assertEqual(row(table, "conv1_fwd", 2),
                         ["conv1_fwd", "2", "250.0", "500.0", "2.00"])
        self.assertEqual(row(table, "dense_fwd", 1),
                         ["dense_fwd", "1", "40.0", "80.0", "2.00"])
        # dagrad benchmark errored -> n/a; PyTorch side still shown.
        self.assertEqual(row(table, "maxpool_fwd", 1),
                         ["maxpool_fwd", "1", "n/a", "300.0", "n/a"])
        # Neither side.
        self.assertEqual(row(table, "lenet5_step", 2),
                         ["lenet5_step", "2", "n/a", "n/a", "n/a"])
        # Every workload appears once per thread count, plus the header.
        self.assertEqual(len(table.splitlines()),
                         1 + 2 * len(compare.WORKLOADS))

    def test_table_covers_every_workload(self):
        self.assertEqual(set(compare.DAGRAD_BENCHMARKS.values()),
                         set(compare.WORKLOADS))

    def test_first_matching_name_wins(self):
        table = {"Old/threads:{t}": "conv1_fwd", "New/threads:{t}": "conv1_fwd"}
        times = {"Old/threads:1": 5.0, "New/threads:1": 7.0,
                 "New/threads:2": 3.0}
        self.assertEqual(compare.map_dagrad(times, table=table),
                         {("conv1_fwd", 1): 5.0, ("conv1_fwd", 2): 3.0})

    def test_unmapped_names(self):
        times = compare.load_google_benchmark(FAKE_GBENCH)
        self.assertEqual(compare.unmapped_names(times), ["BM_Relu/1024"])

    def test_main_end_to_end_with_missing_dagrad_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            gb = os.path.join(tmp, "ops.json")
            pt = os.path.join(tmp, "pytorch.jsonl")
            with open(gb, "w") as f:
                json.dump(FAKE_GBENCH, f)
            with open(pt, "w") as f:
                f.write(FAKE_PYTORCH)
            out = io.StringIO()
            with redirect_stdout(out):
                rc = compare.main(["--pytorch", pt, "--dagrad", gb,
                                   "--dagrad", os.path.join(tmp, "absent")])
            self.assertEqual(rc, 0)
            self.assertEqual(row(out.getvalue(), "conv1_fwd", 1)[-1], "2.00")
            self.assertIn("BM_Relu/1024", out.getvalue())

    def test_peak_column_from_wall_clock_gflops(self):
        doc = {"benchmarks": [
            # CPU-timed: 100 GFLOP/s over 1 us CPU is 50 over 2 us wall.
            {"name": "BM_Conv2DForward/lenet_conv1/threads:2",
             "run_name": "BM_Conv2DForward/lenet_conv1/threads:2",
             "run_type": "iteration", "real_time": 2.0, "cpu_time": 1.0,
             "time_unit": "us", "GFLOPS": 100.0},
            # Wall-clock timed: taken as is; the median wins.
            {"name": "BM_Conv2DForward/lenet_conv1/threads:1/real_time",
             "run_name": "BM_Conv2DForward/lenet_conv1/threads:1/real_time",
             "run_type": "iteration", "real_time": 4.0, "cpu_time": 1.0,
             "time_unit": "us", "GFLOPS": 10.0},
            {"name": "BM_Conv2DForward/lenet_conv1/threads:1/real_time_median",
             "run_name": "BM_Conv2DForward/lenet_conv1/threads:1/real_time",
             "run_type": "aggregate", "aggregate_name": "median",
             "real_time": 4.0, "cpu_time": 1.0, "time_unit": "us",
             "GFLOPS": 30.0},
        ]}
        rates = compare.load_gflops(doc)
        self.assertAlmostEqual(
            rates["BM_Conv2DForward/lenet_conv1/threads:2"], 50.0)
        self.assertAlmostEqual(
            rates["BM_Conv2DForward/lenet_conv1/threads:1"], 30.0)
        self.assertAlmostEqual(compare.fma_peak({"benchmarks": [
            {"name": "BM_FmaPeak_median", "run_name": "BM_FmaPeak",
             "run_type": "aggregate", "aggregate_name": "median",
             "real_time": 1.0, "cpu_time": 1.0, "GFLOPS": 120.0}]}), 120.0)
        dagrad = compare.map_dagrad(compare.load_google_benchmark(doc))
        pytorch = compare.load_pytorch(io.StringIO(FAKE_PYTORCH))
        table = compare.format_table(dagrad, pytorch, (1, 2),
                                     compare.map_dagrad(rates), 100.0)
        self.assertEqual(row(table, "conv1_fwd", 1)[-1], "30%")
        self.assertEqual(row(table, "conv1_fwd", 2)[-1], "25%")  # 50 / 200.
        self.assertEqual(row(table, "dense_fwd", 1)[-1], "-")
        self.assertIn("%peak", table.splitlines()[0])


if __name__ == "__main__":
    unittest.main()
