#!/usr/bin/env python3
"""Counts test cases in Bazel's test.xml outputs and prints the CI summary.

Counts gtest cases (not Bazel targets) for every test target under //...,
reading bazel-testlogs/<package>/<target>/test.xml (and shard_*/test.xml).
A target whose binary crashed or timed out before writing its own XML gets
Bazel's generated XML, which holds one failed case. A target with no XML at
all counts as one failure.

Prints the failing cases, then a last line `N passed, N failed`. Exits 1 if
any case failed or no case ran.
"""

import glob
import os
import subprocess
import sys
import xml.etree.ElementTree as ET


def test_labels():
    out = subprocess.run(["bazel", "query", "tests(//...)", "--output=label"],
                         check=True, capture_output=True, text=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def label_dir(label):
    package, name = label[2:].split(":")
    return os.path.join("bazel-testlogs", package, name)


def main():
    passed = failed = skipped = 0
    failures = []
    for label in test_labels():
        d = label_dir(label)
        xmls = sorted(glob.glob(os.path.join(d, "test.xml")) +
                      glob.glob(os.path.join(d, "shard_*", "test.xml")))
        if not xmls:
            failed += 1
            failures.append("%s (no test.xml: not run?)" % label)
            continue
        for path in xmls:
            try:
                root = ET.parse(path).getroot()
            except ET.ParseError as e:
                failed += 1
                failures.append("%s (unreadable test.xml: %s)" % (label, e))
                continue
            for case in root.iter("testcase"):
                name = "%s %s.%s" % (label, case.get("classname", ""),
                                     case.get("name", ""))
                if case.find("failure") is not None or case.find("error") is not None:
                    failed += 1
                    failures.append(name)
                elif case.get("status") == "notrun" or case.get("result") == "skipped" \
                        or case.find("skipped") is not None:
                    skipped += 1
                else:
                    passed += 1
    for f in failures:
        print("FAILED:", f)
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
