"""What the e2e check scripts share: ok/FAIL lines and the closing count
("N passed, N failed") that tests/e2e/run.sh adds to its own."""
import sys

_counts = {"passed": 0, "failed": 0}


def check(name, cond, detail=""):
    if cond:
        _counts["passed"] += 1
        print("ok    " + name)
    else:
        _counts["failed"] += 1
        print("FAIL  " + name + (": " + detail if detail else ""))


def finish():
    print("%d passed, %d failed" % (_counts["passed"], _counts["failed"]))
    sys.exit(1 if _counts["failed"] else 0)
