"""Rewrite tests/golden/results.json from the code as it is (see tests/test_golden.py).

Run only when a change is meant to alter results, and say so in the commit message
with the before/after headline figures this script prints::

    python tests/update_golden.py
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_golden import GOLDEN, current_results  # noqa: E402


def main() -> int:
    old = json.loads(GOLDEN.read_text()) if GOLDEN.is_file() else {}
    new = current_results()
    for key, entry in new.items():
        before = old.get(key, {}).get("headline", old.get(key))
        after = entry.get("headline", entry)
        if before != after:
            print(f"{key}:\n  before {before}\n  after  {after}")
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN} ({len(new)} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
